import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../src/run-cli.ts';
import { BUILTIN_PACKS, copyBuiltinPacks, editJsonFile } from './helpers.ts';

async function run(argv: string[], cwd?: string) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await runCli(argv, {
    stdout: (line) => stdout.push(line),
    stderr: (line) => stderr.push(line),
    ...(cwd ? { cwd } : {}),
  });
  return { code, stdout, stderr };
}

describe('relay-packs', () => {
  let cleanup: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await cleanup?.();
    cleanup = undefined;
  });

  it('validate prints a one-line summary and exits 0 on the built-in packs', async () => {
    const result = await run(['validate', BUILTIN_PACKS]);
    expect(result).toEqual({
      code: 0,
      stdout: [expect.stringMatching(/^OK: 2 pack\(s\), 8 provider\(s\), \d+ model\(s\) in /)],
      stderr: [],
    });
  });

  it('validate accepts the repository root and a relative directory', async () => {
    const copy = await copyBuiltinPacks();
    cleanup = copy.cleanup;
    expect((await run(['validate', '.'], copy.root)).code).toBe(0);
    expect((await run(['validate', 'packs'], copy.root)).code).toBe(0);
  });

  it('validate prints "<file>: <field>: <message>" per error and exits 1', async () => {
    const copy = await copyBuiltinPacks();
    cleanup = copy.cleanup;
    await editJsonFile(path.join(copy.packs, 'cn/providers/deepseek.json'), (m) => {
      m.models[0].price.input = -1;
    });

    const result = await run(['validate', copy.root]);
    expect(result.code).toBe(1);
    expect(result.stdout).toEqual([]);
    expect(result.stderr).toEqual([
      'packs/cn/providers/deepseek.json: models.0.price.input: must be a non-negative number (USD per 1M tokens)',
      expect.stringMatching(
        /^packs\/cn\/checksums\.txt: providers\/deepseek\.json: sha256 is [0-9a-f]{12}… but/,
      ),
      '2 error(s); 1 of 2 pack(s) invalid',
    ]);
  });

  it('checksums rewrites checksums.txt so the edited pack validates again', async () => {
    const copy = await copyBuiltinPacks();
    cleanup = copy.cleanup;
    const packDir = path.join(copy.packs, 'cn');
    await editJsonFile(path.join(packDir, 'providers/deepseek.json'), (m) => {
      m.models[0].price.input = 0.3;
    });
    const before = await readFile(path.join(packDir, 'checksums.txt'), 'utf8');

    const result = await run(['checksums', 'packs/cn'], copy.root);
    expect(result).toEqual({
      code: 0,
      stdout: [`wrote ${path.join(packDir, 'checksums.txt')} (6 files)`],
      stderr: [],
    });
    expect(await readFile(path.join(packDir, 'checksums.txt'), 'utf8')).not.toBe(before);
    expect((await run(['validate', copy.root])).code).toBe(0);
  });

  it('validate reports a directory that does not exist', async () => {
    const copy = await copyBuiltinPacks();
    cleanup = copy.cleanup;
    const result = await run(['validate', 'missing'], copy.root);
    expect(result.code).toBe(1);
    expect(result.stderr[0]).toMatch(/^missing: .*is not a directory of packs$/);
  });

  it.each([[[]], [['validate']], [['frobnicate', 'x']], [['validate', 'a', 'b']]])(
    'exits 2 with usage for %j',
    async (argv) => {
      const result = await run(argv);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('usage: relay-packs <command> <dir>');
    },
  );

  it('help prints usage and exits 0', async () => {
    const result = await run(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout[0]).toBe('usage: relay-packs <command> <dir>');
  });

  it('the bin script runs the CLI and sets the exit code', async () => {
    const bin = fileURLToPath(new URL('../bin/relay-packs.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [bin, 'validate', BUILTIN_PACKS]);
    expect(stdout).toMatch(/^OK: 2 pack\(s\)/);
    await expect(
      promisify(execFile)(process.execPath, [bin, 'validate', '/nonexistent/packs']),
    ).rejects.toMatchObject({
      code: 1,
    });
  });
});
