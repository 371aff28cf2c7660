export type { ChecksumEntry, ChecksumProblem, ChecksumProblemCode } from './checksums.ts';
export {
  CHECKSUMS_FILE,
  computeChecksums,
  formatChecksums,
  parseChecksums,
  verifyChecksums,
  writeChecksums,
} from './checksums.ts';
export { ID_PATTERN } from './ids.ts';
export type { LoadedPack, LoadedProvider, PackRepository } from './load-pack-repository.ts';
export { listRepositoryErrors, loadPackRepository } from './load-pack-repository.ts';
export type { FieldError, PackError, PackErrorCode } from './pack-error.ts';
export {
  bumpPackVersion,
  formatManifestJson,
  PACK_MANIFEST_FILE,
  PROVIDERS_DIR,
  writeProviderManifest,
} from './pack-files.ts';
export type { PackManifest } from './pack-manifest-schema.ts';
export { packManifestSchema } from './pack-manifest-schema.ts';
export type { ModelPrice, ProviderManifest, ProviderModel } from './provider-manifest-schema.ts';
export { modelPriceSchema, providerManifestSchema, providerModelSchema } from './provider-manifest-schema.ts';
export type { CliIo } from './run-cli.ts';
export { runCli } from './run-cli.ts';
export type { Semver } from './semver.ts';
export { bumpPatch, formatSemver, isSemver, parseSemver } from './semver.ts';
export type { ProviderManifestValidation } from './validate-provider-manifest.ts';
export { validateProviderManifest } from './validate-provider-manifest.ts';
export { writeFileAtomic } from './write-file-atomic.ts';
