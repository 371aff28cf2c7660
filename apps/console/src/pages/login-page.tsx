import { useState } from 'preact/hooks';
import { ApiError, api } from '../api.ts';
import { ErrorNote, Note } from '../components/feedback.tsx';
import { useAction } from '../hooks.ts';
import type { Session } from '../types.ts';

export function LoginPage({
  notice,
  onLoggedIn,
}: {
  notice?: string;
  onLoggedIn: (session: Session) => void;
}) {
  const [username, setUsername] = useState('admin');
  const [password, setPassword] = useState('');
  const login = useAction(async () => {
    await api('POST', '/api/auth/login', { username, password });
    try {
      return await api<Session>('GET', '/api/auth/session');
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        // The password was right but the browser dropped the cookie: a Secure cookie over plain HTTP.
        throw new Error(
          'the password was accepted but the browser did not keep the session cookie: over plain HTTP the manager needs MANAGER_COOKIE_SECURE=false (or serve it over HTTPS)',
        );
      }
      throw error;
    }
  });
  return (
    <main class="login" id="main">
      <form
        class="card login-card"
        onSubmit={async (event) => {
          event.preventDefault();
          const session = await login.run();
          if (session !== undefined) onLoggedIn(session);
        }}
      >
        <h1>Relay manager</h1>
        <p class="muted">
          Log in with the manager's admin user. Unless <code>MANAGER_ADMIN_PASSWORD</code> is set, the
          password is the admin token (<code>npm start</code> prints it).
        </p>
        {notice !== undefined && <Note tone="info">{notice}</Note>}
        <label for="login-username">Username</label>
        <input
          id="login-username"
          name="username"
          autocomplete="username"
          required
          value={username}
          onInput={(event) => setUsername(event.currentTarget.value)}
        />
        <label for="login-password">Password</label>
        <input
          id="login-password"
          name="password"
          type="password"
          autocomplete="current-password"
          required
          value={password}
          onInput={(event) => setPassword(event.currentTarget.value)}
        />
        <ErrorNote error={login.error} title="Login failed" />
        <button type="submit" class="button primary" disabled={login.busy}>
          {login.busy ? 'Logging in…' : 'Log in'}
        </button>
      </form>
    </main>
  );
}
