import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { RuntimeUnavailableError } from './errors.ts';

export type ScriptArg = string | number;

/**
 * A Lua script run with EVALSHA (one round trip; the body is sent only once per Redis process,
 * after a NOSCRIPT reply, e.g. after a restart). Every failure becomes a RuntimeUnavailableError
 * naming the operation, so callers have exactly one error to handle.
 */
export class RedisScript {
  readonly sha: string;

  constructor(
    readonly operation: string,
    readonly lua: string,
  ) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  async run(client: Redis | Cluster, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    try {
      return await client.evalsha(this.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) {
        throw new RuntimeUnavailableError(this.operation, error);
      }
    }
    try {
      return await client.eval(this.lua, keys.length, ...keys, ...args);
    } catch (error) {
      throw new RuntimeUnavailableError(this.operation, error);
    }
  }
}

/** Runs a plain command, translating any failure into RuntimeUnavailableError. */
export async function guarded<T>(operation: string, command: Promise<T>): Promise<T> {
  try {
    return await command;
  } catch (error) {
    throw new RuntimeUnavailableError(operation, error);
  }
}

/**
 * Lua prelude shared by the scripts. Numbers are written with %.0f: Redis' default number-to-string
 * conversion keeps only 14 significant digits, which would corrupt large integers.
 */
export const LUA_FMT = `local function fmt(x) return string.format('%.0f', x) end
`;
