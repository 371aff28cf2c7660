import { existsSync, readFileSync } from 'node:fs';

type HeapNode = {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children?: HeapNode[];
};

/**
 * The functions that allocate the most in a sampling heap profile (`HeapProfiler.stopSampling`), as
 * percentages of the bytes sampled, with the bytes per request when `requests` is known.
 */
export function summariseAllocations(file: string, requests: number, top = 30): string[] {
  if (!existsSync(file)) return [`no allocation profile at ${file}`];
  const head = (JSON.parse(readFileSync(file, 'utf8')) as { head: HeapNode }).head;
  const self = new Map<string, number>();
  let total = 0;
  const walk = (node: HeapNode): void => {
    const { functionName, url, lineNumber } = node.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.split('/').slice(-2).join('/')}:${lineNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + node.selfSize);
    total += node.selfSize;
    for (const child of node.children ?? []) walk(child);
  };
  walk(head);
  const lines = [
    `allocated ${(total / 1e6).toFixed(0)} MB, ${(total / Math.max(requests, 1) / 1024).toFixed(1)} KiB per request`,
  ];
  for (const [key, bytes] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    lines.push(`${((bytes / total) * 100).toFixed(1).padStart(5)} % ${key}`);
  return lines;
}
