import { Writable } from 'node:stream';
import { type AppDeps, createApp } from '../../src/app.ts';
import { type GatewayConfig, loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { createMetrics } from '../../src/metrics.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

/** Captures every log line the app writes, so tests can assert on logs (e.g. that no secret leaks). */
export class LogCapture extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: string, callback: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    callback();
  }
  text(): string {
    return this.lines.join('\n');
  }
}

export function testConfig(overrides: Record<string, string> = {}): GatewayConfig {
  return loadConfig({ GATEWAY_ADMIN_TOKEN: TEST_ADMIN_TOKEN, NODE_ENV: 'test', ...overrides });
}

/** An app with test services; no listener. */
export function buildTestApp(overrides: Partial<AppDeps> = {}, env: Record<string, string> = {}) {
  const logs = new LogCapture();
  const deps: AppDeps = {
    config: testConfig(env),
    logger: createLogger({ level: 'info', destination: logs }),
    metrics: createMetrics({ collectProcessMetrics: false }),
    readinessChecks: [],
    version: 'test',
    ...overrides,
  };
  return { app: createApp(deps), deps, logs };
}
