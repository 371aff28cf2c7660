import { fileURLToPath } from 'node:url';
import type { ManagedProcess } from '../process/start-process.ts';
import { startTsxProcess } from '../process/tsx.ts';
import { DEFAULT_MOCK_API_KEY } from './upstream.ts';

/** Absolute path of the mock CLI entry (run it with startTsxProcess or `node --import tsx`). */
export const mockCliPath: string = fileURLToPath(new URL('../mock-cli.ts', import.meta.url));

export interface SpawnMockUpstreamOptions {
  readonly port?: number;
  readonly host?: string;
  readonly apiKey?: string;
  readonly latencyMs?: number;
  /** Deadline for the URL line (default 20 s). */
  readonly timeoutMs?: number;
}

export interface MockUpstreamProcess {
  readonly url: string;
  readonly port: number;
  readonly apiKey: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/**
 * The mock in a separate process (so its CPU is not the caller's, e.g. in the benchmark). Faults
 * are in-process only: use startMockUpstream for fault tests.
 */
export async function spawnMockUpstream(opts: SpawnMockUpstreamOptions = {}): Promise<MockUpstreamProcess> {
  const args: string[] = ['--port', String(opts.port ?? 0)];
  if (opts.host !== undefined) args.push('--host', opts.host);
  if (opts.apiKey !== undefined) args.push('--api-key', opts.apiKey);
  if (opts.latencyMs !== undefined) args.push('--latency-ms', String(opts.latencyMs));
  const child = await startTsxProcess(mockCliPath, undefined, { args });
  try {
    const match = await child.waitForOutput(/^\{"url".*\}$/m, { timeoutMs: opts.timeoutMs ?? 20_000 });
    const line = JSON.parse(match[0]) as { url: string; port: number };
    return {
      url: line.url,
      port: line.port,
      apiKey: opts.apiKey ?? DEFAULT_MOCK_API_KEY,
      process: child,
      stop: async () => {
        await child.stop();
      },
    };
  } catch (error) {
    await child.stop('SIGKILL');
    throw error;
  }
}
