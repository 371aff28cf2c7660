/**
 * What each gateway setting means, for the generated configuration reference (docs/configuration.md,
 * `npm run docs`). Names, defaults and which are required come from `envSchema` in config.ts itself.
 */
export const GATEWAY_CONFIG_DOCS: Record<string, { description: string; default?: string }> = {
  NODE_ENV: {
    description:
      '`production` refuses to start without DATABASE_URL, REDIS_URL and GATEWAY_SECRET_KEY (it never falls back to embedded state or a generated key).',
  },
  GATEWAY_PORT: {
    description:
      'Port of the tenant API (`/v1/*`), the ops endpoints and, unless GATEWAY_ADMIN_LISTEN is set, the admin API.',
  },
  GATEWAY_HOST: { description: 'Address to listen on.' },
  GATEWAY_ADMIN_LISTEN: {
    description:
      '`host:port` of a separate listener for `/admin/v1` (e.g. `127.0.0.1:8081`), so the admin API is never on the public port.',
  },
  GATEWAY_ADMIN_TOKEN: {
    description:
      'Bearer token of the admin API (at least 16 characters). The manager registers a host with it.',
  },
  GATEWAY_SECRET_KEY: {
    description:
      'Key that encrypts upstream credentials at rest (at least 16 characters). Unset outside production: a key file is generated in GATEWAY_DATA_DIR. Back it up: without it stored credentials cannot be decrypted.',
  },
  GATEWAY_DATA_DIR: {
    description: 'Embedded mode: the PGlite database and the generated secret key live here.',
  },
  DATABASE_URL: {
    description:
      'Postgres (`postgres://…`). Unset: embedded PGlite in GATEWAY_DATA_DIR. Migrations run at start.',
  },
  REDIS_URL: {
    description:
      'Redis (`redis://…` or `rediss://…`) for limits, concurrency slots, sticky sessions, account health, cache invalidation and the durable usage queue. Unset: in-process state (one instance only).',
  },
  GATEWAY_MAX_ATTEMPTS: {
    description: 'Upstream accounts tried per request before answering with the last failure.',
  },
  GATEWAY_UPSTREAM_TIMEOUT_MS: { description: 'Time allowed for an upstream to send its response headers.' },
  GATEWAY_BODY_LIMIT_BYTES: { description: 'Largest tenant request body; larger ones get 413.' },
  GATEWAY_USAGE_WORKER: {
    description:
      'With Redis: `inline` writes the usage queue to the database from this process; `off` leaves it to separate usage workers (`apps/gateway/src/usage-worker-main.ts`).',
  },
  GATEWAY_HEAP_GROWTH_PERCENT: {
    default: '50 embedded, 0 with DATABASE_URL',
    description:
      'How far the JavaScript heap may grow past the live data of its last full collection before the next one (limit = live × (1 + this/100)); 0 keeps V8’s own factor (up to 4×). Bounds the embedded gateway’s peak memory under load (ADR 0025); 0–300.',
  },
  GATEWAY_REDIS_PREFIX: {
    description:
      'Namespace of every Redis key this deployment writes (runtime state and usage queue), so several deployments can share one Redis. Unset: `relay:` and `{relay}`.',
  },
  GATEWAY_LEASE_TTL_MS: {
    description:
      'Admission leases (limits, slots, budget reservations) expire this long after the last renewal; a crashed replica frees its leases within it.',
  },
  GATEWAY_LIMITER_UNAVAILABLE: {
    description:
      'When Redis does not answer: `closed` refuses with 503 LIMITER_UNAVAILABLE; `open` serves without limits or reservations.',
  },
  GATEWAY_RESERVE_MAX_TOKENS: {
    description:
      'Completion tokens assumed when reserving a request’s worst-case cost (its own max_tokens, capped at this).',
  },
  GATEWAY_BODY_GRACE_MS: {
    description:
      'A request body may take this long before GATEWAY_BODY_MIN_BYTES_PER_SECOND applies; slower bodies get 408.',
  },
  GATEWAY_BODY_MIN_BYTES_PER_SECOND: {
    description: 'Slowest request body accepted after the grace time (protects against slow senders).',
  },
  GATEWAY_ADMIN_AUTH_FAILURE_LIMIT: {
    description:
      'Wrong admin tokens per client address per 15 min before 429 ADMIN_AUTH_THROTTLED (0 = off).',
  },
  GATEWAY_KEY_AUTH_FAILURE_LIMIT: {
    description: 'Unknown API keys per client address per minute before 429 AUTH_THROTTLED (0 = off).',
  },
  GATEWAY_DRAIN_TIMEOUT_MS: {
    description:
      'On SIGTERM, how long requests and streams in flight may take to finish before they are cut.',
  },
  LOG_LEVEL: { description: 'pino log level; logs are JSON lines on stdout.' },
};
