/**
 * Upstream faults the mock can be told to produce (docs/architecture.md#quality-bar ("Upstream faults")). A fault stays
 * until replaced or cleared, or for the next `times` matching requests only.
 */

export type MockStatusFaultMode =
  | 'status_400'
  | 'status_401'
  | 'status_429'
  | 'status_500'
  | 'status_502'
  | 'status_503'
  | 'status_529';

interface FaultScope {
  /** Apply to this many matching requests, then clear by itself (default: until changed). */
  readonly times?: number;
  /** Only requests to these paths (e.g. `/v1/chat/completions`) are affected (default: every API route). */
  readonly paths?: readonly string[];
}

export type MockFault = FaultScope &
  (
    | {
        /** Answer with this status in the route's provider error envelope (529 = Anthropic overloaded). */
        readonly mode: Exclude<MockStatusFaultMode, 'status_429'>;
        readonly message?: string;
      }
    | {
        readonly mode: 'status_429';
        /** Sent as the `Retry-After` header (default 1). */
        readonly retryAfterSeconds?: number;
        readonly message?: string;
      }
    /** Accept the request and never answer; only the client giving up (or close/stop) ends it. */
    | { readonly mode: 'hang' }
    /** Send headers and half of the body (or of the first stream event), then close the socket. */
    | { readonly mode: 'reset_mid_body' }
    /** Stream requests: send the first `afterEvents` events (default 2), then close the socket without the end. Non-stream requests: like reset_mid_body. */
    | { readonly mode: 'stream_cut'; readonly afterEvents?: number }
    /** Wait `delayMs` before sending anything, then answer normally. */
    | { readonly mode: 'slow_first_byte'; readonly delayMs: number }
    /** Stream requests: send events one by one, `intervalMs` apart (lets a test disconnect mid-stream). */
    | { readonly mode: 'slow_stream'; readonly intervalMs: number }
  );

export type MockFaultMode = MockFault['mode'];

const STATUS_BY_MODE: Readonly<Record<MockStatusFaultMode, number>> = {
  status_400: 400,
  status_401: 401,
  status_429: 429,
  status_500: 500,
  status_502: 502,
  status_503: 503,
  status_529: 529,
};

export function faultStatus(mode: MockFaultMode): number | undefined {
  return (STATUS_BY_MODE as Record<string, number | undefined>)[mode];
}

function assertNonNegative(name: string, value: number | undefined, integer: boolean): void {
  if (value === undefined) return;
  if (!Number.isFinite(value) || value < 0 || (integer && !Number.isInteger(value))) {
    throw new TypeError(`setFault: ${name} must be a non-negative ${integer ? 'integer' : 'number'}`);
  }
}

/** The current fault of one mock, consumed request by request. */
export class FaultSwitch {
  #fault: MockFault | null = null;
  #remaining = Number.POSITIVE_INFINITY;

  get current(): MockFault | null {
    return this.#fault;
  }

  set(fault: MockFault | null): void {
    if (fault !== null) {
      if (fault.times !== undefined && (!Number.isInteger(fault.times) || fault.times < 1)) {
        throw new TypeError('setFault: times must be a positive integer');
      }
      if (fault.mode === 'status_429') assertNonNegative('retryAfterSeconds', fault.retryAfterSeconds, true);
      if (fault.mode === 'stream_cut') assertNonNegative('afterEvents', fault.afterEvents, true);
      if (fault.mode === 'slow_first_byte') assertNonNegative('delayMs', fault.delayMs, false);
      if (fault.mode === 'slow_stream') assertNonNegative('intervalMs', fault.intervalMs, false);
    }
    this.#fault = fault;
    this.#remaining = fault?.times ?? Number.POSITIVE_INFINITY;
  }

  /** The fault that applies to a request on `path`, counting it against `times`. */
  take(path: string): MockFault | undefined {
    const fault = this.#fault;
    if (fault === null) return undefined;
    if (fault.paths !== undefined && !fault.paths.includes(path)) return undefined;
    this.#remaining -= 1;
    if (this.#remaining <= 0) this.set(null);
    return fault;
  }
}
