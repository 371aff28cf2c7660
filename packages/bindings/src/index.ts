export type { AccessCandidate, AccessDenied, AccessGranted, AccessResult } from './access-result.ts';
export { NO_AVAILABLE_ACCOUNTS_PREFIX, noAvailableAccountsMessage } from './access-result.ts';
export type { AccountBlocker, BoundAccount, GroupBindings } from './bound-accounts.ts';
export { accountBlocker, groupBindings, isCoolingDown } from './bound-accounts.ts';
export type { AccessQuery } from './evaluate-access.ts';
export { evaluateAccess } from './evaluate-access.ts';
export type { ClosureGap, GroupClosureReport } from './evaluate-group-closure.ts';
export { evaluateGroupClosure } from './evaluate-group-closure.ts';
export type { GroupChannelLink } from './group-channel.ts';
export { activeGroupChannel, findGroupChannel, isPricedInChannel } from './group-channel.ts';
export { usdToMicros } from './money.ts';
export type {
  AccountNote,
  ReasonCategory,
  ReasonCode,
  ReasonIds,
  ReasonVars,
  SubscriptionWindow,
} from './reasons.ts';
export { REASON_CATEGORIES, REASON_CODES, REASON_MESSAGES, reasonMessage } from './reasons.ts';
export { applyGroupAlias, resolveModel } from './resolve-model.ts';
export type {
  AccessSnapshot,
  Instant,
  IsoTime,
  Platform,
  SnapshotAccount,
  SnapshotAccountGroup,
  SnapshotApiKey,
  SnapshotChannel,
  SnapshotChannelGroup,
  SnapshotGroup,
  SnapshotPrice,
  SnapshotSubscription,
  SnapshotUser,
  UsdDecimal,
} from './snapshot.ts';
export { DEFAULT_ACCOUNT_PRIORITY, DEFAULT_ACCOUNT_WEIGHT } from './snapshot.ts';
export { isSubscriptionActive, SUBSCRIPTION_WINDOWS } from './subscription.ts';
