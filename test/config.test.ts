import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfigFile, parseConfig } from '../src/config.js';
import { vendorModules } from '../src/vendors/registry.js';
import { tempDir } from './fixtures/temp-dir.js';

const SECRET = 'super-secret-client-secret-0123456789';
const auth0 = (extra: Record<string, unknown> = {}) => ({
  vendor: 'auth0',
  name: 'prod',
  baseUrl: 'https://acme.eu.auth0.com',
  clientId: 'abc',
  clientSecret: SECRET,
  ...extra,
});

function issuesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err.issues;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('config', () => {
  it('refuses to start without an explicit auth decision', () => {
    expect(issuesOf(() => parseConfig({ accounts: [auth0()] }))).toEqual(['auth: required: list callers (apiKeys, jwt) or set auth: "none" explicitly']);
  });

  it('applies defaults and keeps several accounts of one vendor', () => {
    const config = parseConfig({ auth: 'none', accounts: [auth0(), auth0({ name: 'staging' })] });
    expect(config.expiryWarningDays).toBe(30);
    expect(config.listen).toEqual({ host: '127.0.0.1', port: 4000 });
    expect(config.accounts.map((a) => a.config.name)).toEqual(['prod', 'staging']);
    expect(config.secrets).toEqual([SECRET, SECRET]);
  });

  it('admits requests adaptively by default and refuses an admission min above its max', () => {
    expect(parseConfig({ auth: 'none', accounts: [auth0()] }).limits.admission).toEqual({ adaptive: true, min: 4, max: 256, maxQueued: 1024 });
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0()], limits: { admission: { min: 8, max: 4 } } }))).toEqual(['limits.admission.min: min must not exceed max']);
    // min defaults to 4, or to a lower max.
    expect(parseConfig({ auth: 'none', accounts: [auth0()], limits: { admission: { max: 1 } } }).limits.admission).toMatchObject({ min: 1, max: 1 });
  });

  it('waits no shutdown delay unless one is set, and takes only a whole number of milliseconds up to 10 minutes', () => {
    expect(parseConfig({ auth: 'none', accounts: [auth0()] })).toMatchObject({ shutdownDelayMs: 0, shutdownTimeoutMs: 10_000 });
    expect(parseConfig({ auth: 'none', accounts: [auth0()], shutdownDelayMs: 5_000 }).shutdownDelayMs).toBe(5_000);
    for (const shutdownDelayMs of [-1, 1.5, 600_001, '5000']) {
      const issues = issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0()], shutdownDelayMs }));
      expect(issues, String(shutdownDelayMs)).toHaveLength(1);
      expect(issues[0], String(shutdownDelayMs)).toMatch(/^shutdownDelayMs: /);
    }
  });

  it('interpolates ${ENV} and names the field when the variable is unset', () => {
    const config = parseConfig({ auth: 'none', accounts: [auth0({ clientSecret: '${A0_SECRET}' })] }, { A0_SECRET: 'from-env' });
    expect(config.accounts[0]!.config).toMatchObject({ clientSecret: 'from-env' });
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ clientSecret: '${MISSING}' })] }, {}))).toEqual([
      'accounts.0.clientSecret: environment variable MISSING is not set',
    ]);
  });

  it('reads a setting that is exactly one ${…} reference as the number or true/false it wants, and keeps a string setting a string', async () => {
    const dir = await tempDir('config');
    await writeFile(join(dir, 'days'), '14\n');
    const config = parseConfig(
      {
        auth: 'none',
        listen: { port: '${GW_PORT}' },
        graphiql: '${GRAPHIQL}',
        expiryWarningDays: `\${file:${join(dir, 'days')}}`,
        limits: { batching: '${BATCH}', admission: { adaptive: '${ADAPTIVE}' } },
        accounts: [auth0({ clientId: '${CLIENT_ID}', http: { retry: { maxAttempts: '${TRIES}' } } })],
      },
      { GW_PORT: '8080', GRAPHIQL: 'false', BATCH: '5', ADAPTIVE: 'True', CLIENT_ID: '12345', TRIES: '4' },
    );
    expect(config.listen.port).toBe(8080);
    expect(config.graphiql).toBe(false);
    expect(config.expiryWarningDays).toBe(14);
    expect(config.limits.batching).toBe(5);
    expect(config.limits.admission.adaptive).toBe(true);
    expect(config.accounts[0]!.config).toMatchObject({ clientId: '12345', http: { retry: { maxAttempts: 4 } } });
  });

  it('refuses a reference whose value its setting cannot take, naming the variable and never the value', () => {
    const issues = issuesOf(() =>
      parseConfig(
        {
          auth: 'none',
          listen: { port: '${GW_PORT}' },
          graphiql: '${GRAPHIQL}',
          shutdownTimeoutMs: '${GRACE_MS}',
          logLevel: '${LOG_LEVEL}',
          requestTimeoutMs: '${TIMEOUT_S}000',
          limits: { maxDepth: '${DEPTH}' },
          accounts: [auth0({ http: { connections: '${CONNECTIONS}' } })],
        },
        { GW_PORT: SECRET, GRAPHIQL: 'yes', GRACE_MS: '9999999', LOG_LEVEL: 'verbose', TIMEOUT_S: '30', DEPTH: '2.5', CONNECTIONS: '' },
      ),
    );
    expect(issues).toEqual([
      'listen.port: expected a number, and environment variable GW_PORT does not hold one',
      'requestTimeoutMs: Invalid input: expected number, received string (text with a ${…} reference in it is a string)',
      expect.stringMatching(/^shutdownTimeoutMs: Too big: .*600000 \(from environment variable GRACE_MS\)$/),
      'graphiql: expected true or false, and environment variable GRAPHIQL holds neither',
      'limits.maxDepth: Invalid input: expected int, received number (from environment variable DEPTH)',
      'logLevel: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent" (from environment variable LOG_LEVEL)',
      'accounts.0.http.connections: expected a number, and environment variable CONNECTIONS does not hold one',
    ]);
    expect(issues.join('\n')).not.toContain(SECRET);
    expect(issues.join('\n')).not.toContain('9999999');
  });

  it('says what auth accepts when it is neither "none" nor callers', () => {
    for (const auth of ['None', 'apiKeys', true, []]) {
      expect(issuesOf(() => parseConfig({ auth, accounts: [auth0()] }))).toEqual([
        'auth: expected "none" (every caller may do everything) or an object listing callers: apiKeys and/or jwt (see "Security model" in the README)',
      ]);
    }
  });

  it('says what a setting of several shapes accepts when a value has none of them', () => {
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0()], limits: { batching: 'yes' } }))).toEqual(['limits.batching: Invalid input: expected false or a number']);
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0()], http: { rateLimit: '${RATE}' } }, { RATE: '50' }))).toEqual([
      'http.rateLimit: Invalid input: expected false or an object (from environment variable RATE)',
    ]);
  });

  it('reads ${file:/path} as the file less its final line break, and names the field when the file cannot be read', async () => {
    const dir = await tempDir('config');
    await writeFile(join(dir, 'a0-secret'), `${SECRET}\n`, { mode: 0o600 });
    const config = parseConfig({ auth: 'none', accounts: [auth0({ clientSecret: `\${file:${join(dir, 'a0-secret')}}` })] }, {});
    expect(config.accounts[0]!.config).toMatchObject({ clientSecret: SECRET });
    expect(config.secrets).toContain(SECRET);
    const missing = join(dir, 'nope');
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ clientSecret: `\${file:${missing}}` })] }, {}))).toEqual([
      `accounts.0.clientSecret: file ${missing} cannot be read`,
    ]);
  });

  it('names the root "(root)" when the whole config is one unset reference', () => {
    expect(issuesOf(() => parseConfig('${GATEWAY_CONFIG}', {}))).toEqual(['(root): environment variable GATEWAY_CONFIG is not set']);
  });

  it('reports an unset variable together with every other issue, and nothing more about the field it left empty', () => {
    const issues = issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ clientSecret: '${MISSING}' }), auth0({ name: 'other', baseUrl: 'not a url' })] }, {}));
    expect(issues).toEqual(['accounts.0.clientSecret: environment variable MISSING is not set', expect.stringMatching(/^accounts\.1\.baseUrl: /)]);
  });

  it('names the bad field and never prints a secret', () => {
    const issues = issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ baseUrl: SECRET, clientId: '' })] }));
    expect(issues.some((i) => i.startsWith('accounts.0.baseUrl:'))).toBe(true);
    expect(issues.some((i) => i.startsWith('accounts.0.clientId:'))).toBe(true);
    expect(issues.join('\n')).not.toContain(SECRET);
  });

  it('refuses a baseUrl holding a user or password, naming the field and never the password', () => {
    const issues = issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ baseUrl: `https://ops:${SECRET}@acme.eu.auth0.com` })] }));
    expect(issues).toEqual(['accounts.0.baseUrl: leave the user and password out: the account authenticates with its own credentials']);
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ baseUrl: 'https://ops@acme.eu.auth0.com' })] }))).toHaveLength(1);
  });

  it('refuses a plain http baseUrl to another machine, and takes one to this machine (a simulator, a local proxy)', () => {
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ baseUrl: 'http://acme.eu.auth0.com' })] }))).toEqual([
      'accounts.0.baseUrl: use https: the account’s credentials travel to this URL (plain http only to 127.0.0.1, ::1 or localhost)',
    ]);
    for (const local of ['http://127.0.0.1:4100', 'http://localhost:4100/', 'http://[::1]:4100']) {
      expect(parseConfig({ auth: 'none', accounts: [auth0({ baseUrl: local })] }).accounts[0]!.config).toMatchObject({ baseUrl: local });
    }
  });

  it('refuses a plain http baseUrl to 0.0.0.0, a listening address rather than one to send to, as its message says', () => {
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ baseUrl: 'http://0.0.0.0:4100' })] }))).toEqual([
      'accounts.0.baseUrl: use https: the account’s credentials travel to this URL (plain http only to 127.0.0.1, ::1 or localhost)',
    ]);
  });

  it('does not name an unknown key with digits in it: a secret whose key was left out (`{ name: prod, <secret> }`) is a key', () => {
    const secret = 'Xk2rT9aLq_Zp-4mN8vB3cW7yE1uH6jK0sD5fGhJ2kL4zX8cV1bN3mQ5wE7rT9yU0';
    const issues = issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ [secret]: null })] }));
    expect(issues).toEqual(['accounts.0: unknown key (a key not shown: it does not look like a name)']);
  });

  it('does not name an unknown key that holds a value (a YAML line missing its space after the colon)', () => {
    const issues = issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ [`clientSecret:${SECRET}`]: null })] }));
    expect(issues).toEqual(['accounts.0: unknown key (a key not shown: it does not look like a name)']);
  });

  it('refuses persisted-only operations on a subgraph, whose router sends operations of its own making', () => {
    const subgraph = { auth: 'none', accounts: [auth0()], federation: true };
    expect(issuesOf(() => parseConfig({ ...subgraph, persistedOperations: { file: 'ops.json' } }))).toEqual([
      expect.stringMatching(/^persistedOperations: a subgraph \(federation: true\) must run the router-made operations/),
    ]);
    expect(parseConfig({ ...subgraph, persistedOperations: { file: 'ops.json', allowArbitrary: true } }).federation).toBe(true);
  });

  it('takes federation as true, false or { node }, and refuses anything else, naming it', () => {
    const base = { auth: 'none', accounts: [auth0()] };
    expect(parseConfig(base).federation).toBe(false);
    expect(parseConfig({ ...base, federation: { node: false } }).federation).toEqual({ node: false });
    expect(parseConfig({ ...base, federation: {} }).federation).toEqual({ node: true });
    expect(issuesOf(() => parseConfig({ ...base, federation: { nodes: false } }))).toEqual([expect.stringMatching(/^federation: /)]);
    expect(issuesOf(() => parseConfig({ ...base, federation: 'yes' }))).toEqual([expect.stringMatching(/^federation: /)]);
  });

  it('refuses unknown vendors, unknown keys and duplicate names', () => {
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ vendor: 'okta' })] }))[0]).toMatch(/^accounts\.0\.vendor: unknown vendor/);
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0({ clientSecrte: 'x' })] }))[0]).toBe('accounts.0: unknown key "clientSecrte"');
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0(), auth0()] }))).toEqual(['accounts.1.name: duplicate account name']);
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [] }))[0]).toMatch(/^accounts:/);
  });

  it('serves the metrics only on a path nothing else answers: on GraphQL’s, every GET of GraphiQL or a query would get them instead', () => {
    const base = { auth: 'none', accounts: [auth0()] };
    for (const path of ['/graphql', '/graphql/', '/healthz', '/health', '/readyz']) {
      expect(issuesOf(() => parseConfig({ ...base, metrics: { path } })), path).toEqual(['metrics.path: must not be /graphql, /healthz, /health or /readyz, which are served already']);
    }
    expect(parseConfig({ ...base, metrics: { path: '/internal/metrics' } }).metrics).toEqual({ enabled: true, path: '/internal/metrics' });
  });

  it('sends spans only to an http(s) endpoint: any other scheme was taken, and every span silently dropped', () => {
    for (const otlpEndpoint of ['ftp://otel.example.com', 'file:///tmp/spans', 'mailto:ops@example.com', 'otel-collector:4318']) {
      expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0()], tracing: { otlpEndpoint } })), otlpEndpoint).toEqual([
        'tracing.otlpEndpoint: must be an http(s) URL, such as http://otel-collector:4318 (spans are sent over OTLP/HTTP)',
      ]);
    }
    for (const otlpEndpoint of ['http://otel-collector:4318', 'https://otel.example.com/', 'http://[::1]:4318']) {
      expect(parseConfig({ auth: 'none', accounts: [auth0()], tracing: { otlpEndpoint } }).tracing?.otlpEndpoint).toBe(otlpEndpoint);
    }
  });

  it('allows no cross-origin browser access unless origins are listed, and keeps each as an origin', () => {
    expect(parseConfig({ auth: 'none', accounts: [auth0()] }).cors).toBeUndefined();
    const config = parseConfig({ auth: 'none', accounts: [auth0()], cors: { origins: ['https://console.example.com/app/'] } });
    expect(config.cors).toEqual({ origins: ['https://console.example.com'], credentials: false });
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0()], cors: { origins: ['*'] } }))[0]).toMatch(/^cors\.origins\.0:/);
  });

  it('refuses a CORS origin that is no web page’s (file:, data:): its origin is "null", which every sandboxed iframe sends', () => {
    for (const origin of ['file:///home/me/console.html', 'data:text/html,hi']) {
      expect(issuesOf(() => parseConfig({ auth: 'none', accounts: [auth0()], cors: { origins: [origin] } }))).toEqual(['cors.origins.0: must be an http(s) origin, such as https://console.example.com']);
    }
  });

  it('names the bad field inside auth, where a value matches none of the shapes auth may take', () => {
    const key = (extra: Record<string, unknown>) => ({ apiKeys: [{ name: 'bot', sha256: 'a'.repeat(64), scopes: ['credentials:read'], ...extra }] });
    expect(issuesOf(() => parseConfig({ auth: key({ sha256: 'not-hex' }), accounts: [auth0()] }))).toEqual([
      'auth.apiKeys.0.sha256: must be the hex SHA-256 of the key, not the key',
    ]);
    expect(issuesOf(() => parseConfig({ auth: key({ scopes: ['credentials:reed'] }), accounts: [auth0()] }))).toEqual([
      'auth.apiKeys.0.scopes.0: unknown scope; use one of credentials:read, credentials:write, keys:rotate',
    ]);
  });

  it('takes a JWT name claim of visible ASCII without quote or backslash: a 401 names it in its WWW-Authenticate header', () => {
    const jwt = (nameClaim: string) => ({ jwt: { jwksUrl: 'https://idp.example.com/jwks.json', issuer: 'https://idp.example.com/', audience: 'credential-gateway', nameClaim } });
    for (const nameClaim of ['näme', 'a"b', 'a\\b', 'a b', '']) {
      expect(issuesOf(() => parseConfig({ auth: jwt(nameClaim), accounts: [auth0()] })), nameClaim).toEqual([
        'auth.jwt.nameClaim: use at most 256 visible ASCII characters, without " or \\',
      ]);
    }
    for (const nameClaim of ['email', 'https://example.com/claims/name', 'preferred_username']) {
      expect(parseConfig({ auth: jwt(nameClaim), accounts: [auth0()] }).auth).toMatchObject({ jwt: { nameClaim } });
    }
  });

  it('fetches the JWKS only over https, or plain http to this machine: keys fetched in the clear could be anyone’s, and so could every token', () => {
    const jwt = (jwksUrl: string) => ({ jwt: { jwksUrl, issuer: 'https://idp.example.com/', audience: 'credential-gateway' } });
    expect(issuesOf(() => parseConfig({ auth: jwt('http://idp.example.com/.well-known/jwks.json'), accounts: [auth0()] }))).toEqual([
      'auth.jwt.jwksUrl: use https: the keys that verify every token come from this URL (plain http only to 127.0.0.1, ::1 or localhost)',
    ]);
    expect(issuesOf(() => parseConfig({ auth: jwt('ftp://idp.example.com/jwks.json'), accounts: [auth0()] }))[0]).toMatch(/^auth\.jwt\.jwksUrl: /);
    for (const url of ['https://idp.example.com/.well-known/jwks.json', 'http://127.0.0.1:8080/jwks.json', 'http://localhost/jwks.json', 'http://[::1]:9000/jwks']) {
      expect(parseConfig({ auth: jwt(url), accounts: [auth0()] }).auth).toMatchObject({ jwt: { jwksUrl: url } });
    }
  });

  it('refuses a JWKS URL holding a user or password, never quoting it: fetch refuses such a URL, and every token would have been refused after a start that said nothing', () => {
    const jwt = (jwksUrl: string) => ({ jwt: { jwksUrl, issuer: 'https://idp.example.com/', audience: 'credential-gateway' } });
    for (const url of [`https://jwks:${SECRET}@idp.example.com/jwks.json`, `https://${SECRET}@idp.example.com/jwks.json`, `http://u:${SECRET}@127.0.0.1/jwks`]) {
      const issues = issuesOf(() => parseConfig({ auth: jwt(url), accounts: [auth0()] }));
      expect(issues, url).toEqual(['auth.jwt.jwksUrl: leave the user and password out: fetch refuses a URL that holds them, and every token would be refused']);
      expect(issues.join('\n')).not.toContain(SECRET);
    }
  });

  it('takes only public keys in an inline JWKS, never quoting one: jose would refuse a private or unusable key at each token, after a start that said nothing', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
    const jwt = (...keys: JWK[]) => ({ jwt: { jwks: { keys }, issuer: 'https://idp.example.com/', audience: 'credential-gateway' } });
    const signing = await exportJWK(privateKey);
    const issues = issuesOf(() => parseConfig({ auth: jwt(signing, { kty: 'oct', k: SECRET }, { kty: 'RSA', e: 'AQAB' }), accounts: [auth0()] }));
    expect(issues).toEqual([
      'auth.jwt.jwks.keys.0: a private or secret key: list only the public keys that verify tokens (whoever holds a private key can sign any token)',
      'auth.jwt.jwks.keys.1: a private or secret key: list only the public keys that verify tokens (whoever holds a private key can sign any token)',
      'auth.jwt.jwks.keys.2: not a public key the gateway can use: an RSA, EC or OKP key with its public members',
    ]);
    expect(issues.join('\n')).not.toContain(signing.d!);
    expect(issues.join('\n')).not.toContain(SECRET);
    const verifying = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    expect(parseConfig({ auth: jwt(verifying), accounts: [auth0()] }).auth).toMatchObject({ jwt: { jwks: { keys: [verifying] } } });
  });

  it('refuses two API keys of one name, and one key listed twice: a name is one caller to the audit log, idempotency keys and budgets', () => {
    const key = (name: string, sha256: string, scope: string) => ({ name, sha256, scopes: [scope] });
    const auth = {
      apiKeys: [
        key('bot', 'a'.repeat(64), 'credentials:read'),
        key('bot', 'b'.repeat(64), 'credentials:write'),
        key('ops', 'A'.repeat(64), 'keys:rotate'), // the first key again, in capitals
      ],
    };
    expect(issuesOf(() => parseConfig({ auth, accounts: [auth0()] }))).toEqual([
      'auth.apiKeys.1.name: duplicate API key name (also apiKeys.0): each key is a caller of its own',
      'auth.apiKeys.2.sha256: the same key as apiKeys.0: list each key once, with all its scopes',
    ]);
    expect(issuesOf(() => parseConfig({ auth, accounts: [auth0()] })).join('\n')).not.toContain('a'.repeat(64));
  });

  describe('grants of API keys limited to an account or a vendor', () => {
    const keys = (...scopes: unknown[]) => ({ apiKeys: [{ name: 'bot', sha256: 'a'.repeat(64), scopes: ['credentials:read'] }, { name: 'ops', sha256: 'b'.repeat(64), scopes }] });
    const accounts = [auth0(), auth0({ name: 'staging' })];
    /** Every vendor's name in config, as the message lists them. */
    const CONFIG_NAMES = vendorModules.map((m) => m.configName).join(', ');

    it('takes limits naming a configured account or a known vendor, configured or not', () => {
      const config = parseConfig({ auth: keys('credentials:write@staging', 'keys:rotate@vendor:Auth0', { scope: 'credentials:read', vendors: ['vault', 'keycard'], accounts: ['prod'] }), accounts });
      expect(config.auth).toMatchObject({ apiKeys: [{}, { scopes: [{ accounts: ['staging'] }, { vendors: ['auth0'] }, { vendors: ['vault', 'keycard'], accounts: ['prod'] }] }] });
    });

    it('refuses a limit naming an account or vendor the gateway does not have, which would quietly grant nothing', () => {
      expect(
        issuesOf(() =>
          parseConfig({ auth: keys('credentials:read@vendor:vualt', 'credentials:write@nosuchaccount', { scope: 'keys:rotate', vendors: ['okta', 'auth0'], accounts: ['prod', 'Staging'] }), accounts }),
        ),
      ).toEqual([
        `auth.apiKeys.1.scopes.0: unknown vendor "vualt"; use one of ${CONFIG_NAMES}`,
        'auth.apiKeys.1.scopes.1: unknown account "nosuchaccount"',
        `auth.apiKeys.1.scopes.2: unknown vendor "okta"; use one of ${CONFIG_NAMES}`,
        'auth.apiKeys.1.scopes.2: unknown account "Staging"',
      ]);
    });

    it('reports them with every other issue at once, and not of an account listed with issues of its own', () => {
      expect(
        issuesOf(() =>
          parseConfig({ expiryWarningDays: -1, auth: keys('credentials:write@staging', 'credentials:write@stagign'), accounts: [auth0(), auth0({ name: 'staging', baseUrl: 'not a url' })] }),
        ),
      ).toEqual([expect.stringMatching(/^expiryWarningDays: /), expect.stringMatching(/^accounts\.1\.baseUrl: /), 'auth.apiKeys.1.scopes.1: unknown account "stagign"']);
    });

    it('never quotes a limit that does not look like a name (it may be a value put there by mistake)', () => {
      const issues = issuesOf(() => parseConfig({ auth: keys(`credentials:read@${SECRET} x`, { scope: 'credentials:read', vendors: [`${SECRET}/`] }), accounts }));
      expect(issues).toEqual([
        'auth.apiKeys.1.scopes.0: unknown account (not shown: it does not look like a name)',
        expect.stringMatching(/^auth\.apiKeys\.1\.scopes\.1: unknown vendor \(not shown: it does not look like a name\); use one of /),
      ]);
      expect(issues.join('\n')).not.toContain(SECRET);
    });

    it('checks them against the accounts the sandbox supplies, given --sandbox with a config file', async () => {
      const dir = await tempDir('config');
      const file = join(dir, 'sandbox.json');
      const simulators = [auth0({ name: 'auth0-prod' }), auth0({ name: 'auth0-staging' })];
      await writeFile(file, JSON.stringify({ auth: keys('credentials:write@auth0-staging', 'keys:rotate@vendor:auth0') }));
      expect((await loadConfigFile(file, {}, simulators)).accounts.map((a) => a.config.name)).toEqual(['auth0-prod', 'auth0-staging']);
      await writeFile(file, JSON.stringify({ auth: keys('credentials:write@prod') }));
      const err = (await loadConfigFile(file, {}, simulators).catch((e: unknown) => e)) as ConfigError;
      expect(err.issues).toEqual(['auth.apiKeys.1.scopes.0: unknown account "prod"']);
    });
  });

  it('reports every issue in one round: a missing auth, a bad setting and a bad account together', () => {
    expect(issuesOf(() => parseConfig({ expiryWarningDays: -1, accounts: [auth0({ baseUrl: 'not a url' })] }))).toEqual([
      'auth: required: list callers (apiKeys, jwt) or set auth: "none" explicitly',
      expect.stringMatching(/^expiryWarningDays: /),
      expect.stringMatching(/^accounts\.0\.baseUrl: /),
    ]);
  });

  it('reads JSON and YAML files and hides parser detail that could quote a secret', async () => {
    const dir = await tempDir('config');
    await writeFile(join(dir, 'c.yaml'), `auth: none\naccounts:\n  - vendor: auth0\n    name: prod\n    baseUrl: https://a.auth0.com\n    clientId: abc\n    clientSecret: \${S}\n`);
    const config = await loadConfigFile(join(dir, 'c.yaml'), { S: 'yaml-secret' });
    expect(config.accounts[0]!.config).toMatchObject({ clientSecret: 'yaml-secret' });
    await writeFile(join(dir, 'bad.json'), `{"clientSecret": "${SECRET}" oops}`);
    const err = (await loadConfigFile(join(dir, 'bad.json')).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.message).not.toContain(SECRET);
  });

  it('refuses a config file it cannot read, naming the file and the system’s reason (missing, a directory)', async () => {
    const dir = await tempDir('config');
    const missing = join(dir, 'missing.yaml');
    for (const [file, code] of [[missing, 'ENOENT'], [dir, 'EISDIR']]) {
      const err = (await loadConfigFile(file!).catch((e: unknown) => e)) as ConfigError;
      expect(err).toBeInstanceOf(ConfigError);
      expect(err.issues).toEqual([`cannot read ${file}: ${code}`]);
    }
  });

  it('says where a YAML file stops being YAML, by line and column and never by its text', async () => {
    const dir = await tempDir('config');
    const file = join(dir, 'bad.yaml');
    // A missing space after the colon of a nested key: the secret starts at line 4, column 19.
    await writeFile(file, `auth: none\naccounts:\n  - vendor: auth0\n    clientSecret: ${SECRET}: x\n`);
    const err = (await loadConfigFile(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues).toEqual([`${file} is not valid YAML at line 4, column 19 (BLOCK_AS_IMPLICIT_KEY)`]);
    expect(err.message).not.toContain(SECRET);
  });

  it('refuses a JSON file that gives a key twice, by line and column: JSON.parse would keep the last silently', async () => {
    const dir = await tempDir('config');
    const file = join(dir, 'twice.json');
    // The second auth, spelled with an escape, would replace the first without a word.
    await writeFile(file, `{\n  "auth": {"apiKeys": []},\n  "accounts": [],\n  "\\u0061uth": "none"\n}\n`);
    const err = (await loadConfigFile(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues).toEqual([`${file} gives a key twice at line 4, column 3 (DUPLICATE_KEY): JSON would silently keep the last`]);
  });

  it('refuses a YAML file that gives a key twice, by line and column', async () => {
    const dir = await tempDir('config');
    const file = join(dir, 'twice.yaml');
    await writeFile(file, `auth: none\naccounts:\n  - vendor: auth0\n    clientSecret: a\n    clientSecret: b\n`);
    const err = (await loadConfigFile(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues).toEqual([`${file} gives a key twice at line 5, column 5 (DUPLICATE_KEY)`]);
  });

  it('reads a file of many keys in one pass: the YAML parser compared each key with every one before it, for minutes', async () => {
    const dir = await tempDir('config');
    // 60,000 names of letters: xaaaa, xaaab, …
    const names = Array.from({ length: 60_000 }, (_, i) => `x${[17_576, 676, 26, 1].map((d) => String.fromCharCode(97 + (Math.floor(i / d) % 26))).join('')}`);
    for (const [name, text] of [
      ['many.yaml', `auth: none\n${names.map((k) => `${k}: 1`).join('\n')}\n`],
      ['many.json', `{"auth": "none", ${names.map((k) => `"${k}": 1`).join(', ')}}`],
    ] as const) {
      await writeFile(join(dir, name), text);
      const err = (await loadConfigFile(join(dir, name)).catch((e: unknown) => e)) as ConfigError;
      expect(err, name).toBeInstanceOf(ConfigError);
      expect(err.issues, name).toEqual([
        'accounts: Invalid input: expected array, received undefined',
        '(root): unknown keys "xaaaa", "xaaab", "xaaac", "xaaad", "xaaae", "xaaaf", "xaaag", "xaaah", "xaaai", "xaaaj", and 59990 more',
      ]);
    }
  });

  it('refuses a file larger than 1 MB before parsing it: 50 MB took the YAML parser 17 s and 1.5 GB', async () => {
    const dir = await tempDir('config');
    const file = join(dir, 'big.yaml');
    await writeFile(file, `auth: none\npad: "${'x'.repeat(1_000_000)}"\n`);
    const err = (await loadConfigFile(file).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues).toEqual([`${file} is larger than 1 MB: a config is a few kB`]);
  });

  it('refuses a value nested deeper than any setting, naming where, rather than overflowing the stack', async () => {
    let nested: unknown = 1;
    for (let i = 0; i < 5_000; i++) nested = [nested];
    expect(issuesOf(() => parseConfig({ auth: 'none', accounts: nested }))).toEqual(['accounts.0.0.0.…: nested more than 64 levels deep; no setting nests more than 6']);
    // As JSON.parse reads it from a file.
    const dir = await tempDir('config');
    await writeFile(join(dir, 'deep.json'), `{"auth": "none", "accounts": [${'{"a":'.repeat(3_000)}1${'}'.repeat(3_000)}]}`);
    const err = (await loadConfigFile(join(dir, 'deep.json')).catch((e: unknown) => e)) as ConfigError;
    expect(err).toBeInstanceOf(ConfigError);
    expect(err.issues).toEqual(['accounts.0.a.a.…: nested more than 64 levels deep; no setting nests more than 6']);
  });

  it('prints no YAML warning, which would quote the line it is about', async () => {
    const dir = await tempDir('config');
    const file = join(dir, 'tagged.yaml');
    await writeFile(file, `auth: none\naccounts:\n  - vendor: auth0\n    name: prod\n    baseUrl: https://a.auth0.com\n    clientId: abc\n    clientSecret: !secret ${SECRET}\n`);
    const warnings = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    try {
      await loadConfigFile(file, {});
      expect(warnings.mock.calls.map((call) => String(call[0])).join('\n')).not.toContain(SECRET);
    } finally {
      warnings.mockRestore();
    }
  });

  it("loads the README's example config as written, the staging account's http overrides included", async () => {
    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const example = /```yaml\n(listen:[\s\S]*?)```/.exec(readme)?.[1];
    expect(example).toBeDefined();
    const dir = await tempDir('config');
    await writeFile(join(dir, 'readme.yaml'), example!);
    const env = Object.fromEntries([...example!.matchAll(/\$\{(\w+)\}/g)].map(([, name]) => [name!, name!.endsWith('SHA256') ? 'ab'.repeat(32) : `${name}-value`]));
    const config = await loadConfigFile(join(dir, 'readme.yaml'), env);
    expect(config.accounts.map((a) => a.config.name)).toEqual(['auth0-prod', 'auth0-staging']);
    expect(config.accounts[1]!.config.http).toEqual({ concurrency: 4, retry: { maxAttempts: 5 } });
  });
});
