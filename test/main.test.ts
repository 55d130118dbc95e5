import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { vendorModules } from '../src/vendors/registry.js';
import { startGatewayProcess } from './fixtures/gateway-process.js';
import { tempDir } from './fixtures/temp-dir.js';

const VENDORS = vendorModules.map((m) => m.vendor);
/**
 * Each spec starts the gateway as its own process through tsx, which compiles src/ as it loads:
 * on a busy two-core machine (another test file beside it) that alone took over 20 s once.
 */
const START_MS = 45_000;
const SPEC_MS = 60_000;

describe('main serve', { timeout: SPEC_MS }, () => {
  it('starts the sandbox with no configuration: every vendor, GraphiQL with the example operation', async () => {
    const p = startGatewayProcess(['serve', '--port', '0']);
    try {
      const url = (await p.waitFor(/API key: +\S+/, START_MS), /GraphiQL: (\S+)/.exec(p.stdout())?.[1]);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/graphql$/);
      const html = await (await fetch(url!, { headers: { accept: 'text/html' } })).text();
      expect(html).toContain('ExpiringCredentials');
      const key = /API key: +(\S+)/.exec(p.stdout())?.[1];
      expect(key).toMatch(/^cgw_/);
      const query = JSON.stringify({ query: '{ credentials(first: 500) { totalCount edges { node { vendor } } } }' });
      const anonymous = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: query });
      expect(anonymous.status).toBe(401);
      const res = await fetch(url!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key! }, body: query });
      const body = (await res.json()) as { data: { credentials: { totalCount: number; edges: { node: { vendor: string } }[] } } };
      expect(body.data.credentials.totalCount).toBeGreaterThan(10);
      expect(new Set(body.data.credentials.edges.map((e) => e.node.vendor))).toEqual(new Set(VENDORS));
    } finally {
      await p.stop();
    }
  });

  it('serves the simulators with a config file’s settings given --sandbox (here a subgraph with its own API key)', async () => {
    const dir = await tempDir('main');
    const file = join(dir, 'config.json');
    const key = 'subgraph-test-key-0123456789';
    const sha256 = createHash('sha256').update(key).digest('hex');
    await writeFile(file, JSON.stringify({ federation: true, auth: { apiKeys: [{ name: 'router', sha256, scopes: ['credentials:read'] }] } }));
    const p = startGatewayProcess(['serve', '--config', file, '--sandbox', '--port', '0']);
    try {
      const url = (await p.waitFor(/GraphiQL: (\S+)/, START_MS))[1]!;
      expect(p.stdout()).toContain(`settings from ${file}`);
      expect(p.stdout()).not.toContain('API key:');
      const post = (query: string) => fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-api-key': key }, body: JSON.stringify({ query }) });
      const sdl = (await (await post('{ _service { sdl } }')).json()) as { data: { _service: { sdl: string } } };
      expect(sdl.data._service.sdl).toContain('@key(fields: "id")');
      const list = (await (await post('{ credentials(first: 500) { edges { node { vendor } } } }')).json()) as { data: { credentials: { edges: { node: { vendor: string } }[] } } };
      expect(new Set(list.data.credentials.edges.map((e) => e.node.vendor))).toEqual(new Set(VENDORS));
    } finally {
      await p.stop();
    }
  });

  it('refuses --sandbox with a config file that lists its own accounts', async () => {
    const dir = await tempDir('main');
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ auth: 'none', accounts: [{ vendor: 'vault', name: 'v', baseUrl: 'https://vault.example.com', token: 't' }] }));
    const p = startGatewayProcess(['serve', '--config', file, '--sandbox', '--port', '0']);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain('accounts: leave them out with --sandbox');
  });

  it('refuses an invalid config at start, naming the field and never printing the secret', async () => {
    const dir = await tempDir('main');
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ auth: 'none', accounts: [{ vendor: 'auth0', name: 'prod', baseUrl: 'not a url', clientId: 'id', clientSecret: '${A0_SECRET}' }] }));
    const p = startGatewayProcess(['serve', '--config', file], { A0_SECRET: 'very-secret-value-123' });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain('accounts.0.baseUrl');
    expect(p.stderr() + p.stdout()).not.toContain('very-secret-value-123');
  });

  it('refuses a LOG_LEVEL the sandbox cannot use, naming the variable and the levels it may be', async () => {
    const p = startGatewayProcess(['serve', '--port', '0'], { LOG_LEVEL: 'verbose' });
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain('logLevel: Invalid option: expected one of "fatal"|"error"|"warn"|"info"|"debug"|"trace"|"silent" (from environment variable LOG_LEVEL)');
    expect(p.stdout()).not.toContain('GraphiQL');
  });

  it.each([
    [['--port', 'abc'], {}, '--port'],
    [['--port', '70000'], {}, '--port'],
    [[], { PORT: 'x1' }, 'PORT'],
  ])('refuses a port that is not a number (%j %j) before starting anything, naming where it came from', async (args, env, source) => {
    const p = startGatewayProcess(['serve', ...args], env);
    expect(await p.exited).toBe(1);
    expect(p.stderr()).toContain(`fatal: ${source} must be a port number (0-65535)`);
    expect(p.stdout()).not.toContain('GraphiQL');
  });

  it.each([
    [['--config', ''], {}, '--config'],
    [[], { CREDENTIAL_GATEWAY_CONFIG: '' }, 'CREDENTIAL_GATEWAY_CONFIG'],
  ])('refuses a config file named empty (%j %j) rather than starting the sandbox in its place', async (args, env, source) => {
    const p = startGatewayProcess(['serve', ...args, '--port', '0'], env);
    try {
      // Started, it would print its banner and serve: that ends the wait too, and fails below.
      await Promise.race([p.exited, p.waitFor(/GraphiQL: /).catch(() => undefined)]);
      expect(p.stdout()).not.toContain('sandbox');
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain(`fatal: ${source} is empty: name a config file`);
    } finally {
      await p.stop();
    }
  });

  it('refuses an empty --host (`--host "$HOST"`, HOST unset), on which Node would listen on every interface, before starting anything', async () => {
    const p = startGatewayProcess(['serve', '--host', '', '--port', '0']);
    try {
      // Started, it would print its banner and serve: that ends the wait too, and fails below.
      await Promise.race([p.exited, p.waitFor(/GraphiQL: /).catch(() => undefined)]);
      expect(p.stdout()).not.toContain('GraphiQL');
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain('fatal: --host must name an address');
    } finally {
      await p.stop();
    }
  });
});

describe('main serve shutdown', () => {
  it('on SIGTERM with shutdownDelayMs answers /readyz 503 while still serving, then exits 0', async () => {
    const dir = await tempDir('main');
    const file = join(dir, 'config.json');
    await writeFile(file, JSON.stringify({ auth: 'none', graphiql: false, shutdownDelayMs: 2_000, shutdownTimeoutMs: 5_000 }));
    const p = startGatewayProcess(['serve', '--config', file, '--sandbox', '--port', '0']);
    try {
      const url = (await p.waitFor(/GraphQL: (\S+)/, START_MS))[1]!;
      const origin = new URL(url).origin;
      expect((await fetch(`${origin}/readyz`)).status).toBe(200);
      p.child.kill('SIGTERM');
      let ready: Response | undefined;
      // Until the gateway has the signal (relayed by tsx, which a loaded machine can hold up for
      // seconds): a gateway that ignored it answers 200 throughout, one that stopped at once fails the fetch.
      for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 50))) {
        ready = await fetch(`${origin}/readyz`);
        if (ready.status !== 200) break;
      }
      expect(ready?.status).toBe(503);
      expect(await ready!.json()).toEqual({ status: 'shutting down' });
      const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ credentials(first: 1) { totalCount } }' }) });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ data: { credentials: { totalCount: expect.any(Number) } } });
      expect(await p.exited).toBe(0);
      const logged = p.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(logged).toContainEqual(expect.objectContaining({ msg: 'shutting down', signal: 'SIGTERM', delayMs: 2_000, graceMs: 5_000 }));
      expect(logged.map((l) => l.msg)).toContain('stopped');
    } finally {
      await p.stop();
    }
  }, SPEC_MS);
});

describe('main --help', { timeout: SPEC_MS }, () => {
  it.each([[['--help']], [['help']], [['serve', '--help']], [['print-schema', '-h']]])('answers %j with the usage on stdout and exit 0, running nothing', async (args) => {
    const p = startGatewayProcess(args);
    try {
      // `serve` started instead would print its banner: that ends the wait too, and fails below.
      await Promise.race([p.exited, p.waitFor(/GraphiQL: /).catch(() => undefined)]);
      expect(await p.exited).toBe(0);
      expect(p.stdout()).toMatch(/^usage: main\.ts serve /);
      expect(p.stderr()).toBe('');
    } finally {
      await p.stop();
    }
  });

  it('answers an unknown command with the usage on stderr and exit 2', async () => {
    const p = startGatewayProcess(['sevre']);
    expect(await p.exited).toBe(2);
    expect(p.stderr()).toMatch(/^usage: main\.ts serve /);
  });
});

describe('main print-schema', { timeout: SPEC_MS }, () => {
  it('refuses a mistyped flag instead of rewriting the schema files and passing', async () => {
    const files = ['schema/schema.graphql', 'schema/subgraph.graphql'];
    const before = await Promise.all(files.map((f) => readFile(f, 'utf8')));
    try {
      const p = startGatewayProcess(['print-schema', '--chek']);
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toContain("Unknown option '--chek'");
      expect(p.stdout()).not.toContain('wrote');
    } finally {
      // Should that ever regress, the checked-in files are put back as they were. Only then: a
      // rewrite would leave subgraph.graphql empty for a moment to the spec that reads it.
      await Promise.all(files.map(async (f, i) => ((await readFile(f, 'utf8')) !== before[i] ? writeFile(f, before[i]!) : undefined)));
    }
  });

  // What CI's `npm run schema:check` relies on. Only schema.graphql is made stale: another spec
  // (test/federation/subgraph.e2e.test.ts) reads subgraph.graphql and may run meanwhile.
  it('with --check, fails with exit 1 naming a stale schema file and how to fix it, leaving the file as it was', async () => {
    const file = 'schema/schema.graphql';
    const current = await readFile(file, 'utf8');
    const stale = `${current}\ntype Stale { field: String }\n`;
    await writeFile(file, stale);
    try {
      const p = startGatewayProcess(['print-schema', '--check']);
      expect(await p.exited).toBe(1);
      expect(p.stderr()).toBe('schema/schema.graphql is stale: run `npm run schema:print` and commit it.\n');
      expect(p.stdout()).toBe('');
      // A check never writes: the stale file is still there for the diff.
      expect(await readFile(file, 'utf8')).toBe(stale);
    } finally {
      await writeFile(file, current);
    }
  });
});
