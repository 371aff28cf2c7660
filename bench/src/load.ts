import autocannon from 'autocannon';

export type LoadRequest = { url: string; headers: Record<string, string>; body: string };

export type LoadResult = {
  rps: number;
  requests: number;
  errors: number;
  non2xx: number;
  p50Ms: number;
  p99Ms: number;
};

/** A fixed-duration closed-loop load on loopback (autocannon), bounded in time by construction. */
export async function runLoad(
  request: LoadRequest,
  connections: number,
  durationS: number,
): Promise<LoadResult> {
  const result = await autocannon({
    url: request.url,
    method: 'POST',
    headers: request.headers,
    body: request.body,
    connections,
    duration: durationS,
  });
  return {
    rps: Math.round(result.requests.total / result.duration),
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
  };
}
