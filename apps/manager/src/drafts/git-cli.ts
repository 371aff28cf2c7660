import { execFile } from 'node:child_process';

export class GitCommandError extends Error {
  override name = 'GitCommandError';
  constructor(
    readonly args: readonly string[],
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(`git ${args.join(' ')} failed (exit ${exitCode ?? 'signal'}): ${stderr.trim().slice(0, 500)}`);
  }
}

/**
 * The git command line in one working tree (ADR 0014): no shell, a fixed environment that ignores the
 * caller's pager, editor and prompts, and the author/committer given per call.
 */
export class GitCli {
  constructor(
    readonly cwd: string,
    private readonly timeoutMs = 30_000,
  ) {}

  run(args: readonly string[], env: Record<string, string> = {}): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        'git',
        args,
        {
          cwd: this.cwd,
          timeout: this.timeoutMs,
          maxBuffer: 16 * 1024 * 1024,
          env: {
            ...process.env,
            GIT_TERMINAL_PROMPT: '0',
            GIT_PAGER: 'cat',
            GIT_EDITOR: 'true',
            LC_ALL: 'C',
            ...env,
          },
        },
        (error, stdout, stderr) => {
          if (error === null) resolve(stdout);
          else {
            const code = typeof error.code === 'number' ? error.code : null;
            reject(new GitCommandError(args, code, String(stderr || error.message)));
          }
        },
      );
    });
  }

  /** Like run, but a failing command resolves to undefined (for questions such as "is there an upstream?"). */
  async ask(args: readonly string[]): Promise<string | undefined> {
    try {
      return (await this.run(args)).trim();
    } catch (error) {
      if (error instanceof GitCommandError) return undefined;
      throw error;
    }
  }
}
