import { describe, expect, it } from 'vitest';
import { ManagerError } from '../errors.ts';
import { normalizeBaseUrl } from './base-url.ts';

describe('normalizeBaseUrl', () => {
  it.each([
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
    ['https://Gateway.Example.com/', 'https://gateway.example.com'],
    ['https://gateway.example.com:443/relay/', 'https://gateway.example.com/relay'],
    ['  http://[::1]:8080  ', 'http://[::1]:8080'],
  ])('%s → %s', (input, expected) => {
    expect(normalizeBaseUrl(input)).toBe(expected);
  });

  it.each([
    ['ftp://gateway.example.com', 'must use http or https'],
    ['file:///etc/passwd', 'must use http or https'],
    ['http://admin:secret@gateway.example.com', 'must not contain credentials'],
    ['http://gateway.example.com/?token=x', 'must not contain a query string'],
    ['http://gateway.example.com/?', 'must not contain a query string'],
    ['http://gateway.example.com/#frag', 'must not contain a fragment'],
    ['gateway.example.com:8080', 'must use http or https'],
    ['not a url', 'is not a valid URL'],
  ])('refuses %s', (input, reason) => {
    let error: unknown;
    try {
      normalizeBaseUrl(input);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ManagerError);
    expect((error as ManagerError).code).toBe('VALIDATION_FAILED');
    expect((error as ManagerError).message).toContain(reason);
  });
});
