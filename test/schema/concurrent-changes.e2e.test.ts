import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../src/audit.js';
import type { Vendor } from '../../src/domain/vendor.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { Auth0Simulator } from '../../src/vendors/auth0/simulator.js';
import {
  KeycardNodeDocument,
  KeycardUpdateCredentialDocument,
  RotateConnectionKeysDocument,
  UpdateCredentialDocument,
  type RotateConnectionKeysInput,
} from '../gql/graphql.js';
import { VENDOR_READS, vendorRead } from '../fixtures/faults.js';
import { startHarness, type Harness } from '../fixtures/harness.js';
import { redisAvailable, startRedis, type RedisServer } from '../fixtures/redis.js';

/** Changes of one credential at once, and in order within one request (README: "Changes at once"). */
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: ['auth0-prod'] } });
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const writes = (vendor: Vendor) => h.sim(vendorRead(vendor).account).apiRequests().filter((r) => r.method !== 'GET');
/** A change each vendor accepts, distinct per `n`. */
const change = (vendor: Vendor, n: number) => (vendor === 'AUTH0' ? { expiresAt: `${2030 + n}-01-01T00:00:00.000Z` } : { name: `renamed-${n}` });

describe('two updates of one credential at once', () => {
  it('applies both of a Keycard credential, each PATCH carrying only its own field: neither is lost', async () => {
    const keycard = vendorRead('KEYCARD');
    const sim = h.sim(keycard.account);
    sim.setLatency(30);
    const { globalId } = keycard.credentials(sim)[0]!;
    const [a, b] = await Promise.all([
      h.exec(KeycardUpdateCredentialDocument, { input: { id: globalId, name: 'ci-deployer' } }),
      h.exec(KeycardUpdateCredentialDocument, { input: { id: globalId, description: 'Deploys from CI' } }),
    ]);
    expect([a.data!.updateCredential.__typename, b.data!.updateCredential.__typename]).toEqual(['UpdateCredentialSuccess', 'UpdateCredentialSuccess']);
    expect(writes('KEYCARD').map((r) => r.body)).toEqual(expect.arrayContaining([{ name: 'ci-deployer' }, { description: 'Deploys from CI' }]));
    const read = await h.exec(KeycardNodeDocument, { id: globalId });
    expect(read.data!.node).toMatchObject({ name: 'ci-deployer', description: 'Deploys from CI' });
  });

  it.each(VENDOR_READS.map((v) => [v.vendor] as const))('with one idempotency key makes one change in %s; the others get its outcome, replayed', async (vendor) => {
    const v = vendorRead(vendor);
    const sim = h.sim(v.account);
    sim.setLatency(50);
    const { globalId } = v.credentials(sim)[0]!;
    const input = { id: globalId, idempotencyKey: `at-once-${vendor}-${Date.now()}`, ...change(vendor, 1) };
    const results = await Promise.all(Array.from({ length: 3 }, () => h.exec(UpdateCredentialDocument, { input })));
    const answers = results.map((r) => r.data!.updateCredential);
    expect(answers.map((a) => a.__typename)).toEqual(['UpdateCredentialSuccess', 'UpdateCredentialSuccess', 'UpdateCredentialSuccess']);
    expect(answers.map((a) => (a as { replayed: boolean }).replayed).sort()).toEqual([false, true, true]);
    expect(writes(vendor)).toHaveLength(1);
  });
});

describe('updates of one credential in one mutation document', () => {
  it.each(VENDOR_READS.map((v) => [v.vendor] as const))('run in order in %s, each answered with the state its own write left', async (vendor) => {
    const v = vendorRead(vendor);
    const { globalId } = v.credentials(h.sim(v.account))[1]!;
    const [field, first] = Object.entries(change(vendor, 2))[0]!;
    const second = Object.values(change(vendor, 3))[0]!;
    const query = `mutation($id: ID!, $first: ${field === 'name' ? 'String' : 'DateTime'}, $second: ${field === 'name' ? 'String' : 'DateTime'}) {
      a: updateCredential(input: { id: $id, ${field}: $first }) { ... on UpdateCredentialSuccess { credential { ${field} } } }
      b: updateCredential(input: { id: $id, ${field}: $second }) { ... on UpdateCredentialSuccess { credential { ${field} } } }
    }`;
    const body = (await (await h.post(JSON.stringify({ query, variables: { id: globalId, first, second } }))).json()) as { data: Record<'a' | 'b', { credential: Record<string, string> }> };
    expect(body.data).toEqual({ a: { credential: { [field]: first } }, b: { credential: { [field]: second } } });
    expect(writes(vendor)).toHaveLength(2);
  });
});

const ACCOUNT = 'auth0-prod';
const ROTATE = '/api/v2/connections/:id/keys/rotate';
const auth0 = (on: Harness = h) => on.sim(ACCOUNT) as Auth0Simulator;
const connection = (name: string) => {
  const c = auth0().state.connections.find((x) => x.name === name)!;
  return { id: c.id, globalId: encodeGlobalId('Auth0Connection', JSON.stringify([ACCOUNT, c.id])) };
};
/** The rotate requests the Auth0 simulator received, whichever gateway sent them. */
const rotatePosts = () => auth0().apiRequests().filter((r) => r.route === ROTATE);
const rotate = async (input: RotateConnectionKeysInput, on: Harness = h) => {
  const res = await on.exec(RotateConnectionKeysDocument, { input });
  expect(res.errors).toBeUndefined();
  return res.data!.rotateConnectionKeys;
};
const newKid = (result: Awaited<ReturnType<typeof rotate>>) => {
  if (result.__typename !== 'RotateConnectionKeysSuccess') throw new Error(`expected a rotation, got ${JSON.stringify(result)}`);
  return result.newKey.kid!;
};
/** The refusal a rotation of `id` gets while another of it is in flight. */
const inProgress = (id: string) => ({
  __typename: 'ChangeInProgressError',
  vendor: 'AUTH0',
  account: ACCOUNT,
  message: `another rotation of connection "${id}" in AUTH0 account "${ACCOUNT}" is in progress, or its outcome is still unknown; nothing was sent: read the connection's keys once it has finished before rotating again`,
});
const rotationAudits = (on: Harness = h) =>
  on.logs
    .map((l) => JSON.parse(l) as { msg: string; audit?: AuditRecord })
    .filter((l) => l.msg === 'audit' && l.audit!.operation === 'rotateConnectionKeys')
    .map((l) => l.audit!);
let keys = 0;
const idempotencyKey = () => `at-once-${Date.now()}-${++keys}`;

describe('two rotations of one Auth0 connection at once', () => {
  it('rotates once: the one sent while the other is in flight is refused with ChangeInProgressError, sending nothing, and audited', async () => {
    const { id, globalId } = connection('okta-workforce');
    const held = auth0().hold({ method: 'POST', route: ROTATE, params: { id } });
    const first = rotate({ connectionId: globalId });
    await held.reached;
    const sent = auth0().requests.length;
    const audited = rotationAudits().length;
    expect(await rotate({ connectionId: globalId, signingAlg: 'RS384' })).toEqual(inProgress(id));
    // Nothing at all, not even a token request.
    expect(auth0().requests).toHaveLength(sent);
    held.release();
    expect((await first).__typename).toBe('RotateConnectionKeysSuccess');
    expect(rotatePosts()).toHaveLength(1);
    expect(rotatePosts()[0]!.body).toBeUndefined(); // the first one's (no signingAlg), not the refused one's
    expect(rotationAudits().slice(audited)).toEqual([
      expect.objectContaining({ outcome: 'ChangeInProgressError', account: ACCOUNT, vendor: 'AUTH0', target: [id], fields: ['signingAlg'], upstreamStatus: null }),
      expect.objectContaining({ outcome: 'success', target: [id], upstreamStatus: 201 }),
    ]);
  });

  it('rotates both when the two connections differ', async () => {
    const [a, b] = [connection('okta-workforce'), connection('partner-oidc')];
    const held = auth0().hold({ method: 'POST', route: ROTATE, params: { id: a.id } });
    const first = rotate({ connectionId: a.globalId });
    await held.reached;
    expect((await rotate({ connectionId: b.globalId })).__typename).toBe('RotateConnectionKeysSuccess');
    held.release();
    expect((await first).__typename).toBe('RotateConnectionKeysSuccess');
    expect(rotatePosts().map((r) => r.params.id).sort()).toEqual([a.id, b.id].sort());
  });

  it('rotates again when the second is sent after the first has finished: one at a time, not one in all', async () => {
    const { globalId } = connection('okta-workforce');
    const first = newKid(await rotate({ connectionId: globalId }));
    const second = newKid(await rotate({ connectionId: globalId }));
    expect(second).not.toBe(first);
    expect(rotatePosts()).toHaveLength(2);
  });

  it('leaves the idempotency key of a refused rotation unused: sent again once the other has finished, it rotates, and then replays that', async () => {
    const { id, globalId } = connection('okta-workforce');
    const held = auth0().hold({ method: 'POST', route: ROTATE, params: { id } });
    const first = rotate({ connectionId: globalId });
    await held.reached;
    const input = { connectionId: globalId, idempotencyKey: idempotencyKey() };
    expect(await rotate(input)).toEqual(inProgress(id));
    held.release();
    const firstKid = newKid(await first);

    const retried = await rotate(input);
    expect(retried).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', replayed: false });
    expect(newKid(retried)).not.toBe(firstKid);
    expect(rotatePosts()).toHaveLength(2);
    expect(await rotate(input)).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', replayed: true, newKey: { kid: newKid(retried) } });
    expect(rotatePosts()).toHaveLength(2);
  });

  it("answers the same idempotency key, sent again while its rotation is in flight, as before: it waits for the first and gets its outcome, never ChangeInProgressError", async () => {
    const { id, globalId } = connection('okta-workforce');
    const input = { connectionId: globalId, idempotencyKey: idempotencyKey() };
    const held = auth0().hold({ method: 'POST', route: ROTATE, params: { id } });
    const first = rotate(input);
    await held.reached;
    // The duplicate reads the key's record only when it finds the key claimed: then it waits.
    const reads = vi.spyOn(MemoryStore.prototype, 'get');
    try {
      const duplicate = rotate(input);
      await vi.waitFor(() => expect(reads.mock.calls.some(([k]) => k.startsWith('idem:'))).toBe(true));
      held.release();
      const [a, b] = await Promise.all([first, duplicate]);
      expect(a).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', replayed: false });
      expect(b).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', replayed: true, newKey: { kid: newKid(a) } });
      expect(rotatePosts()).toHaveLength(1);
    } finally {
      reads.mockRestore();
    }
  });
});

describe.runIf(redisAvailable)('two rotations of one Auth0 connection at once, through two gateway replicas sharing one Redis', () => {
  let redis: RedisServer;
  let a: Harness;
  let b: Harness;
  beforeAll(async () => {
    redis = await startRedis();
    a = await startHarness({ accounts: { auth0: [ACCOUNT] }, config: { redis: { url: redis.url } } });
    // B's requests run out of time soon, so a duplicate it holds waiting on A's key answers within this spec.
    b = await startHarness({ sandbox: a.sandbox, config: { redis: { url: redis.url }, requestTimeoutMs: 1_000 } });
  }, 30_000);
  afterAll(async () => {
    await b?.close();
    await a?.close();
    await redis?.stop();
  });
  beforeEach(() => a.reset());
  const posts = () => auth0(a).apiRequests().filter((r) => r.route === ROTATE);
  const id = (name = 'okta-workforce') => auth0(a).state.connections.find((x) => x.name === name)!.id;
  const globalId = (name?: string) => encodeGlobalId('Auth0Connection', JSON.stringify([ACCOUNT, id(name)]));

  it('refuses on one replica the rotation the other has in flight, with ChangeInProgressError, sending nothing', async () => {
    const held = auth0(a).hold({ method: 'POST', route: ROTATE, params: { id: id() } });
    const first = rotate({ connectionId: globalId() }, a);
    await held.reached;
    const sent = auth0(a).requests.length;
    expect(await rotate({ connectionId: globalId() }, b)).toEqual(inProgress(id()));
    expect(auth0(a).requests).toHaveLength(sent);
    held.release();
    expect((await first).__typename).toBe('RotateConnectionKeysSuccess');
    expect(posts()).toHaveLength(1);
    expect(rotationAudits(b).at(-1)).toMatchObject({ outcome: 'ChangeInProgressError', target: [id()], upstreamStatus: null });
  });

  it('answers the same idempotency key on the other replica IdempotencyConflictError IN_PROGRESS at its deadline while the first is in flight', async () => {
    const input = { connectionId: globalId(), idempotencyKey: idempotencyKey() };
    const held = auth0(a).hold({ method: 'POST', route: ROTATE, params: { id: id() } });
    const first = rotate(input, a);
    await held.reached;
    expect(await rotate(input, b)).toMatchObject({ __typename: 'IdempotencyConflictError', reason: 'IN_PROGRESS' });
    held.release();
    expect(await first).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', replayed: false });
    expect(posts()).toHaveLength(1);
  });

  it('refuses a rotation on the other replica just after one cut off unanswered at its deadline (Auth0 may still apply it), sending nothing', async () => {
    // A connection of its own: this one's lock stays held a few seconds after the spec.
    const held = auth0(a).hold({ method: 'POST', route: ROTATE, params: { id: id('partner-oidc') } });
    try {
      expect(await rotate({ connectionId: globalId('partner-oidc') }, b)).toMatchObject({ __typename: 'UpstreamError', outcomeUnknown: true });
      const sent = auth0(a).requests.length;
      expect(await rotate({ connectionId: globalId('partner-oidc') }, a)).toEqual(inProgress(id('partner-oidc')));
      expect(auth0(a).requests).toHaveLength(sent);
      expect(posts()).toHaveLength(1);
    } finally {
      held.release();
    }
  });
});
