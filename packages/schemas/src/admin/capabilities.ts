import { z } from 'zod';

/** The admin API version this package describes. */
export const ADMIN_API_VERSION = 'v1';

/**
 * Feature flags a gateway may announce in `capabilities.features`; the manager checks them
 * before using an optional part of the API. Unknown flags are allowed (newer gateways).
 */
export const ADMIN_FEATURES = [
  'labels',
  'idempotency',
  'if-match',
  'cascade-delete',
  'channels',
  'prices',
  'api-key-rotate',
  'account-test',
  'access-report',
  'usage',
  'audit',
  'anthropic-messages',
  'openai-responses',
] as const;
export type AdminFeature = (typeof ADMIN_FEATURES)[number];

/** `GET /admin/v1/capabilities`: side-effect free, read by the manager's probe. */
export const capabilitiesSchema = z.object({
  /** Gateway build version. */
  version: z.string(),
  api_version: z.string(),
  /** Upstream platforms this gateway can relay (strings so newer platforms don't break old clients). */
  platforms: z.array(z.string()),
  features: z.array(z.string()),
});
export type Capabilities = z.infer<typeof capabilitiesSchema>;
