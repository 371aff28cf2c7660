import { and, desc, eq, inArray, notInArray } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { ProbeResultRow } from '../db/schema.ts';
import { probeResults } from '../db/schema.ts';

export type NewProbeResult = typeof probeResults.$inferInsert;

/** How many results of each kind are kept per host; older ones are pruned on insert. */
const PROBE_HISTORY_PER_HOST = 50;

/** Stored probe and smoke reports. */
export class ProbeResultRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewProbeResult): void {
    this.db.transaction((tx) => {
      tx.insert(probeResults).values(row).run();
      const keep = tx
        .select({ id: probeResults.id })
        .from(probeResults)
        .where(and(eq(probeResults.hostId, row.hostId), eq(probeResults.kind, row.kind)))
        .orderBy(desc(probeResults.checkedAt), desc(probeResults.id))
        .limit(PROBE_HISTORY_PER_HOST)
        .all()
        .map((r) => r.id);
      tx.delete(probeResults)
        .where(
          and(
            eq(probeResults.hostId, row.hostId),
            eq(probeResults.kind, row.kind),
            notInArray(probeResults.id, keep),
          ),
        )
        .run();
    });
  }

  latest(hostId: string, kind: 'probe' | 'smoke'): ProbeResultRow | undefined {
    return this.db
      .select()
      .from(probeResults)
      .where(and(eq(probeResults.hostId, hostId), eq(probeResults.kind, kind)))
      .orderBy(desc(probeResults.checkedAt), desc(probeResults.id))
      .limit(1)
      .get();
  }

  latestForHosts(hostIds: string[], kind: 'probe' | 'smoke'): Map<string, ProbeResultRow> {
    const found = new Map<string, ProbeResultRow>();
    if (hostIds.length === 0) return found;
    const rows = this.db
      .select()
      .from(probeResults)
      .where(and(inArray(probeResults.hostId, hostIds), eq(probeResults.kind, kind)))
      .orderBy(desc(probeResults.checkedAt), desc(probeResults.id))
      .all();
    for (const row of rows) if (!found.has(row.hostId)) found.set(row.hostId, row);
    return found;
  }
}
