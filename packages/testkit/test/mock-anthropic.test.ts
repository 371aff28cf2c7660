import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_ANSWER, estimatePromptTokens, type MockUpstream, startMockUpstream } from '../src/index.ts';
import {
  BEARER,
  createClient,
  HELLO_MESSAGES,
  PONG_MESSAGES,
  sseData,
  sseEventNames,
  X_API_KEY,
} from './helpers.ts';

let mock: MockUpstream;
const client = createClient();

beforeAll(async () => {
  mock = await startMockUpstream();
});
afterAll(async () => {
  await client.close();
  await mock.close();
});
beforeEach(() => {
  mock.setFault(null);
  mock.resetCounts();
});

const SYSTEM = 'You are terse.';

describe('mock upstream, Anthropic routes', () => {
  it('answers a message with pong, echoing the model, usage from system + messages', async () => {
    const res = await client.json(`${mock.url}/v1/messages`, {
      headers: X_API_KEY,
      body: { model: 'claude-3-5-haiku-latest', max_tokens: 16, system: SYSTEM, messages: PONG_MESSAGES },
    });
    expect(res.status).toBe(200);
    const inputTokens = estimatePromptTokens([SYSTEM, PONG_MESSAGES]);
    expect(res.json).toMatchObject({
      type: 'message',
      role: 'assistant',
      model: 'claude-3-5-haiku-latest',
      content: [{ type: 'text', text: 'pong' }],
      stop_reason: 'end_turn',
      usage: { input_tokens: inputTokens, output_tokens: 1 },
    });
    expect(res.json.id).toMatch(/^msg_/);
  });

  it('streams the real event sequence with event: lines and usage in message_start and message_delta', async () => {
    const res = await client.text(`${mock.url}/v1/messages`, {
      headers: X_API_KEY,
      body: { model: 'claude-sonnet-4-5', max_tokens: 64, stream: true, messages: HELLO_MESSAGES },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const names = sseEventNames(res.text);
    const deltas = DEFAULT_ANSWER.chunks.map(() => 'content_block_delta');
    expect(names).toEqual([
      'message_start',
      'content_block_start',
      'ping',
      ...deltas,
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    const events = sseData(res.text).map((d) => JSON.parse(d));
    expect(events.map((e) => e.type)).toEqual(names);
    expect(events[0].message).toMatchObject({
      model: 'claude-sonnet-4-5',
      usage: { input_tokens: estimatePromptTokens([HELLO_MESSAGES]) },
    });
    const text = events
      .filter((e) => e.type === 'content_block_delta')
      .map((e) => (e.delta.type === 'text_delta' ? e.delta.text : ''))
      .join('');
    expect(text).toBe(DEFAULT_ANSWER.text);
    expect(events.at(-2)).toMatchObject({
      delta: { stop_reason: 'end_turn' },
      usage: { output_tokens: DEFAULT_ANSWER.completionTokens },
    });
    expect(res.text).not.toContain('[DONE]');
  });

  it('counts tokens', async () => {
    const res = await client.json(`${mock.url}/v1/messages/count_tokens`, {
      headers: X_API_KEY,
      body: { model: 'claude-sonnet-4-5', system: SYSTEM, messages: HELLO_MESSAGES },
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ input_tokens: estimatePromptTokens([SYSTEM, HELLO_MESSAGES]) });
  });

  it('accepts Bearer as well as x-api-key', async () => {
    const res = await client.json(`${mock.url}/v1/messages`, {
      headers: BEARER,
      body: { model: 'c', max_tokens: 8, messages: PONG_MESSAGES },
    });
    expect(res.status).toBe(200);
    expect(res.json.content[0].text).toBe('pong');
  });

  it('rejects a missing or wrong key with 401 in the Anthropic shape', async () => {
    const body = { model: 'c', max_tokens: 8, messages: HELLO_MESSAGES };
    for (const headers of [
      {} as Record<string, string>,
      { 'x-api-key': 'sk-wrong' },
      { authorization: 'Bearer sk-wrong' },
    ]) {
      const res = await client.json(`${mock.url}/v1/messages`, { headers, body });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        type: 'error',
        error: { type: 'authentication_error', message: expect.any(String) },
      });
    }
    const count = await client.json(`${mock.url}/v1/messages/count_tokens`, { body });
    expect(count.status).toBe(401);
  });

  it('answers 400 in the Anthropic shape when messages are missing', async () => {
    const res = await client.json(`${mock.url}/v1/messages`, { headers: X_API_KEY, body: { model: 'c' } });
    expect(res.status).toBe(400);
    expect(res.json.error.type).toBe('invalid_request_error');
  });
});

describe('mock upstream through the official Anthropic SDK', () => {
  const sdk = (apiKey = 'sk-mock-upstream') => new Anthropic({ apiKey, baseURL: mock.url, maxRetries: 0 });

  it('creates, streams and counts', async () => {
    const msg = await sdk().messages.create({
      model: 'claude-3-5-haiku-latest',
      max_tokens: 8,
      messages: PONG_MESSAGES as any,
    });
    expect(msg.content[0]).toMatchObject({ type: 'text', text: 'pong' });

    const final = await sdk()
      .messages.stream({ model: 'claude-3-5-haiku-latest', max_tokens: 64, messages: HELLO_MESSAGES as any })
      .finalMessage();
    expect(final.content[0]).toMatchObject({ type: 'text', text: DEFAULT_ANSWER.text });
    expect(final.usage).toMatchObject({
      input_tokens: estimatePromptTokens([HELLO_MESSAGES]),
      output_tokens: DEFAULT_ANSWER.completionTokens,
    });

    const counted = await sdk().messages.countTokens({ model: 'c', messages: HELLO_MESSAGES as any });
    expect(counted.input_tokens).toBe(estimatePromptTokens([HELLO_MESSAGES]));
  });

  it('surfaces authentication and overloaded errors with their types', async () => {
    await expect(
      sdk('sk-wrong').messages.create({ model: 'c', max_tokens: 8, messages: HELLO_MESSAGES as any }),
    ).rejects.toBeInstanceOf(Anthropic.AuthenticationError);

    mock.setFault({ mode: 'status_529', times: 1 });
    const error = await sdk()
      .messages.create({ model: 'c', max_tokens: 8, messages: HELLO_MESSAGES as any })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(529);
    expect((error as any).error).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'Overloaded' },
    });
  });
});
