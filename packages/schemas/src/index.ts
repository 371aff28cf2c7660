export * from './admin/index.ts';
export * from './errors.ts';
