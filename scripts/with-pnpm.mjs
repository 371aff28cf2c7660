// Installs the dependencies when needed, then runs a command with pnpm on PATH, whether pnpm is installed globally or the bootstrap put it in .tools/:
//   node scripts/with-pnpm.mjs pnpm --filter @relay/bench run bench
// (the root package.json scripts go through it, so every README command works on a machine without pnpm).
import { spawnSync } from 'node:child_process';
import { ensureInstalled } from './bootstrap.mjs';

const [command, ...args] = process.argv.slice(2);
if (command === undefined) {
  console.error('usage: node scripts/with-pnpm.mjs <command> [args…]');
  process.exit(2);
}
ensureInstalled();
const result = spawnSync(command, args, {
  cwd: process.cwd(),
  stdio: 'inherit',
  env: process.env,
  shell: process.platform === 'win32',
});
if (result.error) {
  console.error(`[relay] cannot run ${command}: ${result.error.message}`);
  process.exit(1);
}
process.exit(result.status ?? 1);
