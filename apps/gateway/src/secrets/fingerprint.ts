/** The credential fingerprint lives in @relay/schemas: the manager computes the same to compare credentials. */
export { credentialFingerprint as fingerprint } from '@relay/schemas';
