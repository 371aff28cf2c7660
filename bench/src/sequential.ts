import { Pool } from 'undici';
import type { LoadRequest } from './load.ts';
import { percentile } from './percentiles.ts';

export type SequentialResult = {
  p50Ms: number;
  p99Ms: number;
  ttfbP50Ms: number;
  ttfbP99Ms: number;
  failures: number;
};

/**
 * One connection, one request at a time, timed with sub-millisecond resolution: total time and time to
 * the first body byte (what a streaming client waits for).
 */
export async function runSequential(request: LoadRequest, count: number): Promise<SequentialResult> {
  const url = new URL(request.url);
  const pool = new Pool(url.origin, { connections: 1 });
  const totals: number[] = [];
  const firstBytes: number[] = [];
  let failures = 0;
  try {
    for (let i = 0; i < count + 20; i += 1) {
      const started = performance.now();
      const response = await pool.request({
        method: 'POST',
        path: url.pathname,
        headers: request.headers,
        body: request.body,
      });
      let first = 0;
      for await (const _chunk of response.body) {
        if (first === 0) first = performance.now();
      }
      const ended = performance.now();
      if (i < 20) continue; // warm-up
      if (response.statusCode !== 200) failures += 1;
      totals.push(ended - started);
      firstBytes.push((first || ended) - started);
    }
  } finally {
    await pool.close();
  }
  return {
    p50Ms: percentile(totals, 50),
    p99Ms: percentile(totals, 99),
    ttfbP50Ms: percentile(firstBytes, 50),
    ttfbP99Ms: percentile(firstBytes, 99),
    failures,
  };
}
