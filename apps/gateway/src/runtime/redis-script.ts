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
    coalesceWrites(client);
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

/**
 * Commands sent to one Redis during one event-loop turn leave in one socket write: the connection's
 * socket is corked at the first and uncorked once the turn's I/O callbacks have run. On this path a
 * socket write costs more than the commands themselves (one system call each, and Redis answers a
 * pipelined batch with one write too), so the admission, health and release calls of concurrent
 * requests share writes. A Cluster client keeps its per-node sockets as they are.
 */
export function coalesceWrites(client: Redis | Cluster): void {
  const stream = (client as Partial<Redis>).stream;
  if (stream === undefined || stream.writableCorked > 0 || stream.destroyed) return;
  stream.cork();
  setImmediate(uncork, stream);
}

function uncork(stream: NonNullable<Redis['stream']>): void {
  stream.uncork();
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
