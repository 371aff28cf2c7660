import { type AccessDenied, evaluateAccess, noAvailableAccountsMessage } from '@relay/bindings';
import { presentApiKey, presentSubscription, presentUser } from '../domain/present.ts';
import { PublicError } from '../errors.ts';
import type { TenantView } from './tenant-directory.ts';

/**
 * Turns "no account can take this request" into the documented answer (gateway.md §3): the binding rules
 * evaluated over the cached view (no database query, so it also works while the database is down) with
 * runtime cooldowns overlaid, then 404 MODEL_NOT_FOUND for model problems and 503 NO_AVAILABLE_ACCOUNTS
 * with the broken link for routing problems.
 */
export function explainDenial(
  view: TenantView,
  model: string,
  now: number,
  runtimeCooldowns: ReadonlyMap<string, number> = new Map(),
): PublicError {
  const snapshot = {
    ...view.group.snapshot,
    users: [presentUser(view.user)],
    apiKeys: [presentApiKey(view.key)],
    subscriptions: view.subscription === undefined ? [] : [presentSubscription(view.subscription)],
    accounts: view.group.snapshot.accounts.map((account) => {
      const until = runtimeCooldowns.get(account.id);
      return until === undefined ? account : { ...account, cooldown_until: new Date(until).toISOString() };
    }),
  };
  const result = evaluateAccess(snapshot, { api_key_id: view.key.id, model }, new Date(now));
  if (result.ok) {
    // The rules see a way through that selection could not use (e.g. every eligible account is busy).
    return new PublicError('NO_AVAILABLE_ACCOUNTS', `${noAvailableAccountsMessage(busy(view, model))}`, {
      retryAfterSeconds: 1,
    });
  }
  if (result.category === 'model') {
    return new PublicError(
      'MODEL_NOT_FOUND',
      `The model \`${model}\` does not exist or you do not have access to it (${result.message}). List the models this key can use with GET /v1/models.`,
      { param: 'model' },
    );
  }
  return new PublicError('NO_AVAILABLE_ACCOUNTS', noAvailableAccountsMessage(result));
}

function busy(view: TenantView, model: string): AccessDenied {
  return {
    ok: false,
    reason: 'ALL_ACCOUNTS_COOLING_DOWN',
    category: 'routing',
    message: `every account of group ${view.group.group.id} that serves ${model} is busy or failing right now`,
    ids: { group_id: view.group.group.id },
    model,
  };
}
