import { describe, expect, it } from 'vitest';
import { parseBatchInput } from './batch-input.ts';

describe('parseBatchInput', () => {
  it('reads one key per line, or name,key, skipping blanks and # comments', () => {
    expect(parseBatchInput('sk-a\n\n# a comment\nteam-b, sk-b\r\n')).toEqual([
      { api_key: 'sk-a' },
      { name: 'team-b', api_key: 'sk-b' },
    ]);
  });

  it('reads CSV with a header in any column order, quoted cells included', () => {
    expect(parseBatchInput('api_key,name,notes\nsk-a,"Team, A",x\n"sk-""b""",,y\n,empty,z')).toEqual([
      { api_key: 'sk-a', name: 'Team, A' },
      { api_key: 'sk-"b"' },
    ]);
  });

  it('reads nothing from empty text', () => {
    expect(parseBatchInput('  \n\n')).toEqual([]);
  });
});
