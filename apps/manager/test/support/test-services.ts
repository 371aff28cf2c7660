import type { ManagerApp } from '../../src/app.ts';
import { createApp } from '../../src/app.ts';
import type { ManagerConfig } from '../../src/config.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import type { ManagerServices, ServiceOverrides } from '../../src/services.ts';
import { createServices } from '../../src/services.ts';

export const TEST_ADMIN_TOKEN = 'test-manager-admin-token-0123456789';

/** A clock tests move by hand (sessions, throttling, leases). */
export class TestClock {
  constructor(public current: number = Date.UTC(2026, 0, 1)) {}
  readonly now = (): number => this.current;
  advance(ms: number): void {
    this.current += ms;
  }
}

export function testConfig(env: Record<string, string> = {}): ManagerConfig {
  return loadConfig({
    MANAGER_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    MANAGER_SQLITE_PATH: ':memory:',
    MANAGER_COOKIE_SECURE: 'false',
    LOG_LEVEL: 'debug',
    ...env,
  });
}

export type TestManager = {
  services: ManagerServices;
  app: ManagerApp;
  /** Every JSON log line written. */
  logs: string[];
  close(): Promise<void>;
};

/** A manager built in-process on an in-memory SQLite database, with captured logs. */
export async function testManager(
  options: { env?: Record<string, string>; overrides?: ServiceOverrides } = {},
): Promise<TestManager> {
  const logs: string[] = [];
  const config = testConfig(options.env);
  const services = await createServices(config, {
    logger: createLogger({
      level: config.logLevel,
      destination: { write: (line: string) => void logs.push(line) },
    }),
    collectProcessMetrics: false,
    ...options.overrides,
  });
  return { services, app: createApp(services), logs, close: () => services.close() };
}

export const bearer = { authorization: `Bearer ${TEST_ADMIN_TOKEN}` };

/** A response body as JSON, typed loosely for assertions. */
export async function readJson(res: Response): Promise<any> {
  return res.json();
}
