import { describe, expect, it } from 'vitest';
import { SseTap, splitEvents, textCharacters } from '../../src/relay/sse-tap.ts';

const chunk = (content: string) =>
  `data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"${content}"}}]}\n\n`;
const usageChunk =
  'data: {"id":"c1","object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,"completion_tokens":3,"prompt_tokens_details":{"cached_tokens":4}}}\n\n';
const done = 'data: [DONE]\n\n';

function run(tap: SseTap, pieces: string[]): string {
  let out = '';
  for (const piece of pieces) {
    const sent = tap.push(Buffer.from(piece, 'utf8'));
    if (sent) out += sent.toString('utf8');
  }
  const rest = tap.end();
  if (rest) out += rest.toString('utf8');
  return out;
}

describe('SseTap', () => {
  it('passes bytes through untouched and reads usage when not stripping', () => {
    const tap = new SseTap({ stripUsageChunk: false });
    const input = chunk('Hel') + chunk('lo') + usageChunk + done;
    const first = Buffer.from(input);
    expect(tap.push(first)).toBe(first);
    expect(tap.end()).toBeUndefined();
    expect(tap.usage.finish({ promptCharacters: 0, completionCharacters: 0 })).toEqual({
      promptTokens: 12,
      completionTokens: 3,
      cachedTokens: 4,
      cacheWriteTokens: 0,
      estimated: false,
    });
    expect(tap.sawDone).toBe(true);
  });

  it('removes only the usage chunk when stripping, across arbitrary chunk boundaries', () => {
    const input = chunk('Hel') + chunk('lo') + usageChunk + done;
    for (const size of [1, 7, 33, input.length]) {
      const pieces: string[] = [];
      for (let i = 0; i < input.length; i += size) pieces.push(input.slice(i, i + size));
      const tap = new SseTap({ stripUsageChunk: true });
      expect(run(tap, pieces)).toBe(chunk('Hel') + chunk('lo') + done);
      expect(tap.usage.promptTokens).toBe(12);
    }
  });

  it('keeps multi-byte characters intact when a chunk splits them', () => {
    const input = chunk('héllo 世界') + done;
    const bytes = Buffer.from(input, 'utf8');
    const tap = new SseTap({ stripUsageChunk: true });
    let out = '';
    for (let i = 0; i < bytes.length; i += 5) {
      const sent = tap.push(bytes.subarray(i, i + 5));
      if (sent) out += sent.toString('utf8');
    }
    expect(out).toBe(input);
  });

  it('reads Anthropic usage from message_start and message_delta, cache reads counted in the prompt', () => {
    const tap = new SseTap({ stripUsageChunk: false });
    run(tap, [
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m","usage":{"input_tokens":20,"output_tokens":1,"cache_read_input_tokens":5}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"pong"}}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":2}}\n\n',
    ]);
    expect(tap.usage.finish({ promptCharacters: 0, completionCharacters: 0 })).toEqual({
      promptTokens: 25,
      completionTokens: 2,
      cachedTokens: 5,
      cacheWriteTokens: 0,
      estimated: false,
    });
  });

  it('estimates from delivered text when the upstream reports no usage', () => {
    const tap = new SseTap({ stripUsageChunk: false });
    run(tap, [chunk('abcdefgh'), chunk('ij'), done]);
    expect(tap.completionCharacters).toBe(10);
    expect(
      tap.usage.finish({ promptCharacters: 40, completionCharacters: tap.completionCharacters }),
    ).toEqual({
      promptTokens: 10,
      completionTokens: 3,
      cachedTokens: 0,
      cacheWriteTokens: 0,
      estimated: true,
    });
  });
});

describe('splitEvents and textCharacters', () => {
  it('splits LF and CRLF events and keeps the remainder', () => {
    expect(splitEvents('data: a\n\ndata: b\r\n\r\ndata: c')).toEqual({
      events: ['data: a\n\n', 'data: b\r\n\r\n'],
      rest: 'data: c',
    });
  });

  it('counts an escaped character as one', () => {
    expect(textCharacters('{"content":"a\\"b\\n"}')).toBe(4);
  });
});
