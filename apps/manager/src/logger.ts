import type { DestinationStream, Logger } from 'pino';
import { pino } from 'pino';

export type { Logger } from 'pino';

/**
 * JSON logs. Code never logs a secret; redaction by path is the second line of defence for a header or
 * body dumped by mistake (host admin tokens, smoke keys, passwords, cookies).
 */
export function createLogger(options: { level: string; destination?: DestinationStream }): Logger {
  const secrets = [
    'authorization',
    'cookie',
    'password',
    'admin_token',
    'adminToken',
    'api_key',
    'apiKey',
    'token',
    'secret',
  ];
  return pino(
    {
      level: options.level,
      base: { app: 'manager' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: {
        paths: [
          ...secrets,
          ...secrets.map((key) => `*.${key}`),
          'headers["set-cookie"]',
          'req.headers.authorization',
          'req.headers.cookie',
        ],
        censor: '[redacted]',
      },
    },
    options.destination,
  );
}
