import type { DestinationStream, Logger } from 'pino';
import { pino } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs. Secrets are redacted by path as a second line of defence: code never logs a credential,
 * but a header or body dumped by mistake must still not leak one.
 */
export function createLogger(options: {
  level: string;
  destination?: DestinationStream;
  base?: Record<string, unknown>;
}): Logger {
  return pino(
    {
      level: options.level,
      base: { app: 'gateway', ...options.base },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          'authorization',
          'credential',
          'secret',
          'api_key',
          'admin_token',
          '*.authorization',
          '*.credential',
          '*.secret',
          '*.api_key',
          'headers.authorization',
          'headers["x-api-key"]',
          'req.headers.authorization',
          'req.headers["x-api-key"]',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}
