import { Pool } from 'undici';

/**
 * One keep-alive connection pool per upstream origin, created on first use and reused for the life of the
 * process: opening a TLS connection per request would cost more than everything else on the hot path.
 */
export class UpstreamPools {
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly options: { connectionsPerOrigin: number; connectTimeoutMs: number } = {
      connectionsPerOrigin: 128,
      connectTimeoutMs: 10_000,
    },
  ) {}

  forOrigin(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (pool === undefined) {
      pool = new Pool(origin, {
        connections: this.options.connectionsPerOrigin,
        connect: { timeout: this.options.connectTimeoutMs },
        keepAliveTimeout: 30_000,
        keepAliveMaxTimeout: 300_000,
        pipelining: 1,
      });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async close(): Promise<void> {
    const pools = [...this.pools.values()];
    this.pools.clear();
    await Promise.all(pools.map((pool) => pool.close().catch(() => pool.destroy())));
  }
}
