/**
 * Delay before retry number `attempt` (0-based): exponential with "equal jitter", so
 * concurrent clients spread out while each still waits at least half the nominal delay.
 */
export function backoffDelayMs(attempt: number, baseMs: number, maxMs = 5_000, random = Math.random): number {
  const nominal = Math.min(maxMs, baseMs * 2 ** attempt);
  return Math.round(nominal / 2 + random() * (nominal / 2));
}

export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
