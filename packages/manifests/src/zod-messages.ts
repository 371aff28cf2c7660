import type { z } from 'zod';

/**
 * A zod error message that says "is required" for a missing field and "must be <what>" otherwise,
 * instead of zod's generic "Invalid input: expected string, received undefined".
 */
export function must(what: string): { error: (issue: z.core.$ZodRawIssue) => string } {
  return { error: (issue) => (issue.input === undefined ? 'is required' : `must be ${what}`) };
}
