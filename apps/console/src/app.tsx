import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, whenSessionLost } from './api.ts';
import { Loading } from './components/feedback.tsx';
import { Shell } from './components/shell.tsx';
import { AuditPage } from './pages/audit-page.tsx';
import { BatchRunPage } from './pages/batch-run-page.tsx';
import { BatchesPage } from './pages/batches-page.tsx';
import { DraftPage } from './pages/draft-page.tsx';
import { DraftsPage } from './pages/drafts-page.tsx';
import { HostPage } from './pages/host-page.tsx';
import { HostsPage } from './pages/hosts-page.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { NotFoundPage } from './pages/not-found-page.tsx';
import { OverviewPage } from './pages/overview-page.tsx';
import { ProviderPage } from './pages/provider-page.tsx';
import { ProvidersPage } from './pages/providers-page.tsx';
import { usePath } from './router.tsx';
import type { Session } from './types.ts';

/** Which page a console path shows. */
function route(path: string) {
  const parts = path
    .split('/')
    .filter((part) => part !== '')
    .map(decodeURIComponent);
  const [first, second] = parts;
  if (first === undefined) return <OverviewPage />;
  if (first === 'hosts' && second === undefined) return <HostsPage />;
  if (first === 'hosts' && second !== undefined) return <HostPage hostId={second} />;
  if (first === 'providers' && second === undefined) return <ProvidersPage />;
  if (first === 'providers' && second !== undefined) return <ProviderPage providerId={second} />;
  if (first === 'drafts' && second === undefined) return <DraftsPage />;
  if (first === 'drafts' && second !== undefined) return <DraftPage draftId={second} />;
  if (first === 'batches' && second === undefined) return <BatchesPage />;
  if (first === 'batches' && second !== undefined) return <BatchRunPage runId={second} />;
  if (first === 'audit') return <AuditPage />;
  return <NotFoundPage />;
}

export function App() {
  const path = usePath();
  const [session, setSession] = useState<Session | null | undefined>(undefined);
  const [notice, setNotice] = useState<string | undefined>();
  const loggedIn = useRef(false);
  loggedIn.current = session !== null && session !== undefined;

  useEffect(() => {
    whenSessionLost(() => {
      if (loggedIn.current) setNotice('Your session ended: log in again.');
      setSession(null);
    });
    api<Session>('GET', '/api/auth/session').then(
      (current) => setSession(current.authenticated ? current : null),
      (error: unknown) => {
        if (!(error instanceof ApiError) || error.status !== 401) setNotice(String(error));
        setSession(null);
      },
    );
  }, []);

  if (session === undefined) return <Loading what="the console" />;
  if (session === null) {
    return (
      <LoginPage
        notice={notice}
        onLoggedIn={(next) => {
          setNotice(undefined);
          setSession(next);
        }}
      />
    );
  }
  return (
    <Shell
      session={session}
      path={path}
      onLoggedOut={() => {
        setNotice('You are logged out.');
        setSession(null);
      }}
    >
      {route(path)}
    </Shell>
  );
}
