/** Milliseconds since the epoch; injected so tests can move time (sessions, throttling, leases). */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
