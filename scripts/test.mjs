// The one test command (README, .ci/run): every package's vitest suite through turbo, then one line
// "N passed, N failed" with the real totals read from each package's vitest JSON report.
// `--with-checks` also runs lint, typecheck, the pack validation, the deployable-file validation and the
// Prometheus rule checks and alert tests (promtool), each counted as one test.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureInstalled, root } from './bootstrap.mjs';

ensureInstalled();
const withChecks = process.argv.includes('--with-checks');

function run(label, command, args) {
  console.log(`\n[relay] ${label}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (result.error) console.log(`[relay] cannot run ${command}: ${result.error.message}`);
  return result.status === 0;
}

const workspaceDirs = ['apps', 'packages']
  .flatMap((group) =>
    existsSync(join(root, group))
      ? readdirSync(join(root, group)).map((name) => join(root, group, name))
      : [],
  )
  .filter((dir) => existsSync(join(dir, 'package.json')));
const testedDirs = workspaceDirs.filter((dir) => {
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  return typeof pkg.scripts?.test === 'string';
});
for (const dir of testedDirs) rmSync(join(dir, '.test-results'), { recursive: true, force: true });

let passed = 0;
let failed = 0;
let skipped = 0;
if (withChecks) {
  const checks = [
    ['lint', 'pnpm', ['exec', 'biome', 'check', '.']],
    [
      'typecheck',
      'pnpm',
      ['turbo', 'run', 'typecheck', '--continue', '--output-logs=errors-only', '--env-mode=loose'],
    ],
    ['packs', 'node', ['packages/manifests/bin/relay-packs.mjs', 'validate', 'packs']],
    ['infra', 'node', ['scripts/validate-infra.mjs']],
    // Prometheus: rule and config syntax, then the alert unit tests (promtool: Debian package `prometheus`).
    [
      'prometheus rules',
      'promtool',
      ['check', 'rules', 'infra/prometheus/rules.yml', 'infra/prometheus/alerts.yml'],
    ],
    ['prometheus config (compose)', 'promtool', ['check', 'config', 'infra/prometheus/prometheus.yml']],
    ['prometheus config (k8s)', 'promtool', ['check', 'config', 'infra/prometheus/prometheus-k8s.yml']],
    ['prometheus alert tests', 'promtool', ['test', 'rules', 'infra/prometheus/alerts.test.yml']],
  ];
  for (const [label, command, args] of checks) {
    if (run(label, command, args)) passed += 1;
    else {
      failed += 1;
      console.log(`[relay] check failed: ${label}`);
    }
  }
}

run('tests', 'pnpm', ['turbo', 'run', 'test', '--continue', '--concurrency=1', '--env-mode=loose']);

for (const dir of testedDirs) {
  const report = join(dir, '.test-results', 'vitest.json');
  const name = dir.slice(root.length + 1);
  if (!existsSync(report)) {
    console.log(`[relay] ${name}: no test report (the suite crashed or did not run): counted as 1 failed`);
    failed += 1;
    continue;
  }
  const json = JSON.parse(readFileSync(report, 'utf8'));
  passed += json.numPassedTests ?? 0;
  failed += (json.numFailedTests ?? 0) + (json.numRuntimeErrors ?? 0);
  // A test file that failed to load has no tests to count: make it visible as a failure.
  failed += (json.testResults ?? []).filter(
    (file) => file.status === 'failed' && (file.assertionResults ?? []).length === 0,
  ).length;
  skipped += (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0);
  if ((json.numTotalTests ?? 0) === 0) {
    console.log(`[relay] ${name}: ran no test: counted as 1 failed`);
    failed += 1;
  }
}

console.log(`${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
