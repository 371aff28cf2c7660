import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

type ProfileNode = { id: number; callFrame: { functionName: string; url: string; lineNumber: number } };
type Profile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };

/**
 * The functions with the most self time in the V8 CPU profiles (`node --cpu-prof`) found in `dir`,
 * as percentages of the sampled time (idle excluded), grouped by function and file.
 */
export function summariseProfiles(dir: string, top = 25): { file: string; rows: [string, number][] }[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.cpuprofile'))
    .map((name) => ({
      file: name,
      rows: topSelfTime(JSON.parse(readFileSync(join(dir, name), 'utf8')), top),
    }));
}

function topSelfTime(profile: Profile, top: number): [string, number][] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    const delta = profile.timeDeltas[index] ?? 0;
    if (node === undefined || node.callFrame.functionName === '(idle)') return;
    const { functionName, url, lineNumber } = node.callFrame;
    const where = url === '' ? '' : ` ${url.split('/').slice(-3).join('/')}:${lineNumber + 1}`;
    const key = `${functionName || '(anonymous)'}${where}`;
    self.set(key, (self.get(key) ?? 0) + delta);
    total += delta;
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([key, time]) => [key, Math.round((time / Math.max(total, 1)) * 1000) / 10]);
}
