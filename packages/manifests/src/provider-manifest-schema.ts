import { z } from 'zod';
import { idSchema } from './ids.ts';
import { must } from './zod-messages.ts';

const text = () => z.string(must('a string')).min(1, 'must not be empty');
const httpUrl = () => z.url({ protocol: /^https?$/, ...must('an http(s) URL') });
const token = () => z.string(must('a string')).regex(/^\S+$/, 'must be non-empty and contain no whitespace');
const usdPerMillionTokens = () =>
  z.number(must('a number (USD per 1M tokens)')).min(0, 'must be a non-negative number (USD per 1M tokens)');
const count = (minimum: number) =>
  z.number(must('an integer')).int('must be an integer').min(minimum, `must be >= ${minimum}`);
const object = <Shape extends z.core.$ZodLooseShape>(shape: Shape) =>
  z.strictObject(shape, must('an object'));

export const modelPriceSchema = object({
  input: usdPerMillionTokens(),
  output: usdPerMillionTokens(),
  cache_read: usdPerMillionTokens().optional(),
  cache_write: usdPerMillionTokens().optional(),
});

export const providerModelSchema = object({
  /** The model name tenants ask for. */
  id: token(),
  /** The name sent upstream when it differs from `id` (e.g. a pinned snapshot). */
  upstream_id: token().optional(),
  display_name: text().optional(),
  context_window: count(1).optional(),
  price: modelPriceSchema,
});

/** Where a provider speaks one wire protocol natively; omitted fields default to the manifest's own. */
export const protocolEndpointSchema = object({
  base_url: httpUrl().optional(),
  auth_style: z.enum(['bearer', 'x-api-key'], must('"bearer" or "x-api-key"')).optional(),
});

/**
 * The wire protocols a provider speaks natively (`chat`, `responses`, `messages`); absent = its platform's
 * own (openai → chat and responses, anthropic → messages). Requests in other protocols are translated.
 */
export const providerProtocolsSchema = z.partialRecord(
  z.enum(['chat', 'responses', 'messages'], must('"chat", "responses" or "messages"')),
  protocolEndpointSchema,
  must('an object'),
);

/** `packs/<pack_id>/providers/<provider_id>.json`. */
export const providerManifestSchema = z
  .strictObject(
    {
      id: idSchema,
      name: text(),
      platform: z.enum(['openai', 'anthropic'], must('"openai" or "anthropic"')),
      base_url: httpUrl(),
      auth_style: z.enum(['bearer', 'x-api-key'], must('"bearer" or "x-api-key"')),
      protocols: providerProtocolsSchema.optional(),
      docs_url: httpUrl(),
      /** Where the prices were read, and on which day. */
      pricing_source: httpUrl(),
      pricing_as_of: z.iso.date(must('a date written YYYY-MM-DD')),
      models: z.array(providerModelSchema, must('an array')).min(1, 'must list at least one model'),
      defaults: object({
        group: object({
          name: text(),
          rate_multiplier: z.number(must('a number')).positive('must be > 0'),
          rpm_limit: count(0).optional(),
        }),
        account: object({
          concurrency: count(1),
          priority: count(0),
        }),
      }),
      /** A cheap request smoke tests send through an imported account. */
      probe: object({
        model: text(),
        prompt: text(),
        expect: text(),
      }),
    },
    must('a JSON object'),
  )
  .superRefine(
    (value, ctx) => {
      // Runs even when other fields are invalid (see `when`), so the value may be malformed here.
      const manifest: { models?: unknown; probe?: unknown } | null =
        typeof value === 'object' && value !== null ? value : null;
      if (!manifest) return;
      const models: unknown[] = Array.isArray(manifest.models) ? manifest.models : [];
      const ids = models.map((model) => (model as { id?: unknown } | null)?.id);
      const firstIndex = new Map<string, number>();
      ids.forEach((id, index) => {
        if (typeof id !== 'string') return;
        const first = firstIndex.get(id);
        if (first === undefined) {
          firstIndex.set(id, index);
          return;
        }
        ctx.addIssue({
          code: 'custom',
          path: ['models', index, 'id'],
          message: `duplicate model id "${id}" (already models.${first}.id)`,
          params: { code: 'DUPLICATE_MODEL_ID' },
        });
      });
      const probeModel = (manifest.probe as { model?: unknown } | undefined)?.model;
      // Only meaningful once every model has a readable id.
      const idsReadable = ids.length > 0 && ids.every((id) => typeof id === 'string');
      if (typeof probeModel === 'string' && idsReadable && !firstIndex.has(probeModel)) {
        ctx.addIssue({
          code: 'custom',
          path: ['probe', 'model'],
          message: `"${probeModel}" is not one of the provider's models`,
          params: { code: 'PROBE_MODEL_UNKNOWN' },
        });
      }
    },
    { when: () => true },
  );

export type ProviderManifest = z.output<typeof providerManifestSchema>;
export type ProviderModel = z.output<typeof providerModelSchema>;
export type ModelPrice = z.output<typeof modelPriceSchema>;
export type ProviderProtocols = z.output<typeof providerProtocolsSchema>;
