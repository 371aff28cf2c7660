import { describe, expect, it } from 'vitest';
import { parseCredentials } from './import-panel.tsx';

describe('parseCredentials', () => {
  it('reads a key per line, and name,key to name the account', () => {
    expect(parseCredentials(' sk-a \n\nmain,sk-b\n')).toEqual([
      { api_key: 'sk-a' },
      { name: 'main', api_key: 'sk-b' },
    ]);
  });
});
