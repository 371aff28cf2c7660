import { open, readFile, rm } from 'node:fs/promises';

/**
 * One publish at a time per pack repository: a promise chain for this process and a lock file (created
 * exclusively, holding the owner's pid) for other manager processes on the same working tree. A lock file
 * left by a process that no longer runs is taken over.
 */
export class RepoLock {
  #tail: Promise<unknown> = Promise.resolve();

  async withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T | 'busy'> {
    const previous = this.#tail;
    let release: () => void = () => undefined;
    this.#tail = new Promise<void>((resolve) => {
      release = resolve;
    });
    await previous;
    try {
      if (!(await acquire(lockFile))) return 'busy';
      try {
        return await fn();
      } finally {
        await rm(lockFile, { force: true });
      }
    } finally {
      release();
    }
  }
}

async function acquire(lockFile: string): Promise<boolean> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockFile, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number.parseInt(await readFile(lockFile, 'utf8').catch(() => ''), 10);
      if (Number.isInteger(owner) && owner > 0 && isAlive(owner)) return false;
      await rm(lockFile, { force: true });
    }
  }
  return false;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
