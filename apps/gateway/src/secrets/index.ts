/** Secrets at rest: the credential key, AES-256-GCM envelopes, fingerprints and tenant API keys. */

export { API_KEY_PREFIX, type GeneratedApiKey, generateApiKey, hashApiKey } from './api-key-secret.ts';
export { type CredentialCipher, createCredentialCipher, SecretDecryptError } from './credential-cipher.ts';
export { fingerprint } from './fingerprint.ts';
export {
  type LoadSecretKeyOptions,
  loadSecretKey,
  parseSecretKey,
  SECRET_KEY_BYTES,
  SECRET_KEY_FILE,
} from './secret-key.ts';
