import type { Logger } from '../logger.ts';

/** Typed context variables every handler can read. */
export type AppEnv = {
  Variables: {
    requestId: string;
    logger: Logger;
  };
};
