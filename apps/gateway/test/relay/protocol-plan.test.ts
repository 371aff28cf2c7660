import { describe, expect, it } from 'vitest';
import { planFor } from '../../src/relay/protocol-plan.ts';
import type { RoutableAccount } from '../../src/relay/tenant-directory.ts';
import type { AccountRow } from '../../src/store/index.ts';
import type { AccountProtocols } from '../../src/store/schema.ts';
import { ENDPOINTS } from '../../src/upstream/endpoints.ts';
import { protocolTargets } from '../../src/upstream/protocol-targets.ts';
import { upstreamTarget } from '../../src/upstream/upstream-target.ts';

function account(
  platform: 'openai' | 'anthropic',
  protocols: AccountProtocols = {},
  baseUrl = platform === 'openai' ? 'https://api.example.com/v1' : 'https://api.anthropic.example',
): RoutableAccount {
  const authStyle = platform === 'openai' ? 'bearer' : 'x-api-key';
  const row = { id: 'acc_1', platform, baseUrl, authStyle, protocols } as unknown as AccountRow;
  return {
    row,
    priority: 50,
    credential: 'sk-test',
    rules: {} as RoutableAccount['rules'],
    upstream: upstreamTarget(baseUrl, authStyle, 'sk-test'),
    protocols: protocolTargets(row, 'sk-test'),
  };
}

describe('protocol plans', () => {
  it('relays natively what the platform speaks and translates the rest', () => {
    const openai = account('openai');
    expect(planFor(ENDPOINTS.chat, openai)).toMatchObject({
      translation: undefined,
      upstreamEndpoint: ENDPOINTS.chat,
    });
    expect(planFor(ENDPOINTS.responses, openai)?.translation).toBeUndefined();
    expect(planFor(ENDPOINTS.messages, openai)).toMatchObject({
      translation: { from: 'messages', to: 'chat' },
      upstreamEndpoint: ENDPOINTS.chat,
      target: { paths: { chat: '/v1/chat/completions' }, authStyle: 'bearer' },
    });
    const anthropic = account('anthropic');
    expect(planFor(ENDPOINTS.messages, anthropic)?.translation).toBeUndefined();
    expect(planFor(ENDPOINTS.chat, anthropic)).toMatchObject({
      translation: { from: 'chat', to: 'messages' },
      target: { paths: { messages: '/v1/messages' } },
    });
    expect(planFor(ENDPOINTS.responses, anthropic)?.translation).toMatchObject({
      from: 'responses',
      to: 'messages',
    });
    // Embeddings are never translated; count_tokens goes only to a Messages speaker.
    expect(planFor(ENDPOINTS.embeddings, anthropic)?.translation).toBeUndefined();
    expect(planFor(ENDPOINTS.count_tokens, openai)).toBeUndefined();
    expect(planFor(ENDPOINTS.count_tokens, anthropic)?.target.paths.count_tokens).toBe(
      '/v1/messages/count_tokens',
    );
  });

  it('serves Responses through chat for a chat-only account', () => {
    const chatOnly = account('openai', { chat: {} });
    expect(planFor(ENDPOINTS.responses, chatOnly)).toMatchObject({
      translation: { from: 'responses', to: 'chat' },
      upstreamEndpoint: ENDPOINTS.chat,
    });
  });

  it("uses a declared protocol's own base URL, with that protocol's credential header", () => {
    const both = account('openai', {
      chat: {},
      messages: { base_url: 'https://api.deepseek.com/anthropic' },
    });
    const native = planFor(ENDPOINTS.messages, both);
    expect(native?.translation).toBeUndefined();
    expect(native?.target).toMatchObject({
      origin: 'https://api.deepseek.com',
      paths: { messages: '/anthropic/v1/messages' },
      authStyle: 'x-api-key',
      authValue: 'sk-test',
    });
    expect(planFor(ENDPOINTS.chat, both)?.target).toMatchObject({
      authStyle: 'bearer',
      paths: { chat: '/v1/chat/completions' },
    });
    const bearer = account('openai', {
      messages: { base_url: 'https://x.example/anthropic', auth_style: 'bearer' },
    });
    expect(planFor(ENDPOINTS.messages, bearer)?.target.authValue).toBe('Bearer sk-test');
  });

  it('gives the same plan object on every call (nothing allocated per request)', () => {
    const anthropic = account('anthropic');
    expect(planFor(ENDPOINTS.chat, anthropic)).toBe(planFor(ENDPOINTS.chat, anthropic));
    expect(planFor(ENDPOINTS.responses, anthropic)).not.toBe(planFor(ENDPOINTS.chat, anthropic));
  });
});
