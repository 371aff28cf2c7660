import { createAccountGroupRepository } from './account-group-repository.ts';
import { createAccountRepository } from './account-repository.ts';
import { createApiKeyRepository } from './api-key-repository.ts';
import { createAuditEventRepository } from './audit-event-repository.ts';
import { createChannelGroupRepository } from './channel-group-repository.ts';
import { createChannelRepository } from './channel-repository.ts';
import type { Database } from './database.ts';
import { createGroupRepository } from './group-repository.ts';
import { createIdempotencyRepository } from './idempotency-repository.ts';
import { createPriceRepository } from './price-repository.ts';
import { createSubscriptionRepository } from './subscription-repository.ts';
import { createUsageEventRepository } from './usage-event-repository.ts';
import { createUserRepository } from './user-repository.ts';

/** Every repository over one database handle (or one transaction). */
export interface Store {
  db: Database;
  users: ReturnType<typeof createUserRepository>;
  groups: ReturnType<typeof createGroupRepository>;
  accounts: ReturnType<typeof createAccountRepository>;
  accountGroups: ReturnType<typeof createAccountGroupRepository>;
  apiKeys: ReturnType<typeof createApiKeyRepository>;
  channels: ReturnType<typeof createChannelRepository>;
  channelGroups: ReturnType<typeof createChannelGroupRepository>;
  prices: ReturnType<typeof createPriceRepository>;
  subscriptions: ReturnType<typeof createSubscriptionRepository>;
  usageEvents: ReturnType<typeof createUsageEventRepository>;
  auditEvents: ReturnType<typeof createAuditEventRepository>;
  idempotency: ReturnType<typeof createIdempotencyRepository>;
  /**
   * Runs `work` in one transaction with a store bound to it. Inside, use only the given store:
   * PGlite has a single connection, so a query on the outer handle would wait for the transaction.
   */
  transaction<T>(work: (tx: Store) => Promise<T>): Promise<T>;
}

export function createStore(db: Database): Store {
  return {
    db,
    users: createUserRepository(db),
    groups: createGroupRepository(db),
    accounts: createAccountRepository(db),
    accountGroups: createAccountGroupRepository(db),
    apiKeys: createApiKeyRepository(db),
    channels: createChannelRepository(db),
    channelGroups: createChannelGroupRepository(db),
    prices: createPriceRepository(db),
    subscriptions: createSubscriptionRepository(db),
    usageEvents: createUsageEventRepository(db),
    auditEvents: createAuditEventRepository(db),
    idempotency: createIdempotencyRepository(db),
    transaction: (work) => db.transaction((tx) => work(createStore(tx as unknown as Database))),
  };
}
