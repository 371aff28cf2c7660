import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { ManagerError } from './errors.ts';
import { auditMutations, requireAuth, sameOrigin } from './http/auth.ts';
import type { AppEnv } from './http/env.ts';
import { errorResponse, notFound, onError, validationError } from './http/errors.ts';
import { requestContext } from './http/request-context.ts';
import { registerAccessRoutes } from './routes/access-routes.ts';
import { registerAuditRoutes } from './routes/audit-routes.ts';
import { registerAuthRoutes } from './routes/auth-routes.ts';
import { registerBatchRunRoutes } from './routes/batch-run-routes.ts';
import { registerConsoleRoutes } from './routes/console-routes.ts';
import { registerDraftRoutes } from './routes/draft-routes.ts';
import { registerHostRoutes } from './routes/host-routes.ts';
import { registerImportRoutes } from './routes/import-routes.ts';
import { registerOpsRoutes } from './routes/ops-routes.ts';
import { registerPackRoutes } from './routes/pack-routes.ts';
import { registerReconcileRoutes } from './routes/reconcile-routes.ts';
import type { ManagerServices } from './services.ts';

/** Largest request body accepted on any route: the API takes small JSON documents only. */
export const BODY_LIMIT_BYTES = 1024 * 1024;

export type ManagerApp = OpenAPIHono<AppEnv>;

/**
 * Builds the manager's HTTP app from already-constructed services. It never listens (serve.ts does) and
 * owns the request id, logging, metrics, body limit, auth, audit and the one error envelope.
 */
export function createApp(services: ManagerServices): ManagerApp {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error, result.target);
    },
  });

  app.use('*', requestContext({ logger: services.logger, metrics: services.metrics }));
  app.use(
    '*',
    bodyLimit({
      maxSize: BODY_LIMIT_BYTES,
      onError: (c) =>
        errorResponse(
          c,
          new ManagerError('REQUEST_TOO_LARGE', `request body larger than ${BODY_LIMIT_BYTES} bytes`),
        ),
    }),
  );
  app.onError(onError);
  app.notFound(notFound);

  registerOpsRoutes(app, services);
  registerConsoleRoutes(app, services.consoleSite);

  app.use('/api/*', requireAuth(services.auth));
  app.use('/api/*', auditMutations(services.audit));
  app.use('/api/*', sameOrigin());

  registerAuthRoutes(app, {
    auth: services.auth,
    metrics: services.metrics,
    adminUsername: services.config.adminUsername,
  });
  registerAuditRoutes(app, services);
  registerHostRoutes(app, services);
  registerPackRoutes(app, services);
  registerImportRoutes(app, services);
  registerAccessRoutes(app, services);
  registerReconcileRoutes(app, services);
  registerDraftRoutes(app, services);
  registerBatchRunRoutes(app, services);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.openAPIRegistry.registerComponent('securitySchemes', 'session', {
    type: 'apiKey',
    in: 'cookie',
    name: 'relay_manager_session',
  });
  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Relay manager API',
      version: '1',
      description:
        'Control plane of the Relay gateway: hosts, packs, imports. Errors: {"error":{code,message,request_id,details?}}.',
    },
    security: [{ bearer: [] }, { session: [] }],
  });
  return app;
}
