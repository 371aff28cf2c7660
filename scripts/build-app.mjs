// Bundles one app for production: `node ../../scripts/build-app.mjs <entry>...` from the app's folder
// (its `build` script). npm dependencies stay external (installed by `pnpm deploy --prod`), workspace
// packages (@relay/*) are inlined, and the SQL migrations are copied beside the bundle, where the code
// looks for them first. Production runs `node dist/<entry>.js`, never tsx.
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

const appDir = process.cwd();
const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8'));
const entries = process.argv.slice(2);
if (entries.length === 0) {
  console.error('usage: build-app.mjs <entry.ts>...');
  process.exit(2);
}
/** Folders of SQL migrations, by app: [source, destination in dist]. */
const MIGRATIONS = {
  '@relay/gateway': [['drizzle', 'drizzle']],
  '@relay/manager': [['src/db/migrations', 'migrations']],
};

const outdir = join(appDir, 'dist');
rmSync(outdir, { recursive: true, force: true });

const external = new Set();
const started = performance.now();
const result = await build({
  entryPoints: entries.map((entry) => join(appDir, entry)),
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
  // Bundled CommonJS (rare in the workspace) still finds `require`.
  banner: {
    js: "import { createRequire as __relayRequire } from 'node:module'; const require = __relayRequire(import.meta.url);",
  },
  plugins: [
    {
      name: 'npm-dependencies-external',
      setup(b) {
        b.onResolve({ filter: /^[^./]/ }, (args) => {
          if (args.path.startsWith('@relay/')) return undefined;
          if (!args.path.startsWith('node:')) external.add(packageName(args.path));
          return { path: args.path, external: true };
        });
      },
    },
  ],
});

// Every external package must be resolvable from the app itself: `pnpm deploy --prod` installs the
// app's own dependencies, not a workspace package's.
const resolveFromApp = createRequire(join(appDir, 'package.json'));
const builtins = new Set((await import('node:module')).builtinModules);
const missing = [...external].filter((name) => {
  if (builtins.has(name)) return false;
  if (!(name in (pkg.dependencies ?? {}))) return true;
  try {
    resolveFromApp.resolve(`${name}/package.json`);
    return false;
  } catch {
    return !existsSync(join(appDir, 'node_modules', name));
  }
});
if (missing.length > 0) {
  console.error(`${pkg.name}: bundled code imports ${missing.join(', ')}, missing from its dependencies`);
  process.exit(1);
}

for (const [from, to] of MIGRATIONS[pkg.name] ?? [])
  cpSync(join(appDir, from), join(outdir, to), { recursive: true });

const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
console.log(
  `${pkg.name}: ${entries.map((e) => `dist/${basename(e).replace(/\.ts$/, '.js')}`).join(', ')} ` +
    `(${(bytes / 1024).toFixed(0)} KiB with maps, ${external.size} external packages) in ${Math.round(performance.now() - started)} ms`,
);

function packageName(specifier) {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}
