import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';

/** One file of the built console, held in memory. */
export type ConsoleFile = { body: Uint8Array; contentType: string };

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
};

/**
 * The operator console's static files (apps/console/dist, built by `pnpm build`), read into memory on the
 * first request. While the directory has no index.html the site counts as not built and is looked for
 * again on the next request, so building after the manager started needs no restart.
 */
export class ConsoleSite {
  #files: Map<string, ConsoleFile> | undefined;

  constructor(readonly dir: string) {}

  /** The files by path relative to the site root (`index.html`, `assets/main-3F2A.js`), or undefined. */
  files(): Map<string, ConsoleFile> | undefined {
    if (this.#files !== undefined) return this.#files;
    if (!existsSync(join(this.dir, 'index.html'))) return undefined;
    const files = new Map<string, ConsoleFile>();
    for (const path of walk(this.dir)) {
      const name = relative(this.dir, path).split(sep).join('/');
      files.set(name, {
        body: readFileSync(path),
        contentType: CONTENT_TYPES[extname(path)] ?? 'application/octet-stream',
      });
    }
    this.#files = files;
    return files;
  }
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
