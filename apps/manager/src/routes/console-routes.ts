import type { Context, Hono } from 'hono';
import type { ConsoleSite } from '../console/console-site.ts';
import type { AppEnv } from '../http/env.ts';

/**
 * The console runs no inline script or style and talks only to this origin: a page injected into it can
 * neither load code from elsewhere nor send data away, and no other site may frame it.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** Hashed asset names change with their content: a browser may keep them for a year. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Relay console not built</title></head>
<body><h1>The console is not built</h1><p>Run <code>pnpm build</code> (or <code>pnpm --filter @relay/console build</code>)
in the repository, then reload this page. <code>pnpm start</code> builds it for you.</p></body></html>`;

/**
 * The operator console at /console/ (a static single-page app over /api, logged in with the session
 * cookie): hashed assets with a long cache, and the page itself, never cached, for every other path
 * under /console/ so that deep links work. `/` leads there.
 */
export function registerConsoleRoutes(app: Hono<AppEnv>, site: ConsoleSite): void {
  app.get('/', (c) => c.redirect('/console/', 302));
  app.get('/console', (c) => c.redirect('/console/', 301));
  app.get('/console/*', (c) => {
    const files = site.files();
    if (files === undefined) {
      return c.html(NOT_BUILT_PAGE, 503, { ...SECURITY_HEADERS, 'cache-control': 'no-store' });
    }
    const path = c.req.path.slice('/console/'.length);
    if (path.startsWith('assets/')) {
      const file = files.get(path);
      if (file === undefined) return c.notFound();
      return send(c, file.body, file.contentType, IMMUTABLE);
    }
    const page = files.get('index.html');
    if (page === undefined) return c.notFound();
    return send(c, page.body, page.contentType, 'no-cache');
  });
}

function send(c: Context<AppEnv>, body: Uint8Array, contentType: string, cacheControl: string) {
  return c.body(body as Uint8Array<ArrayBuffer>, 200, {
    ...SECURITY_HEADERS,
    'content-type': contentType,
    'cache-control': cacheControl,
  });
}
