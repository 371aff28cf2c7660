import type { Redis } from 'ioredis';
import {
  type AccountHealth,
  type AccountHealthOptions,
  type AccountState,
  cooldownFor,
  deriveAccountState,
  type FailureKind,
  type HealthRecord,
  resolveHealthOptions,
  validateAccountId,
  validateFailure,
} from './account-health.ts';
import { type Clock, systemClock } from './clock.ts';
import { guarded, LUA_FMT, RedisScript } from './redis-script.ts';

/*
 * One hash per account: m (mode '' | 'c' cooldown | 'o' open), u (until), r (reason), f (consecutive
 * failures), t (trial lease deadline). Same rules as MemoryAccountHealth, in the same order.
 */
const FIELDS = `local function load_record(key)
  local s = redis.call('HMGET', key, 'm', 'u', 'r', 'f', 't')
  return s[1] or '', tonumber(s[2] or '0'), s[3] or '', tonumber(s[4] or '0'), tonumber(s[5] or '0'), s[1] ~= false
end
`;

/** ARGV = now, kind, cooldownMs, failuresToOpen, openMs, retentionMs. Reply: m, u, r, f, t. */
const RECORD_FAILURE = new RedisScript(
  'health recordFailure',
  `${LUA_FMT}${FIELDS}
local now, kind = tonumber(ARGV[1]), ARGV[2]
local cooldown, threshold, open_ms, retention = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local m, u, r, f, t = load_record(KEYS[1])
if kind == 'rate_limited' then
  local until_at = now + cooldown
  f = 0
  if not (m == 'o' and u > until_at) then m, u, r, t = 'c', until_at, kind, 0 end
else
  f = f + 1
  if m == 'o' then
    if u <= now then u, r, t = now + open_ms, kind, 0 end
  elseif f >= threshold then
    local open_until = now + open_ms
    if m == 'c' and u > open_until then open_until = u end
    m, u, r, t = 'o', open_until, kind, 0
  end
end
redis.call('HSET', KEYS[1], 'm', m, 'u', fmt(u), 'r', r, 'f', fmt(f), 't', fmt(t))
local last = math.max(u, t, now)
redis.call('PEXPIRE', KEYS[1], last - now + retention)
return {m, fmt(u), r, fmt(f), fmt(t)}
`,
);

/** ARGV = now. */
const RECORD_SUCCESS = new RedisScript(
  'health recordSuccess',
  `${FIELDS}
local m, u, r, f, t, exists = load_record(KEYS[1])
if not exists then return 0 end
local now = tonumber(ARGV[1])
if m == 'o' then
  if u <= now then redis.call('DEL', KEYS[1]) end
elseif m == 'c' and u > now then
  redis.call('HSET', KEYS[1], 'f', '0')
else
  redis.call('DEL', KEYS[1])
end
return 1
`,
);

/** ARGV = now, trialTtlMs, retentionMs. Reply 1 = go ahead. */
const TRY_TRIAL = new RedisScript(
  'health tryAcquireTrial',
  `${LUA_FMT}${FIELDS}
local m, u, r, f, t, exists = load_record(KEYS[1])
local now = tonumber(ARGV[1])
if not exists then return 1 end
if m == 'c' then if u <= now then return 1 end return 0 end
if m ~= 'o' then return 1 end
if u > now or t > now then return 0 end
local trial_until = now + tonumber(ARGV[2])
redis.call('HSET', KEYS[1], 't', fmt(trial_until))
local ttl = trial_until - now + tonumber(ARGV[3])
if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
return 1
`,
);

/** KEYS = accounts. Reply: one {m, u, r, f, t} per key (all nil when absent). */
const STATE = new RedisScript(
  'health state',
  `local reply = {}
for i = 1, #KEYS do reply[i] = redis.call('HMGET', KEYS[i], 'm', 'u', 'r', 'f', 't') end
return reply
`,
);

type RawRecord = (string | null)[];

function parseRecord(raw: RawRecord | undefined): HealthRecord | undefined {
  if (raw === undefined || raw[0] === null || raw[0] === undefined) return undefined;
  const mode = raw[0] === 'c' || raw[0] === 'o' ? raw[0] : '';
  return {
    mode,
    until: Number(raw[1] ?? 0),
    reason: raw[2] ?? '',
    failures: Number(raw[3] ?? 0),
    trialUntil: Number(raw[4] ?? 0),
  };
}

export type RedisAccountHealthOptions = {
  client: Redis;
  prefix: string;
  clock?: Clock;
  options?: Partial<AccountHealthOptions>;
};

/**
 * Cooldown/circuit state shared by every gateway process. All accounts' keys carry one hash tag,
 * `{ah}`, so the batch `state` read stays a single script even on Redis Cluster (the data is tiny).
 */
export class RedisAccountHealth implements AccountHealth {
  private readonly client: Redis;
  private readonly prefix: string;
  private readonly clock: Clock;
  private readonly options: AccountHealthOptions;

  constructor(options: RedisAccountHealthOptions) {
    this.client = options.client;
    this.prefix = `${options.prefix}{ah}:`;
    this.clock = options.clock ?? systemClock;
    this.options = resolveHealthOptions(options.options);
  }

  async recordSuccess(accountId: string): Promise<void> {
    validateAccountId(accountId);
    await RECORD_SUCCESS.run(this.client, [this.prefix + accountId], [this.clock.now()]);
  }

  async recordFailure(
    accountId: string,
    failure: { kind: FailureKind; retryAfterMs?: number },
  ): Promise<AccountState> {
    validateAccountId(accountId);
    validateFailure(failure);
    const now = this.clock.now();
    const { failuresToOpen, openMs, retentionMs } = this.options;
    const reply = (await RECORD_FAILURE.run(
      this.client,
      [this.prefix + accountId],
      [
        now,
        failure.kind,
        cooldownFor(failure.retryAfterMs, this.options),
        failuresToOpen,
        openMs,
        retentionMs,
      ],
    )) as RawRecord;
    return deriveAccountState(parseRecord(reply), now);
  }

  async tryAcquireTrial(accountId: string): Promise<boolean> {
    validateAccountId(accountId);
    const reply = await TRY_TRIAL.run(
      this.client,
      [this.prefix + accountId],
      [this.clock.now(), this.options.trialTtlMs, this.options.retentionMs],
    );
    return reply === 1;
  }

  async state(accountIds: readonly string[]): Promise<Map<string, AccountState>> {
    for (const id of accountIds) validateAccountId(id);
    const states = new Map<string, AccountState>();
    if (accountIds.length === 0) return states;
    const now = this.clock.now();
    const reply = (await STATE.run(
      this.client,
      accountIds.map((id) => this.prefix + id),
      [],
    )) as RawRecord[];
    for (let i = 0; i < accountIds.length; i++) {
      states.set(accountIds[i] as string, deriveAccountState(parseRecord(reply[i]), now));
    }
    return states;
  }

  async clear(accountId: string): Promise<void> {
    validateAccountId(accountId);
    await guarded('health clear', this.client.del(this.prefix + accountId));
  }
}
