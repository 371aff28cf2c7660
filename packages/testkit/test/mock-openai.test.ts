import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_ANSWER,
  DEFAULT_MOCK_MODELS,
  estimatePromptTokens,
  MOCK_EMBEDDING,
  type MockUpstream,
  startMockUpstream,
} from '../src/index.ts';
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

describe('mock upstream, OpenAI routes', () => {
  it('listens on a free loopback port and answers /healthz', async () => {
    expect(mock.url).toBe(`http://127.0.0.1:${mock.port}`);
    const res = await client.text(`${mock.url}/healthz`);
    expect(res).toMatchObject({ status: 200, text: 'ok' });
    expect(mock.counts().total).toBe(0);
  });

  it('lists models', async () => {
    const res = await client.json(`${mock.url}/v1/models`, { headers: BEARER });
    expect(res.status).toBe(200);
    expect(res.json.object).toBe('list');
    expect(res.json.data.map((m: { id: string }) => m.id)).toEqual(DEFAULT_MOCK_MODELS);
  });

  it('answers a chat completion with pong, echoing the model, with deterministic usage', async () => {
    const res = await client.json(`${mock.url}/v1/chat/completions`, {
      headers: BEARER,
      body: { model: 'gpt-4o-mini', messages: PONG_MESSAGES },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.json).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-4o-mini',
      choices: [{ index: 0, message: { role: 'assistant', content: 'pong' }, finish_reason: 'stop' }],
    });
    const promptTokens = estimatePromptTokens([PONG_MESSAGES]);
    expect(promptTokens).toBe(Math.ceil(Buffer.byteLength('Please reply with PONG only.') / 4));
    expect(res.json.usage).toMatchObject({
      prompt_tokens: promptTokens,
      completion_tokens: 1,
      total_tokens: promptTokens + 1,
    });
  });

  it('answers the fixed sentence when the last user message does not ask for pong', async () => {
    const res = await client.json(`${mock.url}/v1/chat/completions`, {
      headers: BEARER,
      body: {
        model: 'some/model',
        messages: [
          { role: 'user', content: 'reply with pong only' },
          { role: 'assistant', content: 'pong' },
          { role: 'user', content: [{ type: 'text', text: 'and now something else' }] },
        ],
      },
    });
    expect(res.json.model).toBe('some/model');
    expect(res.json.choices[0].message.content).toBe(DEFAULT_ANSWER.text);
    expect(res.json.usage.completion_tokens).toBe(DEFAULT_ANSWER.completionTokens);
  });

  it('detects pong in an array of text parts, case-insensitively', async () => {
    const res = await client.json(`${mock.url}/v1/chat/completions`, {
      headers: BEARER,
      body: {
        model: 'm',
        messages: [
          { role: 'system', content: 'be brief' },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Hi. ' },
              { type: 'text', text: 'REPLY WITH PONG ONLY' },
            ],
          },
        ],
      },
    });
    expect(res.json.choices[0].message.content).toBe('pong');
  });

  it('streams a chat completion as SSE chunks ending with [DONE], without a usage chunk by default', async () => {
    const res = await client.text(`${mock.url}/v1/chat/completions`, {
      headers: BEARER,
      body: { model: 'gpt-4o', stream: true, messages: HELLO_MESSAGES },
    });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    const data = sseData(res.text);
    expect(data.at(-1)).toBe('[DONE]');
    const chunks = data.slice(0, -1).map((d) => JSON.parse(d));
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-4o')).toBe(true);
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
    const contents = chunks.map((c) => c.choices[0].delta.content ?? '');
    expect(contents.filter((c) => c !== '').length).toBeGreaterThan(2);
    expect(contents.join('')).toBe(DEFAULT_ANSWER.text);
    expect(chunks[0].choices[0].delta.role).toBe('assistant');
    expect(chunks.at(-1).choices[0].finish_reason).toBe('stop');
  });

  it('adds a final usage chunk with empty choices when stream_options.include_usage is true', async () => {
    const res = await client.text(`${mock.url}/v1/chat/completions`, {
      headers: BEARER,
      body: {
        model: 'gpt-4o',
        stream: true,
        stream_options: { include_usage: true },
        messages: PONG_MESSAGES,
      },
    });
    const data = sseData(res.text);
    expect(data.at(-1)).toBe('[DONE]');
    const usageChunk = JSON.parse(data.at(-2) ?? '');
    const pt = estimatePromptTokens([PONG_MESSAGES]);
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toMatchObject({ prompt_tokens: pt, completion_tokens: 1, total_tokens: pt + 1 });
    const content = data
      .slice(0, -2)
      .map((d) => JSON.parse(d).choices[0].delta.content ?? '')
      .join('');
    expect(content).toBe('pong');
  });

  it('returns embeddings, one per input, as floats or base64', async () => {
    const floats = await client.json(`${mock.url}/v1/embeddings`, {
      headers: BEARER,
      body: { model: 'text-embedding-3-small', input: ['a', 'bb'] },
    });
    expect(floats.status).toBe(200);
    expect(floats.json.model).toBe('text-embedding-3-small');
    expect(floats.json.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    expect(floats.json.data[1].embedding).toEqual(MOCK_EMBEDDING);
    expect(floats.json.usage).toEqual({ prompt_tokens: 1, total_tokens: 1 });

    const b64 = await client.json(`${mock.url}/v1/embeddings`, {
      headers: BEARER,
      body: { model: 'e', input: 'x', encoding_format: 'base64' },
    });
    const bytes = Buffer.from(b64.json.data[0].embedding, 'base64');
    expect(Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4))).toEqual(
      MOCK_EMBEDDING,
    );
  });

  it('answers the Responses API, plain and streamed', async () => {
    const plain = await client.json(`${mock.url}/v1/responses`, {
      headers: BEARER,
      body: { model: 'gpt-4.1-mini', input: 'reply with pong only' },
    });
    expect(plain.json).toMatchObject({
      object: 'response',
      status: 'completed',
      model: 'gpt-4.1-mini',
      output: [{ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'pong' }] }],
      usage: { input_tokens: 5, output_tokens: 1, total_tokens: 6 },
    });

    const stream = await client.text(`${mock.url}/v1/responses`, {
      headers: BEARER,
      body: { model: 'gpt-4.1-mini', stream: true, input: [{ role: 'user', content: 'Hello' }] },
    });
    const names = sseEventNames(stream.text);
    expect(names[0]).toBe('response.created');
    expect(names.at(-1)).toBe('response.completed');
    expect(names.filter((n) => n === 'response.output_text.delta').length).toBeGreaterThan(2);
    const events = sseData(stream.text).map((d) => JSON.parse(d));
    expect(events.map((e) => e.type)).toEqual(names);
    expect(events.map((e) => e.sequence_number)).toEqual(names.map((_, i) => i));
    const deltas = events.filter((e) => e.type === 'response.output_text.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe(DEFAULT_ANSWER.text);
    expect(events.at(-1).response.usage).toMatchObject({
      input_tokens: 2,
      output_tokens: 8,
      total_tokens: 10,
    });
  });

  it('rejects a missing or wrong key, and x-api-key, with 401 in the OpenAI shape', async () => {
    const body = { model: 'm', messages: HELLO_MESSAGES };
    for (const headers of [
      {} as Record<string, string>,
      { authorization: 'Bearer sk-wrong' },
      { 'x-api-key': 'sk-mock-upstream' },
    ]) {
      const res = await client.json(`${mock.url}/v1/chat/completions`, { headers, body });
      expect(res.status).toBe(401);
      expect(res.json).toEqual({
        error: {
          message: expect.any(String),
          type: 'invalid_request_error',
          param: null,
          code: 'invalid_api_key',
        },
      });
    }
    const models = await client.json(`${mock.url}/v1/models`);
    expect(models.status).toBe(401);
  });

  it('accepts a lowercase bearer scheme', async () => {
    const res = await client.text(`${mock.url}/v1/models`, {
      headers: { authorization: 'bearer sk-mock-upstream' },
    });
    expect(res.status).toBe(200);
  });

  it('answers 400 to malformed JSON or a missing model/messages, and 404 to an unknown path', async () => {
    const bad = await client.json(`${mock.url}/v1/chat/completions`, {
      headers: BEARER,
      rawBody: '{"model":',
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.type).toBe('invalid_request_error');
    const noModel = await client.json(`${mock.url}/v1/chat/completions`, {
      headers: BEARER,
      body: { messages: HELLO_MESSAGES },
    });
    expect(noModel.status).toBe(400);
    const noMessages = await client.json(`${mock.url}/v1/chat/completions`, {
      headers: BEARER,
      body: { model: 'm' },
    });
    expect(noMessages.status).toBe(400);
    const unknown = await client.json(`${mock.url}/v1/nope`, { headers: BEARER });
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.code).toBe('unknown_url');
  });

  it('counts requests per path and keeps the last ones with headers and parsed body', async () => {
    await client.text(`${mock.url}/v1/models?limit=1`, { headers: BEARER });
    await client.text(`${mock.url}/v1/chat/completions`, {
      headers: { ...BEARER, 'x-trace': 'abc' },
      body: { model: 'm', messages: HELLO_MESSAGES },
    });
    await client.text(`${mock.url}/v1/chat/completions`, { body: { model: 'm', messages: HELLO_MESSAGES } });
    expect(mock.counts()).toEqual({ total: 3, byPath: { '/v1/models': 1, '/v1/chat/completions': 2 } });
    const [first, second, third] = mock.lastRequests;
    expect(first).toMatchObject({ method: 'GET', path: '/v1/models', body: null });
    expect(second).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      headers: { 'x-trace': 'abc', authorization: 'Bearer sk-mock-upstream' },
      body: { model: 'm', messages: HELLO_MESSAGES },
    });
    expect(third?.headers.authorization).toBeUndefined();
    mock.resetCounts();
    expect(mock.counts()).toEqual({ total: 0, byPath: {} });
    expect(mock.lastRequests).toEqual([]);
  });

  it('keeps only the most recent requests in its ring buffer', async () => {
    const small = await startMockUpstream({ recordLimit: 2 });
    try {
      for (const model of ['a', 'b', 'c']) {
        await client.text(`${small.url}/v1/chat/completions`, {
          headers: BEARER,
          body: { model, messages: HELLO_MESSAGES },
        });
      }
      expect(small.lastRequests.map((r) => (r.body as { model: string }).model)).toEqual(['b', 'c']);
      expect(small.counts().total).toBe(3);
    } finally {
      await small.close();
    }
  });

  it('serves the Anthropic model listing on /v1/models when anthropic-version is sent', async () => {
    const res = await client.json(`${mock.url}/v1/models`, { headers: X_API_KEY });
    expect(res.status).toBe(200);
    expect(res.json.data[0]).toMatchObject({ type: 'model', id: DEFAULT_MOCK_MODELS[0] });
    expect(res.json.has_more).toBe(false);
  });
});

describe('mock upstream through the official openai SDK', () => {
  const sdk = () => new OpenAI({ apiKey: 'sk-mock-upstream', baseURL: `${mock.url}/v1`, maxRetries: 0 });

  it('chat, streamed chat with usage, embeddings and responses all parse', async () => {
    const chat = await sdk().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: PONG_MESSAGES as any,
    });
    expect(chat.choices[0]?.message.content).toBe('pong');

    const stream = await sdk().chat.completions.create({
      model: 'gpt-4o-mini',
      messages: HELLO_MESSAGES as any,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(DEFAULT_ANSWER.text);
    expect(usage?.completion_tokens).toBe(DEFAULT_ANSWER.completionTokens);

    // The SDK asks for base64 and decodes it.
    const emb = await sdk().embeddings.create({ model: 'text-embedding-3-small', input: 'hello' });
    expect(emb.data[0]?.embedding).toEqual(MOCK_EMBEDDING);

    const resp = await sdk().responses.create({ model: 'gpt-4.1-mini', input: 'reply with pong only' });
    expect(resp.output_text).toBe('pong');

    const final = await sdk()
      .responses.stream({ model: 'gpt-4.1-mini', input: 'reply with pong only' })
      .finalResponse();
    expect(final.output_text).toBe('pong');
    expect(final.usage?.output_tokens).toBe(1);
  });

  it('surfaces an authentication error for a wrong key', async () => {
    const bad = new OpenAI({ apiKey: 'sk-wrong', baseURL: `${mock.url}/v1`, maxRetries: 0 });
    await expect(bad.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });
});
