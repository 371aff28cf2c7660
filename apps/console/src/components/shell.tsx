import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { api } from '../api.ts';
import { Link } from '../router.tsx';
import type { Session } from '../types.ts';

export const NAV = [
  { href: '/', label: 'Overview' },
  { href: '/hosts', label: 'Hosts' },
  { href: '/providers', label: 'Packs and providers' },
  { href: '/drafts', label: 'Drafts' },
  { href: '/batches', label: 'Batch import' },
  { href: '/audit', label: 'Audit' },
] as const;

function isCurrent(href: string, path: string): boolean {
  return href === '/' ? path === '/' : path === href || path.startsWith(`${href}/`);
}

/** The frame of every page after login: navigation, who is logged in, logout. */
export function Shell({
  session,
  path,
  onLoggedOut,
  children,
}: {
  session: Session;
  path: string;
  onLoggedOut: () => void;
  children: ComponentChildren;
}) {
  const main = useRef<HTMLElement>(null);
  // After navigating, move focus to the page so keyboard and screen-reader users start at its heading.
  useEffect(() => {
    main.current?.focus();
  }, [path]);
  return (
    <div class="layout">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="topbar">
        <span class="brand">Relay manager</span>
        <nav aria-label="Main">
          <ul>
            {NAV.map((item) => (
              <li key={item.href}>
                <Link href={item.href} aria-current={isCurrent(item.href, path) ? 'page' : undefined}>
                  {item.label}
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            Signed in as <strong>{session.username}</strong>
          </span>
          {session.via === 'session' && (
            <button
              type="button"
              class="button small"
              onClick={async () => {
                await api('POST', '/api/auth/logout').catch(() => undefined);
                onLoggedOut();
              }}
            >
              Log out
            </button>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
