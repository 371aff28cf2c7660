import path from 'node:path';
import { writeChecksums } from './checksums.ts';
import { listRepositoryErrors, loadPackRepository } from './load-pack-repository.ts';

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** Relative directories are resolved against it; defaults to process.cwd(). */
  cwd?: string;
}

const USAGE = [
  'usage: relay-packs <command> <dir>',
  '  validate <dir>        validate a pack repository (its root, or its packs/ directory)',
  '  checksums <packDir>   rewrite <packDir>/checksums.txt from the pack files',
];

/**
 * The relay-packs command line, in-process: `argv` are the arguments after the script name.
 * Resolves to the exit code: 0 ok, 1 validation errors, 2 usage errors.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, dir, ...rest] = argv;
  if (command === 'help' || command === '--help' || command === '-h') {
    for (const line of USAGE) io.stdout(line);
    return 0;
  }
  if ((command !== 'validate' && command !== 'checksums') || dir === undefined || rest.length > 0) {
    if (command !== undefined && command !== 'validate' && command !== 'checksums') {
      io.stderr(`relay-packs: unknown command "${command}"`);
    }
    for (const line of USAGE) io.stderr(line);
    return 2;
  }
  const target = path.resolve(io.cwd ?? process.cwd(), dir);

  if (command === 'checksums') {
    try {
      const entries = await writeChecksums(target);
      io.stdout(`wrote ${path.join(target, 'checksums.txt')} (${entries.length} files)`);
      return 0;
    } catch (error) {
      io.stderr(`relay-packs: cannot write checksums for ${target}: ${(error as Error).message}`);
      return 1;
    }
  }

  const repository = await loadPackRepository(target);
  const errors = listRepositoryErrors(repository);
  for (const error of errors) io.stderr(error.message);
  if (errors.length > 0) {
    const invalid = repository.packs.filter((pack) => !pack.valid).length;
    io.stderr(`${errors.length} error(s); ${invalid} of ${repository.packs.length} pack(s) invalid`);
    return 1;
  }
  const providers = repository.packs.flatMap((pack) => pack.providers);
  const models = providers.reduce((sum, provider) => sum + (provider.manifest?.models.length ?? 0), 0);
  io.stdout(
    `OK: ${repository.packs.length} pack(s), ${providers.length} provider(s), ${models} model(s) in ${repository.packsDir}`,
  );
  return 0;
}
