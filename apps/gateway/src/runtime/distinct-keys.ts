/** A batch touching the same key twice would be judged against stale state: refuse it up front. */
export function assertDistinctKeys(items: readonly { key: string }[], what: string): void {
  for (let i = 1; i < items.length; i++) {
    const key = (items[i] as { key: string }).key;
    for (let j = 0; j < i; j++) {
      if ((items[j] as { key: string }).key === key)
        throw new RangeError(`${what}: key ${key} appears twice in one batch`);
    }
  }
}
