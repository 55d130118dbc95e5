import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { vaultSeed } from '../../../src/vendors/vault/seed.js';
import { startVaultSimulator, type VaultSimulator } from '../../../src/vendors/vault/simulator.js';

/** The simulator on its own, over HTTP: the vendor behaviour the gateway tests rely on. */
const TOKEN = 'vlt_test_token';
let sim: VaultSimulator;
let pristine: ReturnType<typeof vaultSeed>;

beforeAll(async () => {
  pristine = vaultSeed(TOKEN);
  sim = await startVaultSimulator(structuredClone(pristine));
});
afterAll(() => sim.close());
beforeEach(() => {
  Object.assign(sim.state, structuredClone(pristine));
  sim.clearRequests();
});

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, unknown> };
}
const first = () => sim.state.credentials[0]!;
const valid = () => ({ name: first().name, description: first().description ?? '', expiresAt: first().expiresAt ?? null, operator: 'tester' });

describe('vault simulator', () => {
  it('answers 401 UNAUTHENTICATED in the google.rpc.Status shape without a valid bearer', async () => {
    const res = await call('GET', '/api/v1/credentials', undefined, { authorization: 'Bearer nope' });
    expect(res).toMatchObject({ status: 401, json: { code: 16, message: 'Invalid token', details: [] } });
  });

  it('pages with opaque tokens, omits nextPageToken on the last page, and reports totalSize', async () => {
    const a = await call('GET', '/api/v1/credentials?pageSize=3');
    expect(a.json).toMatchObject({ totalSize: sim.state.credentials.length });
    expect((a.json.credentials as unknown[]).length).toBe(3);
    const names: string[] = [];
    let token: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await call('GET', `/api/v1/credentials?pageSize=3${token ? `&pageToken=${token}` : ''}`);
      names.push(...(page.json.credentials as { name: string }[]).map((c) => c.name));
      token = page.json.nextPageToken as string | undefined;
      if (!token) break;
    }
    expect(names).toEqual(sim.state.credentials.map((c) => c.name));
  });

  it('defaults pageSize to 50, caps it at 100, and refuses bad paging input', async () => {
    sim.state.credentials = Array.from({ length: 120 }, (_, i) => ({ ...first(), uuid: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }));
    expect(((await call('GET', '/api/v1/credentials')).json.credentials as unknown[]).length).toBe(50);
    expect(((await call('GET', '/api/v1/credentials?pageSize=1000')).json.credentials as unknown[]).length).toBe(100);
    expect(await call('GET', '/api/v1/credentials?pageSize=-1')).toMatchObject({ status: 400, json: { code: 3 } });
    expect(await call('GET', '/api/v1/credentials?pageToken=forged')).toMatchObject({ status: 400, json: { code: 3, message: 'invalid page token' } });
  });

  it('filters by type and healthStatus (extrapolated) and refuses unknown enum values', async () => {
    const ssh = await call('GET', '/api/v1/credentials?type=CREDENTIAL_TYPE_SSH_KEY');
    expect((ssh.json.credentials as { name: string }[]).map((c) => c.name)).toEqual(['deploy-bot SSH key']);
    const expired = await call('GET', '/api/v1/credentials?healthStatus=CREDENTIAL_HEALTH_STATUS_EXPIRED');
    expect((expired.json.credentials as { name: string }[]).map((c) => c.name).sort()).toEqual(['mtls-client-cert', 'payments-db-password']);
    expect((await call('GET', '/api/v1/credentials?type=PGP')).status).toBe(400);
  });

  it('never returns a value from any read', async () => {
    const list = await call('GET', '/api/v1/credentials?pageSize=100');
    const one = await call('GET', `/api/v1/credentials/${first().uuid}`);
    for (const c of sim.state.credentials) {
      expect(JSON.stringify(list.json)).not.toContain(c.value);
    }
    expect(one.json).not.toHaveProperty('value');
    expect(one.json).toMatchObject({ uuid: first().uuid, name: first().name });
  });

  it('answers 404 NOT_FOUND for an unknown uuid and 400 for a malformed one', async () => {
    expect(await call('GET', '/api/v1/credentials/00000000-0000-4000-8000-000000000000')).toMatchObject({ status: 404, json: { code: 5 } });
    expect(await call('GET', '/api/v1/credentials/not-a-uuid')).toMatchObject({ status: 400, json: { code: 3, message: 'invalid uuid' } });
    expect(await call('PUT', '/api/v1/credentials/00000000-0000-4000-8000-000000000000', valid())).toMatchObject({ status: 404 });
  });

  it('PUT replaces the metadata, keeps the value unless given, and records lastOpDate, health and the operator', async () => {
    const c = first();
    const oldValue = c.value;
    const res = await call('PUT', `/api/v1/credentials/${c.uuid}`, { name: 'renamed', operator: 'tester' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ name: 'renamed', healthStatus: 'CREDENTIAL_HEALTH_STATUS_VALID' });
    expect(res.json).not.toHaveProperty('description'); // omitted = cleared
    expect(res.json).not.toHaveProperty('expiresAt');
    expect(c.value).toBe(oldValue);
    expect(Date.parse(c.lastOpDate)).toBeGreaterThan(Date.now() - 60_000);
    expect(sim.state.operations).toEqual([{ uuid: c.uuid, operator: 'tester', at: c.lastOpDate, fields: ['name'], rotated: false }]);

    const rotated = await call('PUT', `/api/v1/credentials/${c.uuid}`, { ...valid(), value: 'new-secret' });
    expect(rotated.status).toBe(200);
    expect(JSON.stringify(rotated.json)).not.toContain('new-secret');
    expect(c.value).toBe('new-secret');
    expect(sim.state.operations.at(-1)).toMatchObject({ rotated: true });
  });

  it('judges health from the new expiry with its own window', async () => {
    const c = first();
    const soon = new Date(Date.now() + 3 * 86_400_000).toISOString();
    expect((await call('PUT', `/api/v1/credentials/${c.uuid}`, { ...valid(), expiresAt: soon })).json).toMatchObject({ healthStatus: 'CREDENTIAL_HEALTH_STATUS_EXPIRING' });
    expect((await call('PUT', `/api/v1/credentials/${c.uuid}`, { ...valid(), expiresAt: '2001-01-01T00:00:00Z' })).json).toMatchObject({ healthStatus: 'CREDENTIAL_HEALTH_STATUS_EXPIRED' });
  });

  it.each([
    ['an unknown field', { uuid: 'x' }, 'proto: unknown field "uuid"', []],
    ['a read-only field', { type: 'CREDENTIAL_TYPE_PASSWORD' }, 'proto: unknown field "type"', []],
    ['an empty value', { value: '' }, 'invalid UpdateCredentialRequest', [{ field: 'value', description: 'must not be empty' }]],
    ['a bad date', { expiresAt: 'next tuesday' }, 'invalid UpdateCredentialRequest', [{ field: 'expiresAt', description: 'must be an RFC 3339 timestamp' }]],
    ['a missing operator', { operator: undefined }, 'invalid UpdateCredentialRequest', [{ field: 'operator', description: 'is required' }]],
    ['a missing name', { name: undefined }, 'invalid UpdateCredentialRequest', [{ field: 'name', description: 'value length must be between 1 and 255 runes' }]],
    ['a long description', { description: 'd'.repeat(1025) }, 'invalid UpdateCredentialRequest', [{ field: 'description', description: 'value length must be at most 1024 runes' }]],
    ['a non-string name', { name: 7 }, 'invalid UpdateCredentialRequest', [{ field: 'name', description: 'must be a string' }]],
  ])('PUT refuses %s with 400 INVALID_ARGUMENT and a BadRequest detail, changing nothing', async (_label, patch, message, violations) => {
    const before = structuredClone(first());
    const res = await call('PUT', `/api/v1/credentials/${first().uuid}`, { ...valid(), ...patch });
    expect(res.status).toBe(400);
    expect(res.json).toEqual({
      code: 3,
      message,
      details: violations.length ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations }] : [],
    });
    expect(first()).toEqual(before);
    expect(sim.state.operations).toEqual([]);
  });

  it('PUT refuses a body that is not a JSON object', async () => {
    expect(await call('PUT', `/api/v1/credentials/${first().uuid}`, '[1,2]')).toMatchObject({ status: 400, json: { code: 3 } });
    expect(await call('PUT', `/api/v1/credentials/${first().uuid}`, 'not json')).toMatchObject({ status: 400, json: { code: 3 } });
  });

  it('answers 429 RESOURCE_EXHAUSTED with Retry-After once its budget is spent', async () => {
    sim.state.rateLimit = { perSecond: 0 };
    const res = await call('GET', '/api/v1/credentials');
    expect(res).toMatchObject({ status: 429, json: { code: 8 } });
    expect(res.headers.get('retry-after')).toBe('1');
  });
});
