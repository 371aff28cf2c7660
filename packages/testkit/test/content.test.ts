import { describe, expect, it } from 'vitest';
import {
  chooseAnswer,
  contentText,
  DEFAULT_ANSWER,
  errorBody,
  estimatePromptTokens,
  lastUserText,
  PONG_ANSWER,
} from '../src/index.ts';
import { compileTemplate, slot } from '../src/mock/template.ts';

describe('answers and token estimates', () => {
  it('answer chunks concatenate to the answer text', () => {
    for (const answer of [PONG_ANSWER, DEFAULT_ANSWER]) {
      expect(answer.chunks.join('')).toBe(answer.text);
      expect(answer.chunks.length).toBeGreaterThan(1);
    }
    expect(chooseAnswer('Reply With Pong Only, please')).toBe(PONG_ANSWER);
    expect(chooseAnswer('reply with ping only')).toBe(DEFAULT_ANSWER);
  });

  it('extracts text from strings, part arrays and nested content blocks', () => {
    expect(contentText('plain')).toBe('plain');
    expect(
      contentText([
        { type: 'text', text: 'a' },
        { type: 'image_url', image_url: { url: 'x' } },
        { type: 'tool_result', content: [{ type: 'text', text: 'b' }] },
        { type: 'input_text', text: 'c' },
      ]),
    ).toBe('abc');
    expect(contentText(null)).toBe('');
  });

  it('finds the last user message of chat, messages and responses inputs', () => {
    expect(lastUserText('just a string')).toBe('just a string');
    expect(
      lastUserText([
        { role: 'user', content: 'first' },
        { role: 'assistant', content: 'x' },
        { role: 'user', content: [{ type: 'input_text', text: 'second' }] },
        { role: 'assistant', content: 'y' },
      ]),
    ).toBe('second');
    expect(lastUserText([{ role: 'system', content: 's' }])).toBe('');
    expect(lastUserText(undefined)).toBe('');
  });

  it('estimates prompt tokens as ceil(text bytes / 4), at least 1, ignoring non-text fields', () => {
    expect(estimatePromptTokens([])).toBe(1);
    expect(estimatePromptTokens(['12345678'])).toBe(2);
    expect(estimatePromptTokens(['123456789'])).toBe(3);
    // 'é' is 2 bytes, '🙂' is 4.
    expect(estimatePromptTokens(['é🙂'])).toBe(2);
    const messages = [
      { role: 'user', content: 'abcd', name: 'ignored-field' },
      { role: 'assistant', content: [{ type: 'text', text: 'efgh' }] },
    ];
    expect(estimatePromptTokens([messages])).toBe(2);
    expect(estimatePromptTokens(['sys!', messages])).toBe(3);
  });

  it('builds provider error envelopes', () => {
    expect(JSON.parse(errorBody('openai', 429))).toEqual({
      error: { message: expect.any(String), type: 'requests', param: null, code: 'rate_limit_exceeded' },
    });
    expect(JSON.parse(errorBody('anthropic', 529, 'busy'))).toEqual({
      type: 'error',
      error: { type: 'overloaded_error', message: 'busy' },
    });
  });
});

describe('compileTemplate', () => {
  it('substitutes raw JSON values for slots, including repeated ones', () => {
    const render = compileTemplate({ a: slot('x'), b: [slot('y'), { c: slot('x') }], d: 'fixed' });
    const out = render({ x: 42, y: '"text"' });
    expect(JSON.parse(out)).toEqual({ a: 42, b: ['text', { c: 42 }], d: 'fixed' });
  });

  it('throws when a slot value is missing', () => {
    const render = compileTemplate({ a: slot('x') });
    expect(() => render({})).toThrow(/template value missing: x/);
  });
});
