import { type FormEvent, useState } from 'react';
import { api, setCsrfToken } from '../api.ts';
import { useSession } from '../session.tsx';
import { useAction } from '../ui/use-action.ts';

export function SignInPage() {
  const { refresh } = useSession();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run } = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    return run(async () => {
      const answer = await api<{ csrfToken: string }>('POST', '/auth/sign-in', { email, password });
      setCsrfToken(answer.csrfToken);
      await refresh();
    });
  };
  return (
    <main className="sign-in">
      <h1>Switchyard</h1>
      <form onSubmit={(event) => void submit(event)}>
        <label>
          Email
          <input
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        {error && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
