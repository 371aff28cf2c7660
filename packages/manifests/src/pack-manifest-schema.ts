import { z } from 'zod';
import { idSchema } from './ids.ts';
import { isSemver } from './semver.ts';
import { must } from './zod-messages.ts';

/** `packs/<pack_id>/pack.json`. */
export const packManifestSchema = z.strictObject(
  {
    id: idSchema,
    name: z.string(must('a string')).min(1, 'must not be empty'),
    version: z.string(must('a string')).refine(isSemver, 'must be a semantic version such as 1.2.3'),
    description: z.string(must('a string')),
    maintainers: z.array(z.string(must('a string')).min(1, 'must not be empty'), must('an array')).optional(),
  },
  must('a JSON object'),
);

export type PackManifest = z.output<typeof packManifestSchema>;
