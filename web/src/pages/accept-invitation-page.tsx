// Where an invitation link leads: the invitee sets a name and password (or uses theirs), then signs in.
import { type FormEvent, useState } from 'react';
import { api, setCsrfToken } from '../api.ts';
import { navigate } from '../router.tsx';
import { useSession } from '../session.tsx';
import { useAction } from '../ui/use-action.ts';

export function AcceptInvitationPage() {
  const { refresh } = useSession();
  const token = new URLSearchParams(location.search).get('token') ?? '';
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    return run(async () => {
      const joined = await api<{ email: string; workspaceId: string }>('POST', '/invitations/accept', {
        token,
        name,
        password,
      });
      const session = await api<{ csrfToken: string }>('POST', '/auth/sign-in', {
        email: joined.email,
        password,
        workspaceId: joined.workspaceId,
      });
      setCsrfToken(session.csrfToken);
      await refresh();
      navigate('/');
    });
  };
  return (
    <main className="sign-in">
      <h1>Join the workspace</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Your name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          Password (at least 10 characters; your current one if you have an account)
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={10}
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy || token === ''}>
          {busy ? 'Joining…' : 'Join'}
        </button>
      </form>
    </main>
  );
}
