// Members and API tokens, for Workspace Owners.
import { type FormEvent, useState } from 'react';
import { api, messageOf } from '../api.ts';
import type { RoleGrant } from '../session.tsx';
import { AsyncView, useLoad } from '../ui/async-view.tsx';
import { ACTIONS, Table } from '../ui/table.tsx';

const ROLES: RoleGrant['role'][] = [
  'workspace_owner',
  'functions_admin',
  'functions_read_only',
  'source_admin',
];
const describe = (roles: RoleGrant[]) =>
  roles.map((r) => (r.resourceIds ? `${r.role} (${r.resourceIds.length} resources)` : r.role)).join(', ');

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
    const form = new FormData(event.currentTarget);
    api<{ token: string }>('POST', '/invitations', {
      email: form.get('email'),
      roles: [{ role: form.get('role') }],
    })
      .then((answer) => {
        setLink(`${location.origin}/accept-invitation?token=${answer.token}`);
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
      <form className="inline" onSubmit={invite}>
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
  const [secret, setSecret] = useState<string>();
  const act = (work: Promise<unknown>, reload: () => void) =>
    work.then(reload).catch((cause: unknown) => setMessage(messageOf(cause)));

  const addMember = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const password = form.get('password');
    void act(
      api('POST', '/members', {
        email: form.get('email'),
        name: form.get('name'),
        roles: [{ role: form.get('role') }],
        ...(typeof password === 'string' && password !== '' ? { password } : {}),
      }),
      members.reload,
    );
  };
  const addToken = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    api<{ token: string }>('POST', '/tokens', { name: form.get('name'), roles: [{ role: form.get('role') }] })
      .then((answer) => {
        setSecret(answer.token);
        tokens.reload();
      })
      .catch((cause: unknown) => setMessage(messageOf(cause)));
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
                      <option key={role}>{role}</option>
                    ))}
                  </select>{' '}
                  <span className="muted small">{describe(member.roles)}</span>
                </td>
                <td>
                  <button
                    className="link danger"
                    onClick={() => void act(api('DELETE', `/members/${member.userId}`), members.reload)}
                  >
                    Remove
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </AsyncView>
      <form className="inline" onSubmit={addMember}>
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
        <button type="submit">Add member</button>
      </form>

      <Invitations onError={setMessage} />

      <h1>API tokens</h1>
      {secret && (
        <p role="status" className="notice">
          Copy the token now; it is not shown again: <code>{secret}</code>
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
      <form className="inline" onSubmit={addToken}>
        <label>
          Token name <input name="name" required />
        </label>
        <RoleField />
        <button type="submit">Create workspace token</button>
      </form>
    </>
  );
}

/** The role picker of the create forms (read from the form as `role`). */
function RoleField() {
  return (
    <label>
      Role
      <select name="role">
        {ROLES.map((role) => (
          <option key={role}>{role}</option>
        ))}
      </select>
    </label>
  );
}
