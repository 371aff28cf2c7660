import type { Clock } from '../clock.ts';
import type { ImportBatchKind, ImportBatchStatus } from '../db/schema.ts';
import { newId } from '../ids.ts';
import type { Store } from '../store/store.ts';
import type { ApplyItem } from './applier.ts';
import type { ImportMetrics } from './import-metrics.ts';

export type BatchStart = {
  hostId: string;
  providerId: string | null;
  packId?: string | null | undefined;
  kind: ImportBatchKind;
  planId?: string | null | undefined;
  actor: string;
  requestId?: string | undefined;
};

/** Item counts by status, for summaries and logs. */
export function countItems(items: readonly ApplyItem[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[item.status] = (counts[item.status] ?? 0) + 1;
  return counts;
}

/** Opens and closes import batches: `running` first, so a crash mid-batch leaves a visible trace. */
export class BatchRecorder {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly metrics: ImportMetrics,
  ) {}

  start(input: BatchStart): string {
    const now = this.clock();
    const id = newId('bat', now);
    this.store.batches.insert({
      id,
      hostId: input.hostId,
      providerId: input.providerId,
      packId: input.packId ?? null,
      kind: input.kind,
      status: 'running',
      planId: input.planId ?? null,
      actor: input.actor,
      requestId: input.requestId ?? null,
      summary: {},
      createdAt: now,
    });
    return id;
  }

  finish(
    batchId: string,
    kind: ImportBatchKind,
    status: ImportBatchStatus,
    summary: Record<string, unknown>,
  ): number {
    const finishedAt = this.clock();
    this.store.batches.update(batchId, { status, summary, finishedAt });
    this.metrics.batches.inc({ kind, status });
    return finishedAt;
  }
}
