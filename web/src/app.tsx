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
import { Link, match, navigate, usePath } from './router.tsx';
import { can, useSession } from './session.tsx';

export function App() {
  const { me, loading } = useSession();
  const path = usePath();
  if (path === '/accept-invitation') return <AcceptInvitationPage />;
  if (loading) return <p className="muted page">Loading…</p>;
  if (me === null) return <SignInPage />;
  return (
    <div className="shell">
      <Header />
      <main className="page">{route(path)}</main>
    </div>
  );
}

function route(path: string) {
  let params: Record<string, string> | null;
  if (path === '/' || path === '/overview') return <OverviewPage />;
  if (path === '/functions') return <FunctionsPage />;
  if (path === '/functions/new') return <FunctionEditorPage key="new" />;
  if ((params = match('/functions/:id', path))) return <FunctionEditorPage key={params.id} id={params.id} />;
  if ((params = match('/destinations/:id', path))) return <DestinationPage key={params.id} id={params.id!} />;
  if (path === '/audit') return <AuditPage />;
  if (path === '/usage') return <UsagePage />;
  if (path === '/health') return <HealthPage />;
  if (path === '/people') return <PeoplePage />;
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
            api('POST', '/auth/workspace', { workspaceId: event.target.value })
              .then(() => refresh())
              .then(() => navigate('/'))
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
        onClick={() => void signOut().then(() => navigate('/'))}
      >
        Sign out
      </button>
    </header>
  );
}
