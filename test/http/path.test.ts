import { describe, expect, it } from 'vitest';
import { buildPath, buildQuery } from '../../src/http/path.js';

describe('buildPath', () => {
  it.each([
    ['a/b', 'a%2Fb'],
    ['..', '%2E%2E'],
    ['.', '%2E'],
    ['%2F', '%252F'],
    ['a?b#c', 'a%3Fb%23c'],
    ['ünï', '%C3%BCn%C3%AF'],
    ['cred_123', 'cred_123'],
  ])('encodes %j into exactly one segment (%s)', (value, encoded) => {
    expect(buildPath('/clients/{id}/credentials', { id: value })).toBe(`/clients/${encoded}/credentials`);
  });

  it('refuses an empty or missing parameter', () => {
    expect(() => buildPath('/clients/{id}', { id: '' })).toThrow(/missing/);
    expect(() => buildPath('/clients/{id}', {})).toThrow(/missing/);
  });
});

describe('buildQuery', () => {
  it('repeats array keys and skips undefined', () => {
    expect(buildQuery({ strategy: ['okta', 'oidc'], take: 100, from: undefined })).toBe('?strategy=okta&strategy=oidc&take=100');
    expect(buildQuery({})).toBe('');
  });
});
