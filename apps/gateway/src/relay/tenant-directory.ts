import type { AccessSnapshot, SnapshotAccount, SnapshotGroup } from '@relay/bindings';
import type { Protocol } from '@relay/translate';
import {
  presentAccount,
  presentAccountGroup,
  presentChannel,
  presentChannelGroup,
  presentGroup,
  presentPrice,
} from '../domain/present.ts';
import { PublicError } from '../errors.ts';
import type { CredentialCipher } from '../secrets/index.ts';
import { hashApiKey } from '../secrets/index.ts';
import type {
  AccountRow,
  ApiKeyRow,
  ChannelRow,
  GroupRow,
  PriceRow,
  Store,
  SubscriptionRow,
  UserRow,
} from '../store/index.ts';
import { protocolTargets } from '../upstream/protocol-targets.ts';
import { type UpstreamTarget, upstreamTarget } from '../upstream/upstream-target.ts';

/** An account bound to a group, ready to receive traffic (credential decrypted once, at load). */
export type RoutableAccount = {
  row: AccountRow;
  /** The binding's priority override, else the account's. */
  priority: number;
  credential: string;
  /** The account as the binding rules read it. */
  rules: SnapshotAccount;
  /** Origin, per-endpoint paths and credential header, worked out at load. */
  upstream: UpstreamTarget;
  /** The protocols the upstream speaks natively, each with its target (see upstream/protocol-targets.ts). */
  protocols: ReadonlyMap<Protocol, UpstreamTarget>;
};

/** Everything about a group the hot path needs, shared by all of its keys. */
export type GroupView = {
  group: GroupRow;
  channel: ChannelRow | undefined;
  /** The group's channel prices (when it has a channel) over the global prices, by model. */
  prices: ReadonlyMap<string, PriceRow>;
  /** Model names priced in the group's channel (for `restrict_models`). */
  channelModels: ReadonlySet<string>;
  accounts: readonly RoutableAccount[];
  /** The group as the binding rules read it (no key, user or subscription: see explainDenial). */
  snapshot: AccessSnapshot;
  rules: SnapshotGroup;
  /** Per requested model, the accounts that serve it and as what (filled lazily, dropped with the view). */
  routes: Map<string, readonly ModelRoute[]>;
};

/** An account that serves a requested model, and the upstream model id it is asked for. */
export type ModelRoute = { account: RoutableAccount; upstreamModel: string };

/** A tenant key with its owner and group, as of the last load. */
export type TenantView = {
  key: ApiKeyRow;
  user: UserRow;
  subscription: SubscriptionRow | undefined;
  group: GroupView;
  /**
   * What this process has charged the key since the view was loaded (the rows above do not include it
   * until the usage writer has written it and the view is reloaded): quota and balance checks add it,
   * so a burst cannot overspend while usage is on its way to the database.
   */
  spend: { micros: bigint };
  /** When the rows above were read (epoch ms, taken before the queries): how fresh its money figures are. */
  loadedAt: number;
};

type Entry<T> = { value: T; expiresAt: number };
/** A key entry also remembers when it was loaded: past its TTL it may still stand in during an outage. */
type KeyEntry = Entry<TenantView | null> & { storedAt: number };

export type TenantDirectoryOptions = {
  ttlMs: number;
  negativeTtlMs: number;
  maxEntries: number;
  /**
   * While the database is unreachable, an expired entry keeps serving for up to this long after it
   * was loaded (default 15 min): tenants in use keep working through an outage, for a bounded time.
   */
  staleMaxMs: number;
  /** Longest a request waits for a load before the stale entry (or 503) answers instead. */
  loadTimeoutMs: number;
  /** After a failed reload, the stale entry answers at once for this long before the next attempt. */
  retryAfterFailureMs: number;
  /** Told when the directory starts or stops answering from stale entries (a metric and one log line). */
  onStaleChange?: (stale: boolean, error?: unknown) => void;
  now?: () => number;
};

const DEFAULT_OPTIONS: TenantDirectoryOptions = {
  ttlMs: 30_000,
  negativeTtlMs: 5_000,
  maxEntries: 200_000,
  staleMaxMs: 15 * 60_000,
  loadTimeoutMs: 800,
  retryAfterFailureMs: 2_000,
};

/** The database could not be asked in time, and nothing cached can stand in. */
const storeUnavailable = () =>
  new PublicError('SERVICE_UNAVAILABLE', 'The service is temporarily unavailable; retry shortly.', {
    retryAfterSeconds: 1,
  });

/**
 * The hot-path cache of key → tenant view (docs/architecture.md#usage-and-billing): no database query per request in steady state.
 * Loaded on first use, dropped on any admin change (the cache bus calls `invalidateAll`), and reloaded
 * after a TTL as a backstop. Unknown keys are remembered briefly so a flood of bad keys cannot reach the
 * database. Concurrent misses for the same key share one load.
 */
export class TenantDirectory {
  private readonly keys = new Map<string, KeyEntry>();
  private readonly groups = new Map<string, Entry<Promise<GroupView | undefined>>>();
  private readonly loading = new Map<string, Promise<TenantView | null>>();
  private readonly reloading = new Map<string, Promise<TenantView | null>>();
  private generation = 0;
  private servingStale = false;
  private readonly options: TenantDirectoryOptions;

  constructor(
    private readonly store: Store,
    private readonly cipher: CredentialCipher,
    options: Partial<TenantDirectoryOptions> = {},
  ) {
    this.options = { ...DEFAULT_OPTIONS, ...options };
  }

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  /** Key lookups answered from memory / that went to the database (read by /metrics). */
  readonly stats = { hits: 0, misses: 0 };

  /**
   * The view of a plaintext key, or null when no such key exists. When the database does not answer
   * within `loadTimeoutMs`, an entry loaded less than `staleMaxMs` ago answers instead; without one,
   * 503 SERVICE_UNAVAILABLE (never a hang, never a 500).
   */
  async lookup(secret: string): Promise<TenantView | null> {
    const hash = hashApiKey(secret);
    const cached = this.keys.get(hash);
    const now = this.now();
    if (cached !== undefined && cached.expiresAt > now) {
      this.stats.hits += 1;
      return cached.value;
    }
    this.stats.misses += 1;
    let pending = this.loading.get(hash);
    if (pending === undefined) {
      const generation = this.generation;
      pending = this.load(hash).then((view) => {
        this.loading.delete(hash);
        // A load that raced with an invalidation must not repopulate the cache with stale data.
        if (generation === this.generation) this.remember(hash, view);
        this.markStale(false);
        return view;
      });
      pending.catch(() => this.loading.delete(hash));
      this.loading.set(hash, pending);
    }
    const stale =
      cached !== undefined && now - cached.storedAt < this.options.staleMaxMs ? cached : undefined;
    try {
      return await withTimeout(pending, this.options.loadTimeoutMs);
    } catch (error) {
      if (stale === undefined) throw storeUnavailable();
      // Answer from the stale entry, and keep answering from it without waiting until the next try.
      stale.expiresAt = this.now() + this.options.retryAfterFailureMs;
      this.markStale(true, error);
      return stale.value;
    }
  }

  /** True when the key is loaded and known (no lookup): what a throttled address may still use. */
  knows(secret: string): boolean {
    return this.keys.get(hashApiKey(secret))?.value != null;
  }

  /**
   * The view reloaded from the database now, bypassing the cache (admission seeds shared budget
   * mirrors only from fresh figures). Null when the key no longer exists.
   */
  async reload(view: TenantView): Promise<TenantView | null> {
    const hash = view.key.keyHash;
    // Requests of one key arriving together share one load (e.g. every request after Redis lost its data).
    let pending = this.reloading.get(hash);
    if (pending === undefined) {
      const generation = this.generation;
      pending = this.load(hash).then((fresh) => {
        if (generation === this.generation) this.remember(hash, fresh);
        return fresh;
      });
      const settled = () => this.reloading.delete(hash);
      pending.then(settled, settled);
      this.reloading.set(hash, pending);
    }
    try {
      return await withTimeout(pending, this.options.loadTimeoutMs);
    } catch {
      throw storeUnavailable();
    }
  }

  /**
   * Expires everything; admin changes are rare, so precision is not worth the bookkeeping. Key entries
   * are kept (expired) so they can still stand in if the database is unreachable on the reload.
   */
  invalidateAll(): void {
    this.generation += 1;
    for (const entry of this.keys.values()) entry.expiresAt = 0;
    this.groups.clear();
  }

  private markStale(stale: boolean, error?: unknown): void {
    if (stale === this.servingStale) return;
    this.servingStale = stale;
    this.options.onStaleChange?.(stale, error);
  }

  /** The group's view, for model listings and explanations outside a key lookup. */
  async groupView(groupId: string): Promise<GroupView | undefined> {
    const cached = this.groups.get(groupId);
    if (cached !== undefined && cached.expiresAt > this.now()) return cached.value;
    const value = this.loadGroup(groupId);
    value.catch(() => this.groups.delete(groupId));
    this.groups.set(groupId, { value, expiresAt: this.now() + this.options.ttlMs });
    return value;
  }

  private remember(hash: string, view: TenantView | null): void {
    if (this.keys.size >= this.options.maxEntries) {
      // Evict the oldest insertion: Map iteration order is insertion order.
      const oldest = this.keys.keys().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    const ttl = view === null ? this.options.negativeTtlMs : this.options.ttlMs;
    const now = this.now();
    this.keys.set(hash, { value: view, expiresAt: now + ttl, storedAt: now });
  }

  private async load(hash: string): Promise<TenantView | null> {
    const loadedAt = this.now();
    const key = await this.store.apiKeys.getByHash(hash);
    if (key === undefined) return null;
    const [user, group, subscription] = await Promise.all([
      this.store.users.get(key.userId),
      this.groupView(key.groupId),
      this.store.subscriptions.findActive(key.userId, key.groupId, new Date(this.now())),
    ]);
    if (user === undefined || group === undefined) return null;
    return { key, user, subscription, group, spend: { micros: 0n }, loadedAt };
  }

  private async loadGroup(groupId: string): Promise<GroupView | undefined> {
    const group = await this.store.groups.get(groupId);
    if (group === undefined) return undefined;
    const [bindings, channelBindings, globalPrices] = await Promise.all([
      this.store.accountGroups.listAll({ groupId }),
      this.store.channelGroups.listAll({ groupId }),
      this.store.prices.listAll({ channelId: null }),
    ]);
    const channelBinding = channelBindings[0];
    const channelId = channelBinding?.channelId;
    const [channel, channelPrices, accountRows] = await Promise.all([
      channelId === undefined ? undefined : this.store.channels.get(channelId),
      channelId === undefined ? [] : this.store.prices.listAll({ channelId }),
      this.store.accounts.getMany(bindings.map((binding) => binding.accountId)),
    ]);
    const activeChannel = channel?.status === 'active' ? channel : undefined;
    const prices = new Map<string, PriceRow>();
    for (const price of globalPrices) prices.set(price.model, price);
    if (activeChannel) for (const price of channelPrices) prices.set(price.model, price);
    const byId = new Map(accountRows.map((row) => [row.id, row]));
    const accounts: RoutableAccount[] = [];
    for (const binding of bindings) {
      const row = byId.get(binding.accountId);
      if (row === undefined) continue;
      const credential = this.cipher.decrypt(row.credentialCiphertext, row.id);
      accounts.push({
        row,
        priority: binding.priority ?? row.priority,
        credential,
        rules: presentAccount(row),
        upstream: upstreamTarget(row.baseUrl, row.authStyle, credential),
        protocols: protocolTargets(row, credential),
      });
    }
    const rules = presentGroup(group);
    const snapshot: AccessSnapshot = {
      users: [],
      groups: [rules],
      accounts: accounts.map((account) => account.rules),
      accountGroups: bindings.map(presentAccountGroup),
      apiKeys: [],
      channels: channel === undefined ? [] : [presentChannel(channel)],
      channelGroups: channelBinding === undefined ? [] : [presentChannelGroup(channelBinding)],
      prices: channelPrices.map(presentPrice),
      subscriptions: [],
    };
    return {
      snapshot,
      rules,
      group,
      channel: activeChannel,
      prices,
      channelModels: new Set(activeChannel ? channelPrices.map((price) => price.model) : []),
      accounts,
      routes: new Map(),
    };
  }
}

/** `promise`, or a rejection after `ms` (the promise itself keeps running and may still settle later). */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
