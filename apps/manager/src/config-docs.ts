/**
 * What each manager setting means, for the generated configuration reference (docs/configuration.md,
 * `npm run docs`). Names, defaults, aliases and which are required come from config.ts itself.
 */
export const MANAGER_CONFIG_DOCS: Record<string, { description: string; default?: string }> = {
  NODE_ENV: {
    description:
      '`production` requires MANAGER_SECRET_KEY, fails /readyz without a valid pack, and has no default pack repository.',
  },
  MANAGER_ADMIN_TOKEN: {
    description:
      'Bearer token of the manager API (at least 16 characters); also the login password unless MANAGER_ADMIN_PASSWORD is set.',
  },
  MANAGER_LISTEN_ADDR: {
    description: '`host:port` to listen on (`:18190` means all interfaces).',
    default: '127.0.0.1:18190',
  },
  MANAGER_SQLITE_PATH: {
    description:
      'The SQLite file (or a `file:` DSN, or `:memory:`). Back it up with the method in docs/operations.md.',
  },
  MANAGER_REPO_ROOT: {
    description:
      'Directory holding `packs/`. Empty or without `packs/`: the built-in packs are copied in at start. Unset outside production: the repository’s own packs.',
  },
  MANAGER_ADMIN_USERNAME: { description: 'Login name of the operator console.' },
  MANAGER_ADMIN_PASSWORD: { description: 'Login password of the operator console; unset: the admin token.' },
  MANAGER_ADMIN_SESSION_TTL: {
    description: 'Console session lifetime (`90s`, `30m`, `12h`, `7d`).',
    default: '12h',
  },
  MANAGER_COOKIE_SECURE: {
    description: 'Session cookie only over HTTPS; set `false` for plain-HTTP local use.',
  },
  MANAGER_GIT_AUTHOR: { description: 'Author of pack repository commits, `name <email>`.' },
  MANAGER_SECRET_KEY: {
    description:
      'Key that encrypts the gateway admin tokens the manager stores (at least 16 characters). Unset outside production: derived from the admin token. Back it up.',
  },
  REDIS_URL: {
    description: 'Redis for the batch-run queue and readiness; unset: the queue lives in SQLite.',
  },
  MANAGER_PROBE_INTERVAL: { description: 'How often every host is probed.', default: '60s' },
  MANAGER_RECONCILE_INTERVAL: {
    description: 'How often hosts with recorded resources are reconciled in report mode (drift).',
    default: '5m',
  },
  MANAGER_BATCH_CONCURRENCY: { description: 'Items of a batch-import run processed at once.' },
  MANAGER_QUEUE_PREFIX: {
    description:
      'Redis key prefix of the batch-run item queue (BullMQ); managers sharing one Redis need distinct prefixes.',
  },
  MANAGER_CONSOLE_DIR: {
    description: 'The built operator console served at `/console/`; unset: `apps/console/dist`.',
  },
  LOG_LEVEL: { description: 'pino log level; logs are JSON lines on stdout.' },
};
