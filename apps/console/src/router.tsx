import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/** The console lives under /console/; the manager answers its page for every path below it. */
export const BASE = '/console';
const NAVIGATE = 'relay:navigate';

export function currentPath(): string {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : '/';
  return path === '' ? '/' : path;
}

export function navigate(to: string): void {
  history.pushState(null, '', `${BASE}${to}`);
  window.dispatchEvent(new Event(NAVIGATE));
}

/** The current console path (`/hosts/hst_…`), following links and the back button. */
export function usePath(): string {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const update = () => setPath(currentPath());
    window.addEventListener('popstate', update);
    window.addEventListener(NAVIGATE, update);
    return () => {
      window.removeEventListener('popstate', update);
      window.removeEventListener(NAVIGATE, update);
    };
  }, []);
  return path;
}

type LinkProps = {
  href: string;
  children: ComponentChildren;
  class?: string;
  'aria-current'?: 'page';
};

/** An ordinary link (opens in a new tab with a modifier) that navigates in place otherwise. */
export function Link({ href, children, class: className, 'aria-current': current }: LinkProps) {
  return (
    <a
      class={className}
      aria-current={current}
      href={`${BASE}${href}`}
      onClick={(event) => {
        if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
        event.preventDefault();
        navigate(href);
      }}
    >
      {children}
    </a>
  );
}
