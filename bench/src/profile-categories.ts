/** Self time by package and inclusive time by function of the CPU profiles in a directory: `tsx profile-categories.ts <dir> [rows]`. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
const dir = process.argv[2]!;
for (const f of readdirSync(dir).filter((n) => n.endsWith('.cpuprofile'))) {
  const p = JSON.parse(readFileSync(join(dir, f), 'utf8'));
  const byId = new Map<number, any>(p.nodes.map((n: any) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cat = (url: string, fn: string) => {
    if (fn === '(garbage collector)') return 'gc';
    if (fn === '(program)' ) return 'program';
    if (url.includes('pglite') || url.startsWith('wasm')) return 'pglite';
    const m = url.match(/node_modules\/(?:\.pnpm\/)?(@[^/]+\/[^/]+|[^/@]+)/);
    if (url.includes('node_modules')) { const mm = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/); return mm ? mm[1] : 'nm'; }
    if (url.includes('gateway/dist')) return 'gateway';
    if (url === '' ) return 'native:' + fn;
    if (url.startsWith('node:')) return 'node';
    return 'other';
  };
  const self = new Map<string, number>(); const incl = new Map<string, number>(); let total = 0;
  p.samples.forEach((id: number, i: number) => {
    const d = p.timeDeltas[i] ?? 0; const n = byId.get(id); if (!n || n.callFrame.functionName === '(idle)') return;
    total += d;
    const c = cat(n.callFrame.url, n.callFrame.functionName); self.set(c, (self.get(c) ?? 0) + d);
    // inclusive by gateway function names
    const seen = new Set<string>(); let cur: number | undefined = id;
    while (cur !== undefined) { const nn = byId.get(cur); const k = nn.callFrame.functionName + (nn.callFrame.url.includes('gateway/dist') ? '' : ' [' + cat(nn.callFrame.url, nn.callFrame.functionName) + ']');
      if (!seen.has(k)) { seen.add(k); incl.set(k, (incl.get(k) ?? 0) + d); } cur = parent.get(cur); }
  });
  console.log('== self by category', f, (total/1e6).toFixed(1), 's');
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) console.log((v / total * 100).toFixed(1), k);
  console.log('== inclusive');
  for (const [k, v] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 80))) console.log((v / total * 100).toFixed(1), k);
}
