/**
 * Where every runtime decision gets "now" (epoch milliseconds). Redis scripts receive this time as
 * an argument instead of calling TIME, so the memory and Redis implementations make the same
 * decision for the same inputs and tests can move time deterministically. Production uses the
 * system clock; gateway hosts are expected to run NTP (a few ms of skew only moves window edges).
 */
export type Clock = { now(): number };

export const systemClock: Clock = { now: () => Date.now() };
