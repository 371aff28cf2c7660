import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where a CPU profile's time goes, coarser than profile-summary.ts: self time by package (PGlite,
 * ioredis, undici, Node internals, the gateway bundle…) and inclusive time by function.
 * `tsx src/profile-categories.ts <dir with .cpuprofile files> [rows]`.
 */
type Frame = { functionName: string; url: string };
type ProfileNode = { id: number; callFrame: Frame; children?: number[] };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

function packageOf({ url, functionName }: Frame): string {
  if (functionName === '(garbage collector)') return 'gc';
  if (functionName === '(program)') return 'program';
  if (url.includes('pglite') || url.startsWith('wasm')) return 'pglite';
  if (url.includes('node_modules')) {
    return /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(url)?.[1] ?? 'node_modules';
  }
  if (url.includes('gateway/dist')) return 'gateway';
  if (url === '') return `native:${functionName}`;
  return url.startsWith('node:') ? 'node' : 'other';
}

function summarise(profile: Profile, rows: number): string[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const delta = profile.timeDeltas[index] ?? 0;
    const node = byId.get(id);
    if (node === undefined || node.callFrame.functionName === '(idle)') return;
    total += delta;
    const own = packageOf(node.callFrame);
    self.set(own, (self.get(own) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined) break;
      const name = frame.url.includes('gateway/dist')
        ? frame.functionName
        : `${frame.functionName} [${packageOf(frame)}]`;
      if (seen.has(name)) continue;
      seen.add(name);
      inclusive.set(name, (inclusive.get(name) ?? 0) + delta);
    }
  });
  const percent = (map: Map<string, number>, limit: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, limit)
      .map(([name, time]) => `${((time / Math.max(total, 1)) * 100).toFixed(1)} ${name}`);
  return [
    `== self time by package (${(total / 1e6).toFixed(1)} s sampled)`,
    ...percent(self, 30),
    '== inclusive time by function',
    ...percent(inclusive, rows),
  ];
}

const [dir = '.', rows = '80'] = process.argv.slice(2);
for (const name of readdirSync(dir).filter((file) => file.endsWith('.cpuprofile'))) {
  console.log(name);
  console.log(
    summarise(JSON.parse(readFileSync(join(dir, name), 'utf8')) as Profile, Number(rows)).join('\n'),
  );
}
