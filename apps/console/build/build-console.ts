import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/** The console package's own directory. */
export const CONSOLE_ROOT = fileURLToPath(new URL('..', import.meta.url));
/** Where `pnpm build` puts the static site the manager serves at /console/. */
export const CONSOLE_DIST = join(CONSOLE_ROOT, 'dist');

export type ConsoleBuild = { outDir: string; files: string[]; ms: number };

/**
 * Bundles the console (Preact + TSX + CSS) into `outDir`: `index.html` plus content-hashed files under
 * `assets/`, so the manager can cache assets for a year and always revalidate the page. The page holds no
 * inline script or style: it runs under a strict Content-Security-Policy.
 */
export async function buildConsole(outDir: string = CONSOLE_DIST): Promise<ConsoleBuild> {
  const started = performance.now();
  rmSync(outDir, { recursive: true, force: true });
  const assetsDir = join(outDir, 'assets');
  mkdirSync(assetsDir, { recursive: true });
  const result = await build({
    entryPoints: [join(CONSOLE_ROOT, 'src', 'main.tsx')],
    bundle: true,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    sourcemap: false,
    legalComments: 'none',
    entryNames: '[name]-[hash]',
    outdir: assetsDir,
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((file) => basename(file));
  const script = outputs.find((file) => file.endsWith('.js'));
  const style = outputs.find((file) => file.endsWith('.css'));
  if (script === undefined || style === undefined)
    throw new Error('console build produced no script or style');
  writeFileSync(join(outDir, 'index.html'), indexHtml(script, style));
  const files = ['index.html', ...outputs.map((file) => relative(outDir, join(assetsDir, file)))];
  return { outDir, files, ms: Math.round(performance.now() - started) };
}

function indexHtml(script: string, style: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Relay manager console</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/console/assets/${style}">
<script type="module" src="/console/assets/${script}"></script>
</head>
<body>
<div id="app"><noscript>The Relay console needs JavaScript.</noscript></div>
</body>
</html>
`;
}
