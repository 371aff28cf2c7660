import { openDatabase } from '../../src/db/database.ts';
import { newId } from '../../src/ids.ts';
import type { Store } from '../../src/store/store.ts';
import { createStore } from '../../src/store/store.ts';

/** A fresh in-memory store with one host and a helper to open batches on it. */
export function memoryStore(): { store: Store; hostId: string; batch(): string; close(): void } {
  const database = openDatabase(':memory:');
  const store = createStore(database);
  const now = Date.now();
  const hostId = newId('hst', now);
  store.hosts.insert({
    id: hostId,
    name: 'memory-host',
    baseUrl: 'http://127.0.0.1:9',
    tokenCiphertext: 'v1.x.y.z',
    tokenFingerprint: 'sha256:000000000000',
    labels: {},
    status: 'active',
    createdAt: now,
    updatedAt: now,
  });
  return {
    store,
    hostId,
    batch: () => {
      const id = newId('bat');
      store.batches.insert({
        id,
        hostId,
        providerId: 'deepseek',
        kind: 'import',
        status: 'running',
        actor: 'test',
        summary: {},
        createdAt: Date.now(),
      });
      return id;
    },
    close: () => database.close(),
  };
}
