import { pgErrorOf } from '../store/pg-errors.ts';
import type { Store } from '../store/store.ts';
import type { UsageEventInsert } from '../store/usage-event-repository.ts';
import { chargeOf, toUsageEventInsert, type UsageRecord } from './usage-record.ts';

export interface RejectedUsageRecord {
  record: UsageRecord;
  error: unknown;
}

export interface UsageBatchResult {
  /** Newly inserted and charged. */
  written: UsageRecord[];
  /** Already recorded (earlier batch, redelivery, or twice in this batch): not charged again. */
  duplicates: UsageRecord[];
  /** Refused by the database as invalid data even alone in a transaction. */
  rejected: RejectedUsageRecord[];
}

export interface WriteUsageBatchOptions {
  /**
   * Rows per INSERT statement (default: the whole batch). An in-process database (PGlite) runs each
   * statement synchronously on the event loop: smaller statements, with the event loop let through
   * between them, bound how long one write can hold up requests.
   */
  rowsPerStatement?: number;
}

interface Entry {
  record: UsageRecord;
  row: UsageEventInsert;
}

/**
 * Writes a batch of usage records: ONE transaction inserts the events (`ON CONFLICT (request_id)
 * DO NOTHING`) and debits, for the newly inserted events only, the users' balances (balance mode),
 * the keys' quota_used and the subscriptions' windows (subscription mode) — one UPDATE per distinct
 * id, in id order so concurrent writers lock rows in the same order and cannot deadlock.
 *
 * Exactly once: the unique request_id decides which events are new, inside the transaction that
 * debits them, so rewriting a batch (a retry, a redelivered job) charges nothing twice.
 *
 * Failures: a transient error (connection lost, database down, serialization failure…) is thrown and
 * the caller retries the whole batch. An error the data itself causes (SQLSTATE class 22 or 23) is
 * isolated by bisecting the batch, so one bad record neither blocks nor loses the others; a record
 * still refused on its own is returned in `rejected`.
 */
export async function writeUsageBatch(
  store: Store,
  records: readonly UsageRecord[],
  options: WriteUsageBatchOptions = {},
): Promise<UsageBatchResult> {
  const result: UsageBatchResult = { written: [], duplicates: [], rejected: [] };
  const unique = new Map<string, Entry>();
  for (const record of records) {
    const row = toUsageEventInsert(record, chargeOf(record));
    if (unique.has(row.requestId)) result.duplicates.push(record);
    else unique.set(row.requestId, { record, row });
  }
  // Inserting in request_id order means two writers with overlapping batches take the unique-index
  // locks in the same order: one waits for the other instead of deadlocking.
  const entries = [...unique.values()].sort((a, b) => compare(a.row.requestId, b.row.requestId));
  await writeEntries(store, entries, result, options.rowsPerStatement ?? Number.POSITIVE_INFINITY);
  return result;
}

async function writeEntries(
  store: Store,
  entries: Entry[],
  result: UsageBatchResult,
  rowsPerStatement: number,
): Promise<void> {
  if (entries.length === 0) return;
  let inserted: Set<string>;
  try {
    inserted = await store.transaction((tx) => insertAndDebit(tx, entries, rowsPerStatement));
  } catch (error) {
    if (!isCausedByData(error)) throw error;
    if (entries.length === 1) {
      const only = entries[0];
      if (only) result.rejected.push({ record: only.record, error });
      return;
    }
    const middle = Math.ceil(entries.length / 2);
    await writeEntries(store, entries.slice(0, middle), result, rowsPerStatement);
    await writeEntries(store, entries.slice(middle), result, rowsPerStatement);
    return;
  }
  for (const entry of entries) {
    (inserted.has(entry.row.requestId) ? result.written : result.duplicates).push(entry.record);
  }
}

async function insertAndDebit(tx: Store, entries: Entry[], rowsPerStatement: number): Promise<Set<string>> {
  const inserted = new Set<string>();
  for (let start = 0; start < entries.length; start += rowsPerStatement) {
    if (start > 0) await yieldToEventLoop();
    const chunk = entries.slice(start, start + rowsPerStatement);
    const rows = await tx.usageEvents.insertNew(chunk.map((e) => e.row));
    for (const row of rows) inserted.add(row.requestId);
  }

  const balances = new Map<string, bigint>();
  const quotas = new Map<string, bigint>();
  const windows = new Map<string, bigint>();
  for (const { record, row } of entries) {
    const charged = row.chargedMicros ?? 0n;
    if (!inserted.has(row.requestId) || charged === 0n) continue;
    add(quotas, row.apiKeyId, charged);
    if (record.billingMode === 'balance') add(balances, row.userId, charged);
    else if (record.subscriptionId !== null) add(windows, record.subscriptionId, charged);
  }
  for (const [userId, micros] of sorted(balances)) await tx.users.adjustBalance(userId, -micros);
  for (const [apiKeyId, micros] of sorted(quotas)) await tx.apiKeys.addQuotaUsed(apiKeyId, micros);
  for (const [subscriptionId, micros] of sorted(windows))
    await tx.subscriptions.addUsage(subscriptionId, micros);
  return inserted;
}

/** Lets pending I/O (requests) run between two synchronous statements of an in-process database. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function add(totals: Map<string, bigint>, id: string, micros: bigint): void {
  totals.set(id, (totals.get(id) ?? 0n) + micros);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function sorted(totals: Map<string, bigint>): [string, bigint][] {
  return [...totals].sort(([a], [b]) => compare(a, b));
}

/** SQLSTATE class 22 (data exception) or 23 (integrity constraint): retrying the same rows cannot help. */
export function isCausedByData(error: unknown): boolean {
  const code = pgErrorOf(error)?.code;
  return code !== undefined && (code.startsWith('22') || code.startsWith('23'));
}
