import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from './processes.ts';

/** scripts/validate-infra.mjs passes on the repository and catches each kind of mistake it is for. */
const copy = mkdtempSync(join(tmpdir(), 'relay-infra-'));
afterAll(() => rmSync(copy, { recursive: true, force: true }));

function validate(root?: string) {
  const args = ['scripts/validate-infra.mjs', ...(root === undefined ? [] : [root])];
  return spawnSync(process.execPath, args, { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
}

describe('validate-infra', () => {
  it('accepts the deployable files of the repository', () => {
    const run = validate();
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('all deployable files are valid');
  });

  it('rejects a manifest off its schema, an unknown setting and a compose key off the specification', () => {
    cpSync(join(repoRoot, 'infra'), join(copy, 'infra'), { recursive: true });
    const edit = (file: string, from: string, to: string) => {
      const path = join(copy, file);
      const text = readFileSync(path, 'utf8');
      expect(text).toContain(from);
      writeFileSync(path, text.replace(from, to));
    };
    edit('infra/k8s/gateway.yaml', 'replicas: 3', 'replicas: three');
    edit('infra/env/gateway.env.example', 'GATEWAY_PORT=8080', 'GATEWAY_PROT=8080');
    edit('infra/docker/compose.yml', 'stop_grace_period: 20s', 'stop_grace: 20s');
    edit('infra/env/compose.env.example', 'MANAGER_SECRET_KEY=', '# MANAGER_SECRET_KEY=');
    const run = validate(copy);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/infra\/k8s\/gateway\.yaml Deployment\/relay-gateway: .*replicas/);
    expect(run.stderr).toContain('infra/env/gateway.env.example: not gateway settings: GATEWAY_PROT');
    expect(run.stderr).toMatch(/compose\.yml: .*stop_grace/);
    expect(run.stderr).toContain('required but not in infra/env/compose.env.example: MANAGER_SECRET_KEY');
  });
});

describe('Prometheus rules', () => {
  const promtool = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  // CI installs promtool (.ci/run) and scripts/test.mjs runs these checks itself; here they also show up
  // as tests when promtool is present, and say so when it is not.
  it('pass promtool check and the alert unit tests', () => {
    expect(promtool, 'promtool is needed (Debian package prometheus; .ci/run installs it)').not.toBe('');
    const run = spawnSync(promtool, ['test', 'rules', 'infra/prometheus/alerts.test.yml'], {
      cwd: repoRoot,
      encoding: 'utf8',
    });
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});

describe('Grafana dashboard', () => {
  it('is valid JSON whose recorded series are all defined in rules.yml', () => {
    const dashboard = JSON.parse(
      readFileSync(join(repoRoot, 'infra/grafana/relay-overview.json'), 'utf8'),
    ) as {
      panels: Array<{ title: string; targets: Array<{ expr: string }> }>;
    };
    const rules = readFileSync(join(repoRoot, 'infra/prometheus/rules.yml'), 'utf8');
    const recorded = new Set([...rules.matchAll(/record: (\S+)/g)].map((m) => m[1]));
    expect(dashboard.panels.length).toBeGreaterThan(10);
    const used = dashboard.panels.flatMap((panel) =>
      panel.targets.flatMap((target) => [...target.expr.matchAll(/relay:[a-z_:0-9]+/g)].map((m) => m[0])),
    );
    expect(used.length).toBeGreaterThan(5);
    expect(used.filter((series) => !recorded.has(series))).toEqual([]);
  });
});
