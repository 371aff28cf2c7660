import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ManagedProcess } from '@relay/testkit';
import { freePort, startTsxProcess } from '@relay/testkit';

const GATEWAY_ENTRY = fileURLToPath(new URL('../../../gateway/src/serve.ts', import.meta.url));

export type GatewayProcess = { url: string; token: string; proc: ManagedProcess; dispose(): Promise<void> };

/** The real gateway process in embedded mode (PGlite in a throwaway directory, no Redis). */
export async function startGatewayProcess(token: string): Promise<GatewayProcess> {
  const dir = mkdtempSync(join(tmpdir(), 'relay-manager-gw-'));
  const port = await freePort();
  const proc = await startTsxProcess(
    GATEWAY_ENTRY,
    {
      NODE_ENV: 'test',
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_ADMIN_TOKEN: token,
      GATEWAY_SECRET_KEY: 'e2e-manager-batch-secret-key-0123456789',
      GATEWAY_DATA_DIR: join(dir, 'data'),
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      LOG_LEVEL: 'warn',
    },
    { readyUrl: `http://127.0.0.1:${port}/healthz`, timeoutMs: 120_000 },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    proc,
    dispose: async () => {
      if (proc.exitInfo === undefined) await proc.stop('SIGTERM', 10_000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
