export * from './admin/index.ts';
export * from './credential-fingerprint.ts';
export * from './errors.ts';
export * from './ids.ts';
