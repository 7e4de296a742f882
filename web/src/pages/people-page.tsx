// Members and API tokens, for Workspace Owners.
import { type FormEvent, useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { RoleGrant } from '../session.tsx';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { ACTIONS, Table } from '../ui/table.tsx';
import { useAction } from '../ui/use-action.ts';

const ROLES: RoleGrant['role'][] = [
  'workspace_owner',
  'functions_admin',
  'functions_read_only',
  'source_admin',
];
/** The names Segment's Access Management uses for the roles. */
const ROLE_LABELS: Record<RoleGrant['role'], string> = {
  workspace_owner: 'Workspace Owner',
  functions_admin: 'Functions Admin',
  functions_read_only: 'Functions Read-only',
  source_admin: 'Source Admin',
};
const describe = (roles: RoleGrant[]) =>
  roles
    .map((r) =>
      r.resourceIds ? `${ROLE_LABELS[r.role]} (${r.resourceIds.length} resources)` : ROLE_LABELS[r.role],
    )
    .join(', ');

interface Member {
  userId: string;
  email: string;
  name: string;
  roles: RoleGrant[];
}
interface Token {
  id: string;
  name: string;
  kind: string;
  roles?: RoleGrant[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

interface Invitation {
  id: string;
  email: string;
  roles: RoleGrant[];
  expiresAt: string;
  acceptedAt: string | null;
}

function Invitations({ onError }: { onError(message: string): void }) {
  const invitations = useLoad(() => api<{ data: Invitation[] }>('GET', '/invitations'), []);
  const [link, setLink] = useState<string>();
  const invite = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    api<{ token: string }>('POST', '/invitations', {
      email: form.get('email'),
      roles: [{ role: form.get('role') }],
    })
      .then((answer) => {
        setLink(`${location.origin}/accept-invitation?token=${answer.token}`);
        formElement.reset();
        invitations.reload();
      })
      .catch((cause: unknown) => onError(messageOf(cause)));
  };
  return (
    <>
      <h2>Invitations</h2>
      {link && (
        <p role="status" className="notice">
          Send this link to the invitee (it works once, for 7 days, and is not shown again):{' '}
          <code>{link}</code>
        </p>
      )}
      <AsyncView state={invitations}>
        {(page) => (
          <ul>
            {page.data.map((invitation) => (
              <li key={invitation.id}>
                {invitation.email} as {describe(invitation.roles)} —{' '}
                {invitation.acceptedAt ? 'accepted' : `expires ${invitation.expiresAt.slice(0, 10)}`}{' '}
                {!invitation.acceptedAt && (
                  <button
                    className="link danger"
                    aria-label={`Revoke the invitation of ${invitation.email}`}
                    onClick={() =>
                      void api('DELETE', `/invitations/${invitation.id}`)
                        .then(invitations.reload)
                        .catch((cause: unknown) => onError(messageOf(cause)))
                    }
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </AsyncView>
      <form className="inline" onSubmit={invite} aria-label="Invite a member">
        <label>
          Invite by email <input name="email" type="email" required />
        </label>
        <RoleField />
        <button type="submit">Create invitation link</button>
      </form>
    </>
  );
}

export function PeoplePage() {
  const members = useLoad(() => api<{ data: Member[] }>('GET', '/members'), []);
  const tokens = useLoad(() => api<{ data: Token[] }>('GET', '/tokens'), []);
  const [message, setMessage] = useState<string>();
  const [added, setAdded] = useState<string>();
  const [secret, setSecret] = useState<string>();
  const adding = useAction();
  const creating = useAction();
  const act = (work: Promise<unknown>, reload: () => void) =>
    work.then(reload).catch((cause: unknown) => setMessage(messageOf(cause)));

  const addMember = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const password = form.get('password');
    const role = form.get('role') as RoleGrant['role'];
    const email = form.get('email') as string;
    void adding.run(async () => {
      setAdded(undefined);
      await api('POST', '/members', {
        email,
        name: form.get('name'),
        roles: [{ role }],
        ...(typeof password === 'string' && password !== '' ? { password } : {}),
      });
      setAdded(`Added ${email} as ${ROLE_LABELS[role]}.`);
      formElement.reset();
      members.reload();
    });
  };
  const addToken = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    void creating.run(async () => {
      setSecret(undefined);
      const answer = await api<{ token: string }>('POST', '/tokens', {
        name: form.get('name'),
        roles: [{ role: form.get('role') }],
      });
      setSecret(answer.token);
      formElement.reset();
      tokens.reload();
    });
  };

  return (
    <>
      <h1>Members</h1>
      {message && (
        <p role="alert" className="error">
          {message}
        </p>
      )}
      <AsyncView state={members}>
        {(page) => (
          <Table headers={['Name', 'Email', 'Role', ACTIONS]}>
            {page.data.map((member) => (
              <tr key={member.userId}>
                <td>{member.name}</td>
                <td>{member.email}</td>
                <td>
                  <select
                    aria-label={`Role of ${member.email}`}
                    value={member.roles[0]?.role}
                    onChange={(e) =>
                      void act(
                        api('PATCH', `/members/${member.userId}`, { roles: [{ role: e.target.value }] }),
                        members.reload,
                      )
                    }
                  >
                    {ROLES.map((role) => (
                      <option key={role} value={role}>
                        {ROLE_LABELS[role]}
                      </option>
                    ))}
                  </select>
                  {/* The picker shows one role; a grant limited to some functions says so here. */}
                  {member.roles.some((r) => r.resourceIds) && (
                    <span className="muted small"> {describe(member.roles)}</span>
                  )}
                </td>
                <td>
                  <button
                    className="link danger"
                    aria-label={`Remove ${member.email}`}
                    onClick={() => {
                      if (confirm(`Remove ${member.email} from this workspace?`))
                        void act(api('DELETE', `/members/${member.userId}`), members.reload);
                    }}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </AsyncView>
      <form className="inline" onSubmit={addMember} aria-label="Add a member">
        <label>
          Email <input name="email" type="email" required />
        </label>
        <label>
          Name <input name="name" required />
        </label>
        <RoleField />
        <label>
          Password <input name="password" type="password" autoComplete="new-password" minLength={10} />
        </label>
        <button type="submit" disabled={adding.busy}>
          {adding.busy ? 'Adding…' : 'Add member'}
        </button>
      </form>
      {adding.error && (
        <p role="alert" className="error">
          {adding.error}
        </p>
      )}
      {added && <p role="status">{added}</p>}

      <Invitations onError={setMessage} />

      <h1>API tokens</h1>
      {secret && (
        <p role="status" className="notice" aria-label="New token">
          Copy the token now; it is not shown again: <code>{secret}</code>{' '}
          <button className="link" onClick={() => setSecret(undefined)}>
            Done
          </button>
        </p>
      )}
      <AsyncView state={tokens}>
        {(page) => (
          <Table headers={['Name', 'Kind', 'Roles', 'Last used', 'State', ACTIONS]}>
            {page.data.map((token) => (
              <tr key={token.id}>
                <td>{token.name}</td>
                <td>{token.kind}</td>
                <td>{token.roles ? describe(token.roles) : 'as its member'}</td>
                <td>{token.lastUsedAt ? new Date(token.lastUsedAt).toLocaleString() : 'never'}</td>
                <td>
                  {token.revokedAt
                    ? 'revoked'
                    : token.expiresAt
                      ? `expires ${token.expiresAt.slice(0, 10)}`
                      : 'live'}
                </td>
                <td>
                  {!token.revokedAt && (
                    <button
                      className="link danger"
                      aria-label={`Revoke ${token.name}`}
                      onClick={() => void act(api('DELETE', `/tokens/${token.id}`), tokens.reload)}
                    >
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </AsyncView>
      <form className="inline" onSubmit={addToken} aria-label="Create a token">
        <label>
          Token name <input name="name" required />
        </label>
        <RoleField />
        <button type="submit" disabled={creating.busy}>
          {creating.busy ? 'Creating…' : 'Create workspace token'}
        </button>
      </form>
      {creating.error && (
        <p role="alert" className="error">
          {creating.error}
        </p>
      )}
    </>
  );
}

/** The role picker of the create forms (read from the form as `role`). */
function RoleField() {
  return (
    <label>
      Role
      <select name="role" defaultValue="functions_read_only">
        {ROLES.map((role) => (
          <option key={role} value={role}>
            {ROLE_LABELS[role]}
          </option>
        ))}
      </select>
    </label>
  );
}
