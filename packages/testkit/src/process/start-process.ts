import { type ChildProcess, spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { waitForHttp } from '../wait.ts';
import { OutputTail } from './output-tail.ts';

export interface StartProcessOptions {
  /** The program itself (not a wrapper such as pnpm): stop() signals this PID only. */
  readonly command: string;
  readonly args?: readonly string[];
  /** Added to (or, with `undefined`, removed from) the inherited environment. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Start from an empty environment instead of this process's (default false). */
  readonly cleanEnv?: boolean;
  readonly cwd?: string;
  /** Polled with GET until it answers `readyStatus` (default: every 2xx); `url` is its origin. */
  readonly readyUrl?: string;
  readonly readyStatus?: number;
  /** Deadline for readiness (default 20 s); the process is killed when it is missed. */
  readonly timeoutMs?: number;
  /** Characters of stdout and of stderr kept (default 64 KiB each). */
  readonly outputLimit?: number;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface WaitForOutputOptions {
  readonly timeoutMs?: number;
  readonly stream?: 'stdout' | 'stderr';
}

export interface ManagedProcess {
  readonly pid: number;
  /** Origin of `readyUrl`, e.g. `http://127.0.0.1:8080`. */
  readonly url: string | undefined;
  /** The last `outputLimit` characters written so far. */
  readonly stdout: string;
  readonly stderr: string;
  /** Set once the process has exited. */
  readonly exitInfo: ProcessExit | undefined;
  /** Resolves when the process exits (never rejects). */
  readonly exited: Promise<ProcessExit>;
  /** Resolves with the first match of `pattern` in the output (default stdout, 10 s); rejects on exit. */
  waitForOutput(pattern: RegExp, opts?: WaitForOutputOptions): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM), then SIGKILL if the process is still alive after `timeoutMs` (default 5 s). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<ProcessExit>;
}

// Children still alive when this process exits (a crashed test run) are killed, never leaked.
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of liveChildren) child.kill('SIGKILL');
  });
}

function buildEnv(opts: StartProcessOptions): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = opts.cleanEnv === true ? {} : { ...process.env };
  for (const [key, value] of Object.entries(opts.env ?? {})) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

function describeCommand(opts: StartProcessOptions): string {
  return [opts.command, ...(opts.args ?? [])].join(' ');
}

function tail(text: string, max = 4000): string {
  return text.length > max ? `…${text.slice(-max)}` : text;
}

/**
 * Starts a child process, captures its output and, with `readyUrl`, resolves only once it answers
 * there. If it exits or misses the deadline first, it is killed and the error quotes its output.
 */
export async function startProcess(opts: StartProcessOptions): Promise<ManagedProcess> {
  const limit = opts.outputLimit ?? 64 * 1024;
  const out = { stdout: new OutputTail(limit), stderr: new OutputTail(limit) };
  const events = new EventEmitter();
  const child = spawn(opts.command, [...(opts.args ?? [])], {
    cwd: opts.cwd,
    env: buildEnv(opts),
    stdio: ['ignore', 'pipe', 'pipe'],
  });

  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`startProcess: no pid for ${describeCommand(opts)}`);
  installExitHook();
  liveChildren.add(child);
  // Later errors (a failed kill) must not crash the test process; the exit is what callers watch.
  child.on('error', () => undefined);

  let exitInfo: ProcessExit | undefined;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal };
      liveChildren.delete(child);
      events.emit('exit');
      resolve(exitInfo);
    });
  });
  child.stdout?.setEncoding('utf8');
  child.stderr?.setEncoding('utf8');
  child.stdout?.on('data', (chunk: string) => {
    out.stdout.append(chunk);
    events.emit('output');
  });
  child.stderr?.on('data', (chunk: string) => {
    out.stderr.append(chunk);
    events.emit('output');
  });

  const outputSummary = (): string =>
    `\n--- stderr ---\n${tail(out.stderr.text)}\n--- stdout ---\n${tail(out.stdout.text)}`;

  async function stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 5000): Promise<ProcessExit> {
    if (exitInfo !== undefined) return exitInfo;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const escalated = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    const result = await Promise.race([exited, escalated]);
    clearTimeout(timer);
    if (result !== undefined) return result;
    child.kill('SIGKILL');
    return exited;
  }

  function waitForOutput(pattern: RegExp, wopts: WaitForOutputOptions = {}): Promise<RegExpMatchArray> {
    const stream = wopts.stream ?? 'stdout';
    const timeoutMs = wopts.timeoutMs ?? 10_000;
    return new Promise((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        events.off('output', check);
        events.off('exit', onExit);
      };
      const check = (): void => {
        const match = out[stream].text.match(pattern);
        if (match !== null) {
          cleanup();
          resolve(match);
        }
      };
      const onExit = (): void => {
        check();
        cleanup();
        reject(
          new Error(
            `process ${pid} exited (${JSON.stringify(exitInfo)}) before printing ${pattern}${outputSummary()}`,
          ),
        );
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`process ${pid} did not print ${pattern} within ${timeoutMs} ms${outputSummary()}`));
      }, timeoutMs);
      events.on('output', check);
      events.on('exit', onExit);
      check();
      if (exitInfo !== undefined) onExit();
    });
  }

  const managed: ManagedProcess = {
    pid,
    url: opts.readyUrl === undefined ? undefined : new URL(opts.readyUrl).origin,
    get stdout() {
      return out.stdout.text;
    },
    get stderr() {
      return out.stderr.text;
    },
    get exitInfo() {
      return exitInfo;
    },
    exited,
    waitForOutput,
    stop,
  };

  if (opts.readyUrl !== undefined) {
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const abort = new AbortController();
    const earlyExit = exited.then((info) => {
      throw new Error(`process exited (${JSON.stringify(info)}) before ${opts.readyUrl} was ready`);
    });
    try {
      await Promise.race([
        waitForHttp(opts.readyUrl, { status: opts.readyStatus, timeoutMs, signal: abort.signal }),
        earlyExit,
      ]);
    } catch (error) {
      abort.abort();
      await stop('SIGKILL');
      const reason = error instanceof Error ? error.message : String(error);
      throw new Error(`startProcess: ${describeCommand(opts)} was not ready: ${reason}${outputSummary()}`);
    } finally {
      abort.abort();
      earlyExit.catch(() => undefined);
    }
  }
  return managed;
}
