import { describe, expect, it } from 'vitest';
import { sessionIdentity } from '../../src/relay/session-identity.ts';

describe('sessionIdentity', () => {
  it('prefers x-session-id, then user, then the conversation opening', () => {
    expect(sessionIdentity('abc', { user: 'u1' })).toBe('h:abc');
    expect(sessionIdentity(undefined, { user: 'u1' })).toBe('u:u1');
    expect(sessionIdentity(undefined, { metadata: { user_id: 'm1' } })).toBe('u:m1');
  });

  it('keeps the same identity as the conversation grows', () => {
    const first = { role: 'user', content: 'plan my trip' };
    const a = sessionIdentity(undefined, { messages: [first] });
    const b = sessionIdentity(undefined, {
      messages: [first, { role: 'assistant', content: 'ok' }, { role: 'user', content: 'more' }],
    });
    expect(a).toMatch(/^c:/);
    expect(a).toBe(b);
    expect(sessionIdentity(undefined, { messages: [{ role: 'user', content: 'other' }] })).not.toBe(a);
  });

  it('ignores an unsafe header and a request without messages', () => {
    expect(sessionIdentity('bad id\n', {})).toBeUndefined();
  });
});
