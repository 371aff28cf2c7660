import type { AdminClient } from '@relay/admin-client';

export const DEMO_LABEL = { 'relay.demo': 'true' } as const;

export type DemoTenant = {
  /** The tenant key for the OpenAI-compatible group (`demo`). */
  openaiKey: string;
  /** The tenant key for the Anthropic-platform group (`demo-anthropic`). */
  anthropicKey: string;
};

/**
 * Creates the quick-start demo through the admin API, exactly as an operator would: a user with a
 * balance, an OpenAI-platform and an Anthropic-platform group, an account per group pointing at the
 * mock upstream, the bindings, prices and one key per group. Idempotent per run: when the demo user
 * already exists, nothing is created and `existing` is returned (keys are shown only once).
 */
export async function seedDemo(
  client: AdminClient,
  options: { mockUrl: string; mockApiKey: string; existing?: DemoTenant },
): Promise<{ tenant: DemoTenant; created: boolean }> {
  const found = await client.users.list({ label: ['relay.demo=true'], limit: 1 });
  if (found.items.length > 0 && options.existing !== undefined)
    return { tenant: options.existing, created: false };
  if (found.items.length > 0) {
    // The demo exists but its keys were not kept: issue fresh ones for the existing groups.
    const user = found.items[0];
    const groups = await client.groups.listAll({ label: ['relay.demo=true'] });
    const byName = new Map(groups.map((group) => [group.name, group.id]));
    const openaiGroup = byName.get('demo');
    const anthropicGroup = byName.get('demo-anthropic');
    if (user && openaiGroup && anthropicGroup) {
      const openai = await client.apiKeys.create({
        user_id: user.id,
        group_id: openaiGroup,
        name: 'demo',
        labels: DEMO_LABEL,
      });
      const anthropic = await client.apiKeys.create({
        user_id: user.id,
        group_id: anthropicGroup,
        name: 'demo-anthropic',
        labels: DEMO_LABEL,
      });
      return { tenant: { openaiKey: openai.secret, anthropicKey: anthropic.secret }, created: true };
    }
  }

  const user = await client.users.create({ name: 'demo', balance_usd: '100.00', labels: DEMO_LABEL });
  const openaiGroup = await client.groups.create({ name: 'demo', platform: 'openai', labels: DEMO_LABEL });
  const anthropicGroup = await client.groups.create({
    name: 'demo-anthropic',
    platform: 'anthropic',
    labels: DEMO_LABEL,
  });
  const openaiAccount = await client.accounts.create({
    name: 'demo-mock-openai',
    platform: 'openai',
    base_url: `${options.mockUrl}/v1`,
    credential: options.mockApiKey,
    models: ['gpt-4o-mini', 'gpt-4o', 'text-embedding-3-small'],
    labels: DEMO_LABEL,
  });
  const anthropicAccount = await client.accounts.create({
    name: 'demo-mock-anthropic',
    platform: 'anthropic',
    base_url: options.mockUrl,
    credential: options.mockApiKey,
    models: ['claude-sonnet-4-5', 'claude-haiku-4-5'],
    labels: DEMO_LABEL,
  });
  await client.accountGroups.create({
    account_id: openaiAccount.id,
    group_id: openaiGroup.id,
    labels: DEMO_LABEL,
  });
  await client.accountGroups.create({
    account_id: anthropicAccount.id,
    group_id: anthropicGroup.id,
    labels: DEMO_LABEL,
  });
  for (const [model, input, output] of [
    ['gpt-4o-mini', '0.15', '0.60'],
    ['gpt-4o', '2.50', '10.00'],
    ['text-embedding-3-small', '0.02', '0'],
    ['claude-sonnet-4-5', '3.00', '15.00'],
    ['claude-haiku-4-5', '1.00', '5.00'],
  ] as const) {
    const existing = await client.prices.list({ model, limit: 1 });
    if (existing.items.length === 0) await client.prices.create({ model, input, output, labels: DEMO_LABEL });
  }
  const openai = await client.apiKeys.create({
    user_id: user.id,
    group_id: openaiGroup.id,
    name: 'demo',
    labels: DEMO_LABEL,
  });
  const anthropic = await client.apiKeys.create({
    user_id: user.id,
    group_id: anthropicGroup.id,
    name: 'demo-anthropic',
    labels: DEMO_LABEL,
  });
  return { tenant: { openaiKey: openai.secret, anthropicKey: anthropic.secret }, created: true };
}
