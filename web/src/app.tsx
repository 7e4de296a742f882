import { useEffect } from 'react';
import { api, messageOf } from './api.ts';
import { AcceptInvitationPage } from './pages/accept-invitation-page.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { DestinationPage } from './pages/destination-page.tsx';
import { FunctionEditorPage } from './pages/function-editor-page.tsx';
import { FunctionsPage } from './pages/functions-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { HealthPage } from './pages/health-page.tsx';
import { PeoplePage } from './pages/people-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { UsagePage } from './pages/usage-page.tsx';
import { Link, confirmLeave, match, navigate, usePath } from './router.tsx';
import { type Me, can, useSession } from './session.tsx';

/** The tab's title per page, so several open tabs and the history list tell pages apart. */
function titleOf(path: string, signedIn: boolean): string {
  if (!signedIn) return 'Sign in';
  if (path === '/' || path === '/overview') return 'Overview';
  if (path === '/functions/new') return 'New Function';
  if (path.startsWith('/functions/')) return 'Function';
  if (path.startsWith('/destinations/')) return 'Destination';
  const named: Record<string, string> = {
    '/functions': 'Functions',
    '/audit': 'Audit Trail',
    '/usage': 'Usage',
    '/health': 'Connection Health',
    '/people': 'Members & tokens',
    '/accept-invitation': 'Accept invitation',
  };
  return named[path] ?? 'Not found';
}

export function App() {
  const { me, loading } = useSession();
  const path = usePath();
  useEffect(() => {
    document.title = `${titleOf(path, me !== null || path === '/accept-invitation')} · Switchyard`;
  }, [path, me]);
  if (path === '/accept-invitation') return <AcceptInvitationPage />;
  if (loading) return <p className="muted page">Loading…</p>;
  if (me === null) return <SignInPage />;
  return (
    <div className="shell">
      <Header />
      <main className="page">{route(path, me)}</main>
    </div>
  );
}

/** Shown instead of a page's forms when the role cannot use them; the server refuses the requests anyway. */
function NotAllowed() {
  return (
    <p role="alert" className="notice">
      Your role does not allow this. <Link to="/">Back to the overview</Link>
    </p>
  );
}

function route(path: string, me: Me) {
  let params: Record<string, string> | null;
  const owner = can(me, 'workspace:admin');
  if (path === '/' || path === '/overview') return <OverviewPage />;
  if (path === '/functions') return <FunctionsPage />;
  if (path === '/functions/new')
    return can(me, 'functions:write') ? <FunctionEditorPage key="new" /> : <NotAllowed />;
  if ((params = match('/functions/:id', path))) return <FunctionEditorPage key={params.id} id={params.id} />;
  if ((params = match('/destinations/:id', path))) return <DestinationPage key={params.id} id={params.id!} />;
  if (path === '/audit') return owner ? <AuditPage /> : <NotAllowed />;
  if (path === '/usage') return <UsagePage />;
  if (path === '/health') return <HealthPage />;
  if (path === '/people') return owner ? <PeoplePage /> : <NotAllowed />;
  return (
    <p>
      Nothing here. <Link to="/">Back to the overview</Link>
    </p>
  );
}

function Header() {
  const { me, refresh, signOut } = useSession();
  const owner = can(me, 'workspace:admin');
  return (
    <header className="header">
      <strong className="brand">Switchyard</strong>
      <nav aria-label="Main">
        <Link to="/">Overview</Link>
        <Link to="/functions">Functions</Link>
        <Link to="/health">Connection Health</Link>
        <Link to="/usage">Usage</Link>
        {owner && <Link to="/audit">Audit trail</Link>}
        {owner && <Link to="/people">Members &amp; tokens</Link>}
      </nav>
      <span className="spacer" />
      <label>
        <span className="visually-hidden">Workspace</span>
        <select
          aria-label="Workspace"
          value={me?.workspaceId}
          onChange={(event) => {
            if (!confirmLeave()) return;
            api('POST', '/auth/workspace', { workspaceId: event.target.value })
              .then(() => refresh())
              .then(() => navigate('/', { force: true }))
              .catch((error: unknown) => alert(messageOf(error)));
          }}
        >
          {me?.workspaces.map((workspace) => (
            <option key={workspace.id} value={workspace.id}>
              {workspace.name}
            </option>
          ))}
        </select>
      </label>
      <span className="muted who">{me?.user?.email}</span>
      <button
        title={me?.user ? `Signed in as ${me.user.email}` : undefined}
        onClick={() => {
          if (confirmLeave()) void signOut().then(() => navigate('/', { force: true }));
        }}
      >
        Sign out
      </button>
    </header>
  );
}
