import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { KEY_SET_LIMITS, KeysUnavailable, remoteKeySet, type KeySetLimits } from '../../src/auth/remote-key-set.js';

interface SigningKey {
  jwk: JWK;
  sign(): Promise<string>;
}

async function signingKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  return {
    jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' },
    sign: () => new SignJWT({ sub: 'alice' }).setProtectedHeader({ alg: 'RS256', kid }).setExpirationTime('5m').sign(privateKey as CryptoKey),
  };
}

/** The IdP's JWKS endpoint on loopback: answers with `answer`, and records each request. */
let server: Server;
let url: URL;
let answer: (req: IncomingMessage, res: ServerResponse) => void;
let received: IncomingMessage[];
const serving = (...keys: SigningKey[]) => (answer = (_req, res) => res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys: keys.map((k) => k.jwk) })));

let first: SigningKey;
let second: SigningKey;
beforeAll(async () => {
  [first, second] = await Promise.all([signingKey('first'), signingKey('second')]);
  server = createServer((req, res) => {
    received.push(req);
    answer(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`);
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

let t: number;
let failures: string[];
beforeEach(() => {
  t = 1_000_000;
  received = [];
  failures = [];
  serving(first);
});
/** A key set on the test's clock `t`. */
const keySet = (limits: Partial<KeySetLimits> = {}) => remoteKeySet(url, (reason) => failures.push(reason), { ...KEY_SET_LIMITS, ...limits }, () => t);
const verify = async (getKey: ReturnType<typeof keySet>, key: SigningKey) => (await jwtVerify(await key.sign(), getKey)).payload.sub;
const failure = (p: Promise<unknown>) => p.then(() => 'verified', (err: unknown) => err);

describe('remoteKeySet', () => {
  it('verifies tokens with the keys the JWKS URL serves, fetching it once for many tokens', async () => {
    const getKey = keySet();
    expect(await Promise.all([verify(getKey, first), verify(getKey, first), verify(getKey, first)])).toEqual(['alice', 'alice', 'alice']);
    expect(received.map((r) => [r.method, r.url, r.headers.accept])).toEqual([['GET', '/.well-known/jwks.json', 'application/jwk-set+json, application/json']]);
  });

  it('fetches the set again once it is 10 minutes old, and takes the keys it now holds', async () => {
    const getKey = keySet();
    await verify(getKey, first);
    serving(second);
    t += 10 * 60_000 - 1;
    expect(await verify(getKey, first)).toBe('alice');
    expect(received).toHaveLength(1);
    t += 1;
    expect(await verify(getKey, second)).toBe('alice');
    expect(received).toHaveLength(2);
  });

  it('verifies with the set it holds while the 10-minute refetch is still waiting for an answer', async () => {
    const getKey = keySet();
    await verify(getKey, first);
    let release: (() => void) | undefined;
    answer = (_req, res) => (release = () => serving(second)(_req, res));
    t += 10 * 60_000;
    // The IdP holds its answer: the token is verified by the set in hand all the same.
    expect(await verify(getKey, first)).toBe('alice');
    await vi.waitFor(() => expect(release).toBeDefined(), { timeout: 5_000 });
    release!();
    // A token under the new key waits for that same fetch instead of starting another.
    expect(await verify(getKey, second)).toBe('alice');
    expect(received).toHaveLength(2);
    expect(failures).toEqual([]);
  });

  it('fetches again for a token whose key the set lacks (a key rotated in), at most every 30 s', async () => {
    const getKey = keySet();
    await verify(getKey, first);
    serving(first, second);
    t += 29_999;
    const refused = await failure(verify(getKey, second));
    expect(refused).not.toBeInstanceOf(KeysUnavailable);
    expect((refused as Error).name).toBe('JWKSNoMatchingKey');
    expect(received).toHaveLength(1);
    t += 1;
    expect(await verify(getKey, second)).toBe('alice');
    expect(received).toHaveLength(2);
  });

  it('refuses a token signed by a stranger under a known key id as a bad token, not an unavailable set', async () => {
    const getKey = keySet();
    const stranger = await signingKey('first');
    const refused = await failure(verify(getKey, stranger));
    expect((refused as Error).name).toBe('JWSSignatureVerificationFailed');
  });

  it('says the keys are unavailable when the first fetch fails, and tries again only after 5 s', async () => {
    answer = (_req, res) => res.writeHead(503).end('down for maintenance');
    const getKey = keySet();
    expect(await failure(verify(getKey, first))).toBeInstanceOf(KeysUnavailable);
    expect(failures).toEqual(['answered 503']);
    t += 4_999;
    serving(first);
    expect(await failure(verify(getKey, first))).toBeInstanceOf(KeysUnavailable);
    expect(received).toHaveLength(1);
    t += 1;
    expect(await verify(getKey, first)).toBe('alice');
    expect(received).toHaveLength(2);
  });

  it('keeps verifying with the last set fetched while fetches fail, until that set is 24 hours old', async () => {
    const getKey = keySet();
    await verify(getKey, first);
    answer = (req) => req.socket.destroy();
    t += 10 * 60_000;
    expect(await verify(getKey, first)).toBe('alice');
    await vi.waitFor(() => expect(failures).toEqual([expect.stringMatching(/^(could not be reached|broke off its answer) \(/)]), { timeout: 5_000 });
    t += 24 * 3_600_000 - 10 * 60_000 - 1;
    expect(await verify(getKey, first)).toBe('alice');
    await vi.waitFor(() => expect(failures).toHaveLength(2), { timeout: 5_000 });
    t += 1;
    expect(await failure(verify(getKey, first))).toBeInstanceOf(KeysUnavailable);
    expect(failures).toHaveLength(2); // the last attempt was 1 ms ago: no new one
    expect(received).toHaveLength(3);
  });

  it('says the keys are unavailable for a token whose key the set lacks when the fetch for it fails', async () => {
    const getKey = keySet();
    await verify(getKey, first);
    answer = (_req, res) => res.writeHead(500).end();
    t += 30_000;
    expect(await failure(verify(getKey, second))).toBeInstanceOf(KeysUnavailable);
    expect(await verify(getKey, first)).toBe('alice');
    expect(received).toHaveLength(2);
  });

  it('does not follow a redirect: whoever it names would choose the keys', async () => {
    answer = (_req, res) => res.writeHead(302, { location: url.href.replace('jwks', 'elsewhere') }).end();
    expect(await failure(verify(keySet(), first))).toBeInstanceOf(KeysUnavailable);
    expect(failures).toEqual(['answered 302']);
    expect(received.map((r) => r.url)).toEqual(['/.well-known/jwks.json']);
  });

  it.each([
    ['declares a length over the bound', (res: ServerResponse) => res.writeHead(200, { 'content-length': 2048 }).end('x'.repeat(2048)), 'answered more than 1024 bytes'],
    [
      'streams past the bound without declaring a length',
      (res: ServerResponse) => {
        res.writeHead(200);
        res.write(JSON.stringify({ keys: [first.jwk] }));
        res.end(' '.repeat(2048));
      },
      'answered more than 1024 bytes',
    ],
    ['is not JSON', (res: ServerResponse) => res.writeHead(200).end('<html>sign in</html>'), 'answered something other than JSON'],
    ['is JSON but no key set', (res: ServerResponse) => res.writeHead(200).end('{"keys":"none"}'), 'answered JSON that is not a JSON Web Key Set'],
    ['holds a key that is no JWK', (res: ServerResponse) => res.writeHead(200).end('{"keys":[{"kid":"x"}]}'), 'answered JSON that is not a JSON Web Key Set'],
  ])('refuses an answer that %s, saying why', async (_what, send, reason) => {
    answer = (_req, res) => send(res);
    expect(await failure(verify(keySet({ maxBytes: 1024 }), first))).toBeInstanceOf(KeysUnavailable);
    expect(failures).toEqual([reason]);
  });

  it('gives up on a JWKS URL that does not answer within its timeout', async () => {
    answer = () => undefined;
    expect(await failure(verify(keySet({ timeoutMs: 100 }), first))).toBeInstanceOf(KeysUnavailable);
    expect(failures).toEqual(['no answer within 100 ms']);
  });
});
