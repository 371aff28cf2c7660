export type {
  AccountHealth,
  AccountHealthOptions,
  AccountState,
  AccountStatus,
  FailureKind,
} from './account-health.ts';
export { DEFAULT_ACCOUNT_HEALTH_OPTIONS } from './account-health.ts';
export type {
  Admission,
  AdmissionDecision,
  AdmissionRequest,
  AdmissionSlot,
  BudgetRequest,
  Settlement,
} from './admission.ts';
export { BUDGET_IDLE_MS, SEED_MAX_AGE_MS } from './admission.ts';
export type { CacheBus, CacheEvent, CacheEventHandler } from './cache-bus.ts';
export { CACHE_RESYNC_KIND } from './cache-bus.ts';
export { CachedAccountHealth, HEALTHY_FRESH_MS } from './cached-account-health.ts';
export type { Clock } from './clock.ts';
export { systemClock } from './clock.ts';
export type {
  ConcurrencySlots,
  SlotAcquisition,
  SlotBatchAcquisition,
  SlotRelease,
  SlotRequest,
} from './concurrency-slots.ts';
export type { Runtime, RuntimeOptions } from './create-runtime.ts';
export { createRuntime } from './create-runtime.ts';
export { isRuntimeUnavailableError, RuntimeUnavailableError } from './errors.ts';
export { LeaseKeeper, type LeaseKeeperOptions } from './lease-keeper.ts';
export { MemoryAccountHealth } from './memory-account-health.ts';
export { MemoryAdmission } from './memory-admission.ts';
export { MemoryCacheBus } from './memory-cache-bus.ts';
export { MemoryConcurrencySlots } from './memory-concurrency-slots.ts';
export { MemoryRateLimiter } from './memory-rate-limiter.ts';
export { MemoryStickySessions } from './memory-sticky-sessions.ts';
export type {
  RateLimitAdjustment,
  RateLimitBatchDecision,
  RateLimitDecision,
  RateLimiter,
  RateLimitRequest,
} from './rate-limiter.ts';
export { UNLIMITED_DECISION } from './rate-limiter.ts';
export { RedisAccountHealth, type RedisAccountHealthOptions } from './redis-account-health.ts';
export { RedisAdmission, type RedisAdmissionOptions } from './redis-admission.ts';
export { RedisCacheBus, type RedisCacheBusOptions } from './redis-cache-bus.ts';
export {
  createRedisClient,
  type RedisClientOptions,
  type RedisRole,
  redisOptionsFor,
} from './redis-client.ts';
export { RedisConcurrencySlots, type RedisConcurrencySlotsOptions } from './redis-concurrency-slots.ts';
export { RedisRateLimiter, type RedisRateLimiterOptions } from './redis-rate-limiter.ts';
export { RedisStickySessions, type RedisStickySessionsOptions } from './redis-sticky-sessions.ts';
export { DEFAULT_STICKY_TTL_MS, type StickySessions } from './sticky-sessions.ts';
