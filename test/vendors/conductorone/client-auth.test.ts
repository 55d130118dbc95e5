import { generateKeyPairSync } from 'node:crypto';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { parseConfig, ConfigError } from '../../../src/config.js';
import {
  CredentialFormatError,
  parseClientId,
  parseClientSecret,
  signClientAssertion,
  signingKey,
  tokenRequestForm,
} from '../../../src/vendors/conductorone/client-auth.js';
import { encodeClientSecret } from '../../../src/vendors/conductorone/index.js';

const keyPair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  return { publicJwk: publicKey.export({ format: 'jwk' }) as JWK, privateJwk: privateKey.export({ format: 'jwk' }) as JWK };
};
const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const { publicJwk, privateJwk } = keyPair();
const SECRET = encodeClientSecret(privateJwk);

describe('parseClientId', () => {
  it('takes the token host between "@" and "/" and the audience without its port', () => {
    expect(parseClientId('happy-otter-12345@acme.conductor.one/spc')).toEqual({
      clientId: 'happy-otter-12345@acme.conductor.one/spc',
      tokenHost: 'acme.conductor.one',
      audience: 'acme.conductor.one',
    });
    expect(parseClientId('calm-heron-00042@c1.internal.example:8443/pcc')).toMatchObject({ tokenHost: 'c1.internal.example:8443', audience: 'c1.internal.example' });
  });

  it('appends .conductor.one to a host without dots', () => {
    expect(parseClientId('happy-otter-12345@acme/spc')).toMatchObject({ tokenHost: 'acme.conductor.one', audience: 'acme.conductor.one' });
  });

  it.each([
    ['no "@"', 'happy-otter-12345.acme.conductor.one/spc'],
    ['no "/"', 'happy-otter-12345@acme.conductor.one'],
    ['an empty name', '@acme.conductor.one/spc'],
    ['an empty host', 'happy-otter-12345@/spc'],
    ['an empty kind', 'happy-otter-12345@acme.conductor.one/'],
    ['a host with a path character', 'happy-otter-12345@acme.conductor.one?x=1/spc'],
    ['a host with a user part', 'a@b@acme.conductor.one/spc'],
    ['whitespace', 'happy otter@acme.conductor.one/spc'],
  ])('refuses a client id with %s', (_label, id) => {
    expect(() => parseClientId(id)).toThrow(CredentialFormatError);
  });
});

describe('parseClientSecret', () => {
  it('decodes the v1 secret to the Ed25519 private JWK', () => {
    expect(parseClientSecret(SECRET)).toMatchObject({ kty: 'OKP', crv: 'Ed25519', x: privateJwk.x, d: privateJwk.d });
  });

  it('like the SDK, checks only the version part of the prefix', () => {
    expect(parseClientSecret(`anything:else:v1:${b64(privateJwk)}`)).toMatchObject({ d: privateJwk.d });
  });

  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
  const x25519 = generateKeyPairSync('x25519').privateKey.export({ format: 'jwk' });
  it.each([
    ['three parts', `secret-token:conductorone.com:${b64(privateJwk)}`, 'expected secret-token'],
    ['version v2', `secret-token:conductorone.com:v2:${b64(privateJwk)}`, 'must be "v1"'],
    ['a fifth part (the rest of SplitN is not base64url)', `secret-token:conductorone.com:v1:${b64(privateJwk)}:extra`, 'base64url'],
    ['padded base64', `secret-token:conductorone.com:v1:${Buffer.from(JSON.stringify(privateJwk)).toString('base64')}==`, 'base64url'],
    ['standard base64 characters', `secret-token:conductorone.com:v1:ab+/cd`, 'base64url'],
    ['an empty key', 'secret-token:conductorone.com:v1:', 'base64url'],
    ['a key that is not JSON', `secret-token:conductorone.com:v1:${b64('not json')}`, 'not a JSON Web Key'],
    ['a JSON array', `secret-token:conductorone.com:v1:${b64([1, 2])}`, 'not a JSON Web Key'],
    ['an RSA key', `secret-token:conductorone.com:v1:${b64(rsa)}`, 'not an Ed25519'],
    ['an X25519 key', `secret-token:conductorone.com:v1:${b64(x25519)}`, 'not an Ed25519'],
    ['a public key (no d)', `secret-token:conductorone.com:v1:${b64(publicJwk)}`, 'public key'],
    ['a short d', `secret-token:conductorone.com:v1:${b64({ ...privateJwk, d: 'AAAA' })}`, 'well-formed'],
    ['no x', `secret-token:conductorone.com:v1:${b64({ kty: 'OKP', crv: 'Ed25519', d: privateJwk.d })}`, 'well-formed'],
  ])('refuses %s without quoting it', (_label, secret, message) => {
    let caught: unknown;
    try {
      parseClientSecret(secret);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(CredentialFormatError);
    expect((caught as Error).message).toContain(message);
    expect((caught as Error).message).not.toContain(secret.split(':').at(-1) || '\u0000');
  });
});

describe('the account config', () => {
  const account = (extra: Record<string, unknown> = {}) => ({
    vendor: 'conductorone',
    name: 'c1-prod',
    clientId: 'happy-otter-12345@acme.conductor.one/spc',
    clientSecret: SECRET,
    ...extra,
  });
  const issuesOf = (raw: unknown) => {
    try {
      parseConfig({ auth: 'none', accounts: [raw] }, {});
    } catch (err) {
      if (err instanceof ConfigError) return err.issues;
      throw err;
    }
    return [];
  };

  it('accepts a client id and secret and lists the secret for redaction', () => {
    const config = parseConfig({ auth: 'none', accounts: [account()] }, {});
    expect(config.accounts[0]!.config).toEqual(account());
    expect(config.secrets).toContain(SECRET);
  });

  it('names the field, never the value, when the secret or client id is malformed', () => {
    const bad = `secret-token:conductorone.com:v2:${b64(privateJwk)}`;
    const issues = issuesOf(account({ clientSecret: bad, clientId: 'nope' }));
    expect(issues).toEqual([
      'accounts.0.clientId: expected <name>@<tenant>.conductor.one/spc',
      'accounts.0.clientSecret: unsupported secret version: the third part must be "v1"',
    ]);
    expect(issues.join('\n')).not.toContain(privateJwk.d);
  });

  it('refuses unknown keys and a non-http baseUrl', () => {
    expect(issuesOf(account({ audience: 'x' }))[0]).toBe('accounts.0: unknown key "audience"');
    expect(issuesOf(account({ baseUrl: 'ftp://acme.conductor.one' }))[0]).toMatch(/^accounts\.0\.baseUrl:/);
  });
});

describe('signClientAssertion', () => {
  const client = parseClientId('happy-otter-12345@acme.conductor.one:8443/spc');
  const now = new Date('2025-06-01T12:00:00.000Z');
  const iat = now.getTime() / 1000;

  it('signs EdDSA with a hex nonce and the SDK claims', async () => {
    const jws = await signClientAssertion(client, signingKey(parseClientSecret(SECRET)), now);
    expect(decodeProtectedHeader(jws)).toEqual({ alg: 'EdDSA', nonce: expect.stringMatching(/^[0-9a-f]{32}$/) });
    expect(decodeJwt(jws)).toEqual({
      iss: client.clientId,
      sub: client.clientId,
      aud: 'acme.conductor.one',
      iat,
      nbf: iat - 120,
      exp: iat + 120,
    });
    const { payload } = await compactVerify(jws, await importJWK(publicJwk, 'EdDSA'));
    expect(JSON.parse(Buffer.from(payload).toString()).iss).toBe(client.clientId);
  });

  it('puts the kid in the header when the JWK has one, as go-jose does', async () => {
    const jws = await signClientAssertion(client, signingKey(parseClientSecret(encodeClientSecret({ ...privateJwk, kid: 'key-1' }))), now);
    expect(decodeProtectedHeader(jws)).toMatchObject({ alg: 'EdDSA', kid: 'key-1' });
  });

  it('never repeats a nonce', async () => {
    const signer = signingKey(parseClientSecret(SECRET));
    const nonces = await Promise.all(Array.from({ length: 20 }, async () => decodeProtectedHeader(await signClientAssertion(client, signer, now)).nonce));
    expect(new Set(nonces).size).toBe(20);
  });

  it('builds the token form with the assertion and no secret', () => {
    expect(tokenRequestForm(client.clientId, 'jws')).toEqual({
      client_id: client.clientId,
      grant_type: 'client_credentials',
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: 'jws',
    });
  });
});
