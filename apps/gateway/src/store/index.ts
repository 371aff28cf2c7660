/** The gateway's persistent state: schema, database factory and one repository per aggregate. */

export type { AccountGroupInsert, AccountGroupRow } from './account-group-repository.ts';
export type { AccountInsert, AccountRow } from './account-repository.ts';
export type { ApiKeyInsert, ApiKeyRow } from './api-key-repository.ts';
export type { AuditEventInsert, AuditEventRow } from './audit-event-repository.ts';
export type { ChannelGroupInsert, ChannelGroupRow } from './channel-group-repository.ts';
export type { ChannelInsert, ChannelRow } from './channel-repository.ts';
export {
  type Database,
  MIGRATIONS_FOLDER,
  type OpenDatabaseOptions,
  type OpenedDatabase,
  openDatabase,
} from './database.ts';
export type { GroupInsert, GroupRow } from './group-repository.ts';
export { ID_PREFIX, type IdPrefix, newId } from './ids.ts';
export { isUniqueViolation, PG_FOREIGN_KEY_VIOLATION, PG_UNIQUE_VIOLATION, pgErrorOf } from './pg-errors.ts';
export type { PriceInsert, PriceRow } from './price-repository.ts';
export type { LabelSelector, Page, PageRequest, UpdateOutcome } from './resource-table.ts';
export * as tables from './schema.ts';
export { createStore, type Store } from './store.ts';
export type { SubscriptionInsert, SubscriptionRow } from './subscription-repository.ts';
export type {
  UsageEventInsert,
  UsageEventRow,
  UsageGroupBy,
  UsageSummaryRow,
} from './usage-event-repository.ts';
export type { UserInsert, UserRow } from './user-repository.ts';
