/**
 * What a committed admin action tells the rest of the gateway beyond "something changed" (which the
 * cache bus already carries): facts that other parts act on, emitted by the action itself after its
 * transaction commits.
 */
export type DomainEvent = {
  /** An operator cleared an account's cooldown: the relay's shared circuit state for it goes too. */
  kind: 'account_cooldown_cleared';
  accountId: string;
};

export type EmitDomainEvent = (event: DomainEvent) => void;
