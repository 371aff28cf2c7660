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
}): Promise<string> {
  const client = createAdminClient({ baseUrl: options.gatewayUrl, token: options.adminToken });
  const user = await client.users.create({
    name: 'bench',
    balance_usd: '1000000.00',
    concurrency_limit: 1000,
    rpm_limit: 100_000_000,
  });
  const group = await client.groups.create({
    name: `bench-${Date.now()}`,
    platform: 'openai',
    rpm_limit: 100_000_000,
    tpm_limit: 1_000_000_000,
  });
  for (let i = 0; i < options.accounts; i += 1) {
    const account = await client.accounts.create({
      name: `bench-${i}`,
      platform: 'openai',
      base_url: `${options.mockUrl}/v1`,
      credential: options.mockApiKey,
      concurrency: 1000,
    });
    await client.accountGroups.create({ account_id: account.id, group_id: group.id });
  }
  await client.prices.create({ model: 'gpt-4o-mini', input: '0.15', output: '0.60' }).catch(() => undefined);
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
