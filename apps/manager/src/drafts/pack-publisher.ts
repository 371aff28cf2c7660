import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ProviderManifest } from '@relay/manifests';
import {
  bumpPackVersion,
  CHECKSUMS_FILE,
  loadPackRepository,
  PACK_MANIFEST_FILE,
  PROVIDERS_DIR,
  writeChecksums,
  writeProviderManifest,
} from '@relay/manifests';
import { ManagerError } from '../errors.ts';
import { GitCli, GitCommandError } from './git-cli.ts';
import { RepoLock } from './repo-lock.ts';

/** The steps of a publish, in order; a failure at any of them restores the repository. */
export const PUBLISH_STEPS = [
  'write_provider',
  'bump_version',
  'write_checksums',
  'validate_pack',
  'git_add',
  'git_commit',
  'mark_published',
] as const;
export type PublishStep = (typeof PUBLISH_STEPS)[number];

export type PublishRequest = {
  packId: string;
  manifest: ProviderManifest;
  /** Records the outcome (the draft becomes published); a throw undoes the commit. */
  markPublished: (version: string, commit: string) => void;
  /** Takes the mark back when a later step fails. */
  unmarkPublished: () => void;
};

export type PublishResult = { packVersion: string; commit: string };

export type PackPublisherOptions = {
  repoRoot: string | undefined;
  /** `name <email>`, author and committer of publish commits. */
  gitAuthor: string;
  /** Test seam: runs after each step; a throw there is a failure of that step. */
  afterStep?: (step: PublishStep) => void | Promise<void>;
};

type Original = { file: string; bytes: Buffer | undefined };

/**
 * Publishes a provider manifest into the pack repository as one git commit (manager.md §7): under the
 * repository lock, on a clean and not-behind working tree, write the provider file atomically, bump the
 * pack's patch version, rewrite checksums.txt, validate the whole repository, commit. Any failure puts
 * the working tree, the index and HEAD back as they were.
 */
export class PackPublisher {
  readonly #lock = new RepoLock();

  constructor(private readonly options: PackPublisherOptions) {}

  async publish(request: PublishRequest): Promise<PublishResult> {
    const git = await this.#repository();
    const lockFile = path.resolve(
      git.cwd,
      await git.run(['rev-parse', '--git-path', 'relay-manager-publish.lock']).then((s) => s.trim()),
    );
    const result = await this.#lock.withLock(lockFile, () => this.#publishLocked(git, request));
    if (result === 'busy') {
      throw new ManagerError('REPO_BUSY', 'another publish holds the pack repository lock; try again');
    }
    return result;
  }

  async #repository(): Promise<GitCli> {
    const root = this.options.repoRoot;
    if (root === undefined) {
      throw new ManagerError(
        'REPO_NOT_GIT',
        'MANAGER_REPO_ROOT is not set: there is no pack repository to publish to',
      );
    }
    const git = new GitCli(root);
    const inside = await git.ask(['rev-parse', '--is-inside-work-tree']);
    if (inside !== 'true') {
      throw new ManagerError(
        'REPO_NOT_GIT',
        `MANAGER_REPO_ROOT (${root}) is not a git working tree; publish needs one`,
      );
    }
    return git;
  }

  async #publishLocked(git: GitCli, request: PublishRequest): Promise<PublishResult> {
    const head = await git.ask(['rev-parse', '--verify', 'HEAD']);
    if (head === undefined) {
      throw new ManagerError('REPO_NOT_GIT', 'the pack repository has no commit yet; commit its packs first');
    }
    await this.#refuseUnsafeTree(git);

    const root = this.options.repoRoot ?? git.cwd;
    const packDir = path.join(root, 'packs', request.packId);
    const files = [
      path.join(packDir, PROVIDERS_DIR, `${request.manifest.id}.json`),
      path.join(packDir, PACK_MANIFEST_FILE),
      path.join(packDir, CHECKSUMS_FILE),
    ];
    const originals: Original[] = await Promise.all(
      files.map(async (file) => ({ file, bytes: await readFile(file).catch(() => undefined) })),
    );
    const after = async (step: PublishStep) => {
      await this.options.afterStep?.(step);
    };

    let committed = false;
    let marked = false;
    try {
      await writeProviderManifest(packDir, request.manifest);
      await after('write_provider');
      const { to } = await bumpPackVersion(packDir);
      await after('bump_version');
      await writeChecksums(packDir);
      await after('write_checksums');
      await validateRepository(root, request.packId);
      await after('validate_pack');
      await git.run(['add', '--', ...files]);
      await after('git_add');
      const [name, email] = splitAuthor(this.options.gitAuthor);
      const identity = {
        GIT_AUTHOR_NAME: name,
        GIT_AUTHOR_EMAIL: email,
        GIT_COMMITTER_NAME: name,
        GIT_COMMITTER_EMAIL: email,
      };
      const message = `packs/${request.packId}: publish provider ${request.manifest.id} (pack version ${to})`;
      await git.run(
        ['-c', 'commit.gpgsign=false', 'commit', '--quiet', '-m', message, '--', ...files],
        identity,
      );
      committed = true;
      const commit = (await git.run(['rev-parse', 'HEAD'])).trim();
      await after('git_commit');
      request.markPublished(to, commit);
      marked = true;
      await after('mark_published');
      return { packVersion: to, commit };
    } catch (error) {
      if (marked) request.unmarkPublished();
      await restore(git, head, originals, committed);
      if (error instanceof ManagerError) throw error;
      const detail = error instanceof GitCommandError ? error.message : (error as Error).message;
      throw new ManagerError('PUBLISH_FAILED', `publish failed and the repository was restored: ${detail}`);
    }
  }

  async #refuseUnsafeTree(git: GitCli): Promise<void> {
    const status = await git.run(['status', '--porcelain', '--untracked-files=all']);
    if (status.trim() !== '') {
      const paths = status
        .split('\n')
        .filter((line) => line !== '')
        .slice(0, 20)
        .map((line) => line.slice(3));
      throw new ManagerError(
        'REPO_DIRTY',
        'the pack repository has uncommitted changes; commit or discard them before publishing',
        { paths },
      );
    }
    const branch = await git.ask(['symbolic-ref', '--quiet', '--short', 'HEAD']);
    if (branch === undefined) {
      throw new ManagerError(
        'REPO_DIVERGED',
        'the pack repository is on a detached HEAD; check out a branch',
      );
    }
    const upstream = await git.ask(['rev-parse', '--abbrev-ref', '--symbolic-full-name', '@{upstream}']);
    if (upstream === undefined) return;
    const behind = Number.parseInt((await git.ask(['rev-list', '--count', 'HEAD..@{upstream}'])) ?? '0', 10);
    if (behind > 0) {
      throw new ManagerError(
        'REPO_DIVERGED',
        `branch ${branch} is ${behind} commit(s) behind ${upstream}; bring it up to date before publishing`,
        { branch, upstream, behind },
      );
    }
  }
}

/** Validates the whole repository as it is on disk now; a problem in the published pack refuses the publish. */
async function validateRepository(root: string, packId: string): Promise<void> {
  const repository = await loadPackRepository(root);
  const pack = repository.packs.find((p) => p.id === packId);
  const errors = [...repository.errors, ...(pack?.errors ?? [])];
  if (pack === undefined || errors.length > 0) {
    throw new ManagerError(
      'PACK_INVALID',
      `the pack would not validate after the publish: ${errors[0]?.message ?? `pack ${packId} is missing`}`,
      {
        errors: errors.map((e) => ({ file: e.file, field: e.field, code: e.code, message: e.message })),
      },
    );
  }
}

/** Puts HEAD and the index back on `head`, then every touched file back to its original bytes. */
async function restore(git: GitCli, head: string, originals: Original[], committed: boolean): Promise<void> {
  if (committed) await git.run(['reset', '--quiet', '--soft', head]);
  await git.run(['reset', '--quiet', head, '--', ...originals.map((o) => o.file)]).catch(() => undefined);
  for (const original of originals) {
    if (original.bytes === undefined) await rm(original.file, { force: true });
    else await writeBytesAtomic(original.file, original.bytes);
  }
}

async function writeBytesAtomic(file: string, bytes: Buffer): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.restore`;
  await writeFile(temp, bytes);
  await rename(temp, file);
}

function splitAuthor(author: string): [string, string] {
  const match = /^(.+?) <([^<>\s]+)>$/.exec(author);
  return match?.[1] !== undefined && match[2] !== undefined
    ? [match[1], match[2]]
    : [author, 'relay-manager@localhost'];
}
