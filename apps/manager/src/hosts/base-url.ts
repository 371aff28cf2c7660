import { ManagerError } from '../errors.ts';

/**
 * Validates and normalises a host base URL: http or https only, no credentials, no query or fragment
 * (the admin token travels in a header, never in the URL). A path prefix is kept (a gateway behind a
 * reverse proxy under `/relay`); the trailing slash is dropped so paths can be appended.
 */
export function normalizeBaseUrl(input: string): string {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    throw invalid('is not a valid URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid('must use http or https');
  if (url.username !== '' || url.password !== '')
    throw invalid('must not contain credentials (user:password@)');
  if (url.search !== '' || input.includes('?')) throw invalid('must not contain a query string');
  if (url.hash !== '' || input.includes('#')) throw invalid('must not contain a fragment');
  if (url.hostname === '') throw invalid('must name a host');
  const path = url.pathname.replace(/\/+$/, '');
  return `${url.protocol}//${url.host}${path}`;
}

function invalid(reason: string): ManagerError {
  return new ManagerError('VALIDATION_FAILED', `base_url ${reason}`, {
    issues: [{ path: 'base_url', message: reason }],
  });
}
