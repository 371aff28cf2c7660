import { z } from 'zod';

/**
 * Stable error codes of every API surface, with the HTTP status each one maps to.
 * Codes never change meaning once published: clients and the manager branch on them.
 */

/** Public (tenant) API codes, docs/architecture.md#the-relay. */
export const PUBLIC_ERROR_STATUS = {
  API_KEY_REQUIRED: 401,
  INVALID_API_KEY: 401,
  API_KEY_DISABLED: 401,
  API_KEY_REVOKED: 401,
  API_KEY_EXPIRED: 401,
  IP_NOT_ALLOWED: 403,
  MODEL_NOT_FOUND: 404,
  QUOTA_EXCEEDED: 403,
  INSUFFICIENT_BALANCE: 403,
  USAGE_LIMIT_EXCEEDED: 403,
  RATE_LIMITED: 429,
  CONCURRENCY_LIMITED: 429,
  NO_AVAILABLE_ACCOUNTS: 503,
  UPSTREAM_ERROR: 502,
  UPSTREAM_TIMEOUT: 504,
  INVALID_REQUEST: 400,
  REQUEST_TOO_LARGE: 413,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  LIMITER_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
  REQUEST_TIMEOUT: 408,
  AUTH_THROTTLED: 429,
  SERVICE_UNAVAILABLE: 503,
} as const satisfies Record<string, number>;
export type PublicErrorCode = keyof typeof PUBLIC_ERROR_STATUS;
export const PUBLIC_ERROR_CODES = Object.keys(PUBLIC_ERROR_STATUS) as PublicErrorCode[];

/** Gateway admin API codes (/admin/v1), docs/api.md. */
export const ADMIN_ERROR_STATUS = {
  ADMIN_AUTH_REQUIRED: 401,
  INVALID_ADMIN_TOKEN: 401,
  VALIDATION_FAILED: 400,
  INVALID_REQUEST: 400,
  REQUEST_TOO_LARGE: 413,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  ALREADY_EXISTS: 409,
  HAS_BINDINGS: 409,
  IDEMPOTENCY_CONFLICT: 409,
  IDEMPOTENCY_IN_PROGRESS: 409,
  VERSION_MISMATCH: 412,
  UPSTREAM_ERROR: 502,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
  ADMIN_AUTH_THROTTLED: 429,
} as const satisfies Record<string, number>;
export type AdminErrorCode = keyof typeof ADMIN_ERROR_STATUS;
export const ADMIN_ERROR_CODES = Object.keys(ADMIN_ERROR_STATUS) as AdminErrorCode[];

/** Manager API codes (/api), docs/architecture.md. */
export const MANAGER_ERROR_STATUS = {
  AUTH_REQUIRED: 401,
  INVALID_CREDENTIALS: 401,
  INVALID_TOKEN: 401,
  CSRF_REJECTED: 403,
  LOGIN_THROTTLED: 429,
  VALIDATION_FAILED: 400,
  INVALID_REQUEST: 400,
  REQUEST_TOO_LARGE: 413,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  CONFLICT: 409,
  HOST_BUSY: 409,
  HOST_HAS_RESOURCES: 409,
  NO_RECORDED_RESOURCES: 409,
  PLAN_STALE: 409,
  PLAN_EXPIRED: 409,
  DRAFT_REVISION_CONFLICT: 409,
  REPO_NOT_GIT: 409,
  REPO_DIRTY: 409,
  REPO_DIVERGED: 409,
  REPO_BUSY: 409,
  RUN_NOT_RESUMABLE: 409,
  PACK_INVALID: 422,
  MANIFEST_INVALID: 422,
  HOST_PROBE_FAILED: 422,
  SMOKE_KEY_REQUIRED: 422,
  HOST_UNREACHABLE: 502,
  HOST_ERROR: 502,
  PUBLISH_FAILED: 500,
  SERVICE_UNAVAILABLE: 503,
  INTERNAL_ERROR: 500,
  AUTH_THROTTLED: 429,
} as const satisfies Record<string, number>;
export type ManagerErrorCode = keyof typeof MANAGER_ERROR_STATUS;
export const MANAGER_ERROR_CODES = Object.keys(MANAGER_ERROR_STATUS) as ManagerErrorCode[];

/** OpenAI error `type` for a public code (SDKs read it). */
export function openAiErrorType(code: PublicErrorCode): string {
  const status = PUBLIC_ERROR_STATUS[code];
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'invalid_request_error';
  if (status === 429) return 'rate_limit_error';
  if (status === 400 || status === 408 || status === 413) return 'invalid_request_error';
  if (status === 503 || status === 504 || status === 502) return 'api_error';
  return 'server_error';
}

/** Anthropic error `type` for a public code (as the Anthropic API names them). */
export function anthropicErrorType(code: PublicErrorCode): string {
  const status = PUBLIC_ERROR_STATUS[code];
  switch (status) {
    case 400:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 503:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

/** OpenAI envelope used on /v1/* OpenAI-compatible routes. */
export const openAiErrorEnvelopeSchema = z.object({
  error: z.object({
    message: z.string(),
    type: z.string(),
    code: z.string(),
    param: z.string().nullable(),
  }),
});
export type OpenAiErrorEnvelope = z.infer<typeof openAiErrorEnvelopeSchema>;

/** Anthropic envelope used on /v1/messages*. */
export const anthropicErrorEnvelopeSchema = z.object({
  type: z.literal('error'),
  error: z.object({ type: z.string(), message: z.string(), code: z.string().optional() }),
});
export type AnthropicErrorEnvelope = z.infer<typeof anthropicErrorEnvelopeSchema>;

/** Envelope of the gateway admin API and the manager API. */
export const apiErrorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    request_id: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ApiErrorEnvelope = z.infer<typeof apiErrorEnvelopeSchema>;

export function openAiErrorBody(
  code: PublicErrorCode,
  message: string,
  param: string | null = null,
): OpenAiErrorEnvelope {
  return { error: { message, type: openAiErrorType(code), code, param } };
}

export function anthropicErrorBody(code: PublicErrorCode, message: string): AnthropicErrorEnvelope {
  return { type: 'error', error: { type: anthropicErrorType(code), message, code } };
}

/**
 * `details` of every VALIDATION_FAILED answer, in both apps: `{"issues":[{"path","message"}]}`.
 * `path` names the field (`name`, `body.options.models`, `If-Match`); empty when the whole input is at fault.
 */
export const validationIssueSchema = z.object({ path: z.string(), message: z.string() });
export type ValidationIssue = z.infer<typeof validationIssueSchema>;
export const validationDetailsSchema = z.object({ issues: z.array(validationIssueSchema) });
export type ValidationDetails = z.infer<typeof validationDetailsSchema>;

export function validationDetails(issues: ValidationIssue[]): ValidationDetails {
  return { issues };
}

/**
 * `GET /readyz` of both apps: 200 `ready` when every check passes, 200 `degraded` when only checks the app
 * can serve without fail (gateway: Redis with GATEWAY_LIMITER_UNAVAILABLE=open), else 503 `unavailable`.
 * Each check says what it found in `detail` (`"redis answers"`, `"3 packs loaded, 0 invalid"`).
 */
export const readinessSchema = z.object({
  status: z.enum(['ready', 'degraded', 'unavailable']),
  version: z.string(),
  checks: z.record(z.string(), z.object({ ok: z.boolean(), detail: z.string() })),
});
export type Readiness = z.infer<typeof readinessSchema>;

export function apiErrorBody(
  code: string,
  message: string,
  requestId: string,
  details?: unknown,
): ApiErrorEnvelope {
  return details === undefined
    ? { error: { code, message, request_id: requestId } }
    : { error: { code, message, request_id: requestId, details } };
}
