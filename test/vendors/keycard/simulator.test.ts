import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { keycardSeed } from '../../../src/vendors/keycard/seed.js';
import { startKeycardSimulator, type KeycardSimulator } from '../../../src/vendors/keycard/simulator.js';

/** The simulator against the contract, spoken to directly: the gateway tests rely on it being right. */
const GATEWAY = { clientId: 'GatewayClient00000001', clientSecret: 'gateway-secret' };
let sim: KeycardSimulator;
let token: string;

beforeAll(async () => {
  sim = await startKeycardSimulator(keycardSeed('acme', GATEWAY));
});
afterAll(() => sim.close());
beforeEach(async () => {
  sim.clearFaults();
  token = ((await tokenCall({ authorization: basic(GATEWAY.clientId, GATEWAY.clientSecret) }, 'grant_type=client_credentials')).body as { access_token: string }).access_token;
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
async function call(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
  const res = await fetch(sim.url + path, { method, headers: init.headers, body: init.body });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? (JSON.parse(text) as unknown) : undefined };
}
const tokenCall = (headers: Record<string, string>, body: string, contentType = 'application/x-www-form-urlencoded') =>
  call('POST', '/service-account-token', { headers: { 'content-type': contentType, ...headers }, body });
const api = (method: string, path: string, init: { headers?: Record<string, string>; body?: unknown } = {}) =>
  call(method, `/organizations/${sim.state.organization.id}${path}`, {
    headers: { authorization: `Bearer ${token}`, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
const billing = () => sim.state.serviceAccounts.find((s) => s.name === 'billing-worker')!;
const invalid = (message: RegExp) => ({ status: 400, body: { message: expect.stringMatching(message), code: 'invalid_request', status: 400 } });

describe('the simulated token endpoint', () => {
  it('issues a bearer token for HTTP Basic client credentials', async () => {
    const res = await tokenCall({ authorization: basic(GATEWAY.clientId, GATEWAY.clientSecret) }, 'grant_type=client_credentials');
    expect(res).toMatchObject({ status: 200, body: { token_type: 'Bearer', expires_in: 3600, access_token: expect.any(String), refresh_token: expect.any(String) } });
  });

  it('also accepts the pair in the form body (Terraform provider style)', async () => {
    const res = await tokenCall({}, `grant_type=client_credentials&client_id=${GATEWAY.clientId}&client_secret=${GATEWAY.clientSecret}`);
    expect(res.status).toBe(200);
  });

  it('answers 401 in Keycard format for a wrong secret, 400 for another grant or a JSON body', async () => {
    expect(await tokenCall({ authorization: basic(GATEWAY.clientId, 'wrong') }, 'grant_type=client_credentials')).toEqual({
      status: 401,
      headers: expect.anything(),
      body: { message: 'Invalid client credentials', code: 'unauthorized', status: 401 },
    });
    expect((await tokenCall({ authorization: basic(GATEWAY.clientId, GATEWAY.clientSecret) }, 'grant_type=password')).status).toBe(400);
    expect((await tokenCall({}, '{"grant_type":"client_credentials"}', 'application/json')).status).toBe(400);
  });

  it('requires a valid bearer on API calls, answering 401 in Keycard format', async () => {
    const res = await api('GET', '/service-accounts', { headers: { authorization: 'Bearer nope' } });
    expect(res).toMatchObject({ status: 401, body: { code: 'unauthorized', status: 401 } });
    sim.revokeTokens();
    expect((await api('GET', '/service-accounts')).status).toBe(401);
  });
});

describe('simulated lists', () => {
  it('adds permissions for expand=permissions and expand[]=permissions, and only then', async () => {
    const plain = (await api('GET', '/service-accounts')).body as { items: Record<string, unknown>[] };
    expect(plain.items.every((i) => !('permissions' in i))).toBe(true);
    for (const q of ['expand=permissions', 'expand%5B%5D=permissions']) {
      const res = (await api('GET', `/service-accounts?${q}`)).body as { items: { id: string; permissions: unknown }[] };
      expect(res.items.map((i) => i.permissions)).toEqual(sim.state.serviceAccounts.map((s) => sim.state.permissions.get(s.id)));
    }
    const one = await api('GET', `/service-accounts/${billing().id}?expand[]=permissions`);
    expect(one.body).toMatchObject({ id: billing().id, permissions: sim.state.permissions.get(billing().id) });
    expect(await api('GET', '/service-accounts?expand=secrets')).toMatchObject(invalid(/expand/));
  });

  it.each(['0', '101', 'abc', '1.5', ''])('refuses limit=%j with 400 invalid_request', async (limit) => {
    expect(await api('GET', `/service-accounts?limit=${limit}`)).toMatchObject(invalid(/limit/));
  });

  it('refuses empty, over-long and unknown cursors, and after together with before', async () => {
    expect(await api('GET', '/service-accounts?after=')).toMatchObject(invalid(/after/));
    expect(await api('GET', `/service-accounts?after=${'c'.repeat(256)}`)).toMatchObject(invalid(/after/));
    expect(await api('GET', `/service-accounts?before=${'c'.repeat(256)}`)).toMatchObject(invalid(/before/));
    expect(await api('GET', '/service-accounts?after=bm90LWEtY3Vyc29y')).toMatchObject(invalid(/invalid cursor/));
    expect(await api('GET', '/service-accounts?after=a&before=b')).toMatchObject(invalid(/either/));
  });

  it('pages forward with after=end_cursor and back with before=start_cursor', async () => {
    type Page = { items: { id: string }[]; page_info: { has_next_page: boolean; has_prev_page: boolean; start_cursor?: string; end_cursor?: string } };
    const ids = sim.state.serviceAccounts.map((s) => s.id);
    const first = (await api('GET', '/service-accounts?limit=2')).body as Page;
    expect(first.items.map((i) => i.id)).toEqual(ids.slice(0, 2));
    expect(first.page_info).toMatchObject({ has_next_page: true, has_prev_page: false });
    const second = (await api('GET', `/service-accounts?limit=2&after=${first.page_info.end_cursor}`)).body as Page;
    expect(second.items.map((i) => i.id)).toEqual(ids.slice(2, 4));
    expect(second.page_info).toMatchObject({ has_next_page: ids.length > 4, has_prev_page: true });
    const back = (await api('GET', `/service-accounts?limit=2&before=${second.page_info.start_cursor}`)).body as Page;
    expect(back.items.map((i) => i.id)).toEqual(ids.slice(0, 2));
    const last = (await api('GET', `/service-accounts?limit=100`)).body as Page;
    expect(last.page_info).toMatchObject({ has_next_page: false, has_prev_page: false });
  });

  it('accepts the organization label as well as its id, and 404s an unknown organization', async () => {
    const byLabel = await call('GET', '/organizations/acme/service-accounts', { headers: { authorization: `Bearer ${token}` } });
    expect(byLabel.status).toBe(200);
    const other = await call('GET', '/organizations/other/service-accounts', { headers: { authorization: `Bearer ${token}` } });
    expect(other).toMatchObject({ status: 404, body: { code: 'not_found', status: 404 } });
  });

  it('refuses a path id over 255 characters and a correlation id that is not a UUID', async () => {
    expect(await api('GET', `/service-accounts/${'s'.repeat(256)}`)).toMatchObject(invalid(/service_account_id/));
    expect(await api('GET', '/service-accounts', { headers: { 'x-client-request-id': 'not-a-uuid' } })).toMatchObject(invalid(/X-Client-Request-ID/));
    expect((await api('GET', '/service-accounts', { headers: { 'x-client-request-id': randomUUID() } })).status).toBe(200);
  });
});

describe('simulated PATCH credential', () => {
  const target = () => {
    const sa = billing();
    return { sa, cred: sim.state.credentials.get(sa.id)![0]! };
  };
  const patch = (body: unknown) => api('PATCH', `/service-accounts/${target().sa.id}/credentials/${target().cred.id}`, { body });

  it.each([
    [{ client_secret: 'x' }, /Unknown field/],
    [{ description: null }, /description must be a string/],
    [{ description: 'd'.repeat(501) }, /at most 500/],
    [{ name: '' }, /name/],
    [[], /JSON object/],
  ])('refuses %j with 400 in Keycard format', async (body, message) => {
    const before = structuredClone(target().cred);
    expect(await patch(body)).toMatchObject(invalid(message));
    expect(target().cred).toEqual(before);
  });

  it('applies name and description and answers 200 with the credential, never its secret', async () => {
    const res = await patch({ name: 'billing-prod', description: 'Production secret' });
    expect(res).toMatchObject({ status: 200, body: { id: target().cred.id, name: 'billing-prod', description: 'Production secret' } });
    expect(JSON.stringify(res.body)).not.toContain(sim.state.secrets.get(target().cred.client_id)!);
  });

  it('404s a credential of another service account', async () => {
    const other = sim.state.serviceAccounts.find((s) => s.name === 'terraform-ci')!;
    const res = await api('PATCH', `/service-accounts/${other.id}/credentials/${target().cred.id}`, { body: { name: 'x' } });
    expect(res).toMatchObject({ status: 404, body: { code: 'not_found' } });
  });
});
