import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { type ManagedProcess, type StartProcessOptions, startProcess } from './start-process.ts';

/**
 * The tsx loader as a file URL, resolved from this package so `node --import <it>` works from any
 * cwd (tsx is a workspace root dependency).
 */
export const tsxLoaderUrl: string = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface TsxProcessOptions extends Omit<StartProcessOptions, 'command' | 'args' | 'env'> {
  /** Arguments for the entry file. */
  readonly args?: readonly string[];
  /** Extra node flags, before the entry file. */
  readonly nodeArgs?: readonly string[];
}

/**
 * Runs a TypeScript entry as `node --import tsx <entry>`: one node process (no tsx wrapper), so
 * stop() signals the program itself.
 */
export function startTsxProcess(
  entryFile: string,
  env?: Readonly<Record<string, string | undefined>>,
  opts: TsxProcessOptions = {},
): Promise<ManagedProcess> {
  const { args = [], nodeArgs = [], ...rest } = opts;
  return startProcess({
    ...rest,
    command: process.execPath,
    args: [...nodeArgs, '--import', tsxLoaderUrl, entryFile, ...args],
    env,
  });
}
