import type { HttpBindings } from '@hono/node-server';
import type { Principal } from '../auth/auth-service.ts';
import type { Logger } from '../logger.ts';

/** What a route declares for its audit event; the audit middleware fills in actor, outcome and request id. */
export type AuditNote = {
  action: string;
  /** Overrides the caller's identity (a successful login is recorded as the session it opened). */
  actor?: string;
  targetType?: string;
  targetId?: string;
  details?: Record<string, unknown>;
};

/** Typed Hono context of the manager. */
export type AppEnv = {
  Bindings: Partial<HttpBindings>;
  Variables: {
    requestId: string;
    /** Child logger carrying request_id: every line logged for this request has it. */
    logger: Logger;
    clientIp: string;
    principal: Principal | undefined;
    audit: AuditNote | undefined;
  };
};
