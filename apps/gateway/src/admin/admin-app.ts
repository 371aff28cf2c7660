import { OpenAPIHono } from '@hono/zod-openapi';
import { AdminError } from '../errors.ts';
import type { AppEnv } from '../http/env.ts';

const ADMIN_BASE_PATH = '/admin/v1';

/** The admin sub-app: its zod validation failures are 400 VALIDATION_FAILED in the admin envelope. */
export function createAdminApp() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (result.success) return;
      const details = result.error.issues.map((issue) => ({
        path: issue.path.map(String).join('.'),
        message: issue.message,
      }));
      const summary = details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ');
      throw new AdminError('VALIDATION_FAILED', `invalid request: ${summary}`, details);
    },
  }).basePath(ADMIN_BASE_PATH);
}
export type AdminApp = ReturnType<typeof createAdminApp>;
