import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, type ManagedProcess, startProcess } from '@relay/testkit';

const here = dirname(fileURLToPath(import.meta.url));

export interface BareProxy {
  process: ManagedProcess;
  url: string;
}

/** Starts the bare proxy (bare-proxy.mjs) in front of `upstream`, run by `node` as the gateway's bundle is. */
export async function startBareProxy(upstream: string): Promise<BareProxy> {
  const port = await freePort();
  const proxy = await startProcess({
    command: process.execPath,
    args: [join(here, 'bare-proxy.mjs'), String(port), upstream],
  });
  await proxy.waitForOutput(/"url"/);
  return { process: proxy, url: `http://127.0.0.1:${port}` };
}
