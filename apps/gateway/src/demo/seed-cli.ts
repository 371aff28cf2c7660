import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createAdminClient } from '@relay/admin-client';
import { type DemoTenant, seedDemo } from './seed-demo.ts';

/**
 * Run by the quick-start script after the gateway is up: seeds the demo tenant once and prints how to
 * call it. Inputs come from RELAY_SEED_* variables set by scripts/start.mjs (a CLI entry, like serve.ts).
 */
const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is required`);
  return value;
};

const gatewayUrl = env('RELAY_SEED_GATEWAY_URL');
const stateFile = env('RELAY_SEED_STATE_FILE');
const existing = existsSync(stateFile)
  ? (JSON.parse(readFileSync(stateFile, 'utf8')) as DemoTenant)
  : undefined;
const client = createAdminClient({ baseUrl: gatewayUrl, token: env('RELAY_SEED_ADMIN_TOKEN') });
const { tenant, created } = await seedDemo(client, {
  mockUrl: env('RELAY_SEED_MOCK_URL'),
  mockApiKey: env('RELAY_SEED_MOCK_API_KEY'),
  existing,
});
if (created) writeFileSync(stateFile, `${JSON.stringify(tenant, null, 2)}\n`, { mode: 0o600 });

process.stdout.write(`
Demo tenant (group "demo", OpenAI-compatible): ${tenant.openaiKey}
  curl -s ${gatewayUrl}/v1/chat/completions \\
    -H "Authorization: Bearer ${tenant.openaiKey}" -H "Content-Type: application/json" \\
    -d '{"model":"gpt-4o-mini","messages":[{"role":"user","content":"reply with pong only"}]}'
Demo tenant (group "demo-anthropic", Anthropic Messages): ${tenant.anthropicKey}
  curl -s ${gatewayUrl}/v1/messages \\
    -H "x-api-key: ${tenant.anthropicKey}" -H "anthropic-version: 2023-06-01" -H "Content-Type: application/json" \\
    -d '{"model":"claude-haiku-4-5","max_tokens":64,"messages":[{"role":"user","content":"reply with pong only"}]}'
`);
