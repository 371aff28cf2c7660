import { createAdminClient } from '@relay/admin-client';

/**
 * The benchmark tenant, created through the admin API with governance on: limits high enough never
 * to trigger but still evaluated on every request (rpm, tpm, concurrency), usage recorded.
 */
export async function seedBenchTenant(options: {
  gatewayUrl: string;
  adminToken: string;
  mockUrl: string;
  mockApiKey: string;
  accounts: number;
  /** The group's and accounts' platform (default openai). */
  platform?: 'openai' | 'anthropic';
}): Promise<string> {
  const platform = options.platform ?? 'openai';
  const client = createAdminClient({ baseUrl: options.gatewayUrl, token: options.adminToken });
  const user = await client.users.create({
    name: `bench-${platform}`,
    balance_usd: '1000000.00',
    concurrency_limit: 1000,
    rpm_limit: 100_000_000,
  });
  const group = await client.groups.create({
    name: `bench-${platform}-${Date.now()}`,
    platform,
    rpm_limit: 100_000_000,
    tpm_limit: 1_000_000_000,
  });
  for (let i = 0; i < options.accounts; i += 1) {
    const account = await client.accounts.create({
      name: `bench-${platform}-${i}`,
      platform,
      base_url: platform === 'openai' ? `${options.mockUrl}/v1` : options.mockUrl,
      credential: options.mockApiKey,
      concurrency: 1000,
    });
    await client.accountGroups.create({ account_id: account.id, group_id: group.id });
  }
  await client.prices.create({ model: 'gpt-4o-mini', input: '0.15', output: '0.60' }).catch(() => undefined);
  await client.prices.create({ model: 'claude-sonnet-4-5', input: '3', output: '15' }).catch(() => undefined);
  const key = await client.apiKeys.create({
    user_id: user.id,
    group_id: group.id,
    name: 'bench',
    rpm_limit: 100_000_000,
    tpm_limit: 1_000_000_000,
    concurrency_limit: 1000,
  });
  return key.secret;
}
