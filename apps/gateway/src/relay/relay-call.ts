import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Translation } from '@relay/translate';
import type { Logger } from '../logger.ts';
import type { AccountHealth, AccountState } from '../runtime/account-health.ts';
import type { Clock } from '../runtime/clock.ts';
import type { ConcurrencySlots, SlotRelease } from '../runtime/concurrency-slots.ts';
import type { LeaseKeeper } from '../runtime/lease-keeper.ts';
import type { StickySessions } from '../runtime/sticky-sessions.ts';
import type { Endpoint } from '../upstream/endpoints.ts';
import type { UpstreamPools } from '../upstream/upstream-pools.ts';
import type { UsageQueue } from '../usage/usage-queue.ts';
import type { SlotClaim } from './account-slot.ts';
import type { AdmissionGate, Ticket } from './admission-gate.ts';
import { ClientAbort } from './client-abort.ts';
import type { BodyRules } from './read-body.ts';
import type { RelayRequest } from './relay-request.ts';
import type { ModelRoute, TenantDirectory, TenantView } from './tenant-directory.ts';

export type RelayDeps = {
  directory: TenantDirectory;
  pools: UpstreamPools;
  /** Takes the request's lease at admission (limits, tenant slots, sticky, budget reservations). */
  gate: AdmissionGate;
  /** Renews account-slot leases while an attempt runs; retries undos Redis did not answer. */
  keeper: LeaseKeeper;
  /** `open`: an account slot that cannot be taken because Redis is down does not stop the request. */
  whenLimiterUnavailable: 'closed' | 'open';
  slots: ConcurrencySlots;
  sticky: StickySessions;
  health: AccountHealth;
  usage: UsageQueue;
  logger: Logger;
  maxAttempts: number;
  upstreamTimeoutMs: number;
  /** Size limit and minimum pace of request bodies. */
  body: BodyRules;
  /** An upstream rejected an account's credential: persist status=error (and invalidate caches). */
  onAccountRejected: (accountId: string, message: string) => void;
  /** The one clock of the relay: admission times, durations, usage timestamps (default: system clock). */
  clock?: Clock;
};

/** The pipeline's long-lived state, shared by every call: its deps and this process's account load. */
export type RelayEnv = Omit<RelayDeps, 'clock'> & {
  clock: Clock;
  /** Attempts this process has in flight per account (spreads load across equal candidates). */
  inFlight: Map<string, number>;
  /** When this process last sent an attempt to each account (least-recently-used tie-break). */
  lastUsed: Map<string, number>;
  /**
   * The sticky account this process last saw per sticky key: only a prediction (the runtime's
   * binding decides), used to ask for the right account's slot together with admission.
   */
  stickyHints: Map<string, string>;
};

/** How a relayed request ended, for the access log and metrics. */
export type RelayOutcome = { status: number; accountId?: string; attempts: number };

/** What admission found out, handed to account selection. */
export type Admission = {
  states: Map<string, AccountState>;
  sticky: string | null;
  stickyKey: string | undefined;
};

/**
 * One tenant request on its way through the relay: what was read from the client once (key view,
 * parsed body, candidate routes) and what the stages add as it goes (slots held, attempts, the
 * account tried last). Every stage takes the call instead of a list of positional arguments.
 */
export class RelayCall {
  /** Slots to give back when the call ends: the tenant's, then each attempted account's. */
  readonly held: SlotRelease[] = [];
  /** Aborted when the client goes away while an attempt is pending. */
  readonly abort = new ClientAbort();
  attempts = 0;
  /** The account tried last (the one a usage event names). */
  route: ModelRoute | undefined;
  /** How the current attempt's request was translated; undefined when relayed natively. */
  translation: Translation | undefined;
  /** Translated request bodies, by translation (see translated-body.ts). */
  readonly translatedBodies = new Map<Translation, Record<string, unknown>>();
  /** The admission lease, ended when the call ends. */
  ticket: Ticket | undefined;
  /** What the call's usage event charged, and its tokens: the lease settles to them. */
  chargedMicros = 0n;
  totalTokens: number | undefined;
  /** The slot of the predicted first account, asked for with admission; cleared once used or given back. */
  claim: SlotClaim | undefined;
  /** Stops the renewals of account slots held by the call. */
  readonly stopRenewals: (() => void)[] = [];

  constructor(
    readonly endpoint: Endpoint,
    readonly requestId: string,
    readonly incoming: IncomingMessage,
    readonly outgoing: ServerResponse,
    /** Clock reading when the request arrived; latency and time to first token count from here. */
    readonly startedAt: number,
    readonly view: TenantView,
    readonly raw: Buffer,
    readonly request: RelayRequest,
    readonly routes: readonly ModelRoute[],
  ) {}
}
