import type { Logger } from '../logger.ts';

/** Typed context variables every handler can read. */
export type AppEnv = {
  Variables: {
    requestId: string;
    logger: Logger;
    /** Set by routes that write the response to the socket themselves (the relay), for logs and metrics. */
    sentStatus?: number;
  };
};
