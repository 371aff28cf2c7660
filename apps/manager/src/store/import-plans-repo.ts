import { eq, lt } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { ImportPlanRow } from '../db/schema.ts';
import { importPlans } from '../db/schema.ts';

export type NewImportPlan = typeof importPlans.$inferInsert;

/** Stored previews: a plan is applied by id until it expires or the host changes under it. */
export class ImportPlanRepository {
  constructor(private readonly db: Db) {}

  insert(row: NewImportPlan): void {
    this.db.insert(importPlans).values(row).run();
  }

  get(id: string): ImportPlanRow | undefined {
    return this.db.select().from(importPlans).where(eq(importPlans.id, id)).get();
  }

  /** Drops plans that expired before `before` and that no batch refers to any more. */
  pruneExpired(before: number): number {
    return this.db.delete(importPlans).where(lt(importPlans.expiresAt, before)).run().changes;
  }
}
