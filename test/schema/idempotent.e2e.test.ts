import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditRecord } from '../../src/audit.js';
import { encodeGlobalId } from '../../src/schema/global-id.js';
import type { Auth0Simulator } from '../../src/vendors/auth0/simulator.js';
import { RotateConnectionKeysDocument, UpdateCredentialDocument } from '../gql/graphql.js';
import { authConfig, jwtFixture, KEYS } from '../fixtures/callers.js';
import { hangUpOnceSent, startHarness, type Harness } from '../fixtures/harness.js';
import { auth0Credential } from '../fixtures/ids.js';

/** Idempotency keys on mutations, end to end against the simulators (in-memory store). */
let h: Harness;
let sim: Auth0Simulator;
const ACCOUNT = 'auth0-prod';
beforeAll(async () => {
  h = await startHarness({ accounts: { auth0: [ACCOUNT] } });
  sim = h.sim(ACCOUNT) as Auth0Simulator;
});
afterAll(() => h.close());
beforeEach(() => h.reset());

const ROTATE_ROUTE = '/api/v2/connections/:id/keys/rotate';
const connection = () => {
  const c = sim.state.connections.find((x) => x.name === 'okta-workforce')!;
  return { id: c.id, globalId: encodeGlobalId('Auth0Connection', JSON.stringify([ACCOUNT, c.id])) };
};
const credential = (name: string) => auth0Credential(sim, ACCOUNT, name);
const rotations = () => sim.apiRequests().filter((r) => r.route === ROTATE_ROUTE);
const patches = () => sim.apiRequests().filter((r) => r.method === 'PATCH');
const audits = () =>
  h.logs
    .map((l) => JSON.parse(l) as { msg: string; audit?: AuditRecord })
    .filter((l) => l.msg === 'audit')
    .map((l) => l.audit!);
let n = 0;
const key = () => `key-${Date.now()}-${++n}`;

describe('rotateConnectionKeys with an idempotency key', () => {
  it('reports an applied-but-failed rotation as outcome unknown once, and a retry with the key does not rotate again', async () => {
    const { id, globalId } = connection();
    const before = sim.state.keys.get(id)!.map((k) => k.kid);
    sim.inject({ method: 'POST', route: ROTATE_ROUTE, status: 500, afterApply: true });
    const k = key();
    const first = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: k } });
    // Not retryable: the same key replays this answer, and a new one could rotate a second time.
    expect(first.data!.rotateConnectionKeys).toMatchObject({
      __typename: 'UpstreamError',
      status: 500,
      retryable: false,
      outcomeUnknown: true,
      replayed: false,
      message: expect.stringContaining('may or may not have been applied — read the resource before deciding whether to make it again'),
    });
    expect(rotations()).toHaveLength(1);
    const afterFirst = sim.state.keys.get(id)!.map((k) => k.kid);
    expect(afterFirst).not.toEqual(before); // the simulator did rotate

    const retry = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: k } });
    // The same failure, said to be the first call's: this retry rotated nothing.
    expect(retry.data!.rotateConnectionKeys).toEqual({ ...first.data!.rotateConnectionKeys, replayed: true });
    expect(rotations()).toHaveLength(1);
    // Both audit records say the outcome is unknown: an auditor must not read them as refused.
    expect(audits().filter((a) => a.operation === 'rotateConnectionKeys')).toEqual([
      expect.objectContaining({ outcome: 'UpstreamError', upstreamStatus: 500, outcomeUnknown: true }),
      expect.objectContaining({ outcome: 'UpstreamError', upstreamStatus: null, replayed: true, outcomeUnknown: true }),
    ]);
    expect(sim.state.keys.get(id)!.map((k) => k.kid)).toEqual(afterFirst);
    expect(audits().at(-1)).toMatchObject({ operation: 'rotateConnectionKeys', outcome: 'UpstreamError', replayed: true });
  });

  it.each([
    ['malformed JSON', { malformed: true }],
    ['an unexpected shape', { json: { unexpected: true } }],
  ])('keeps a rotation the vendor accepted but answered with %s: outcome unknown, and the retry rotates nothing', async (_, answer) => {
    const { id, globalId } = connection();
    sim.inject({ method: 'POST', route: ROTATE_ROUTE, status: 201, afterApply: true, ...answer });
    const k = key();
    const first = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: k } });
    expect(first.data!.rotateConnectionKeys).toMatchObject({
      __typename: 'UpstreamError',
      status: 201,
      retryable: false,
      outcomeUnknown: true,
      message: expect.stringContaining('the change was applied'),
    });
    const afterFirst = sim.state.keys.get(id)!.map((k) => k.kid);

    const retry = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: k } });
    expect(retry.data!.rotateConnectionKeys).toEqual({ ...first.data!.rotateConnectionKeys, replayed: true });
    expect(rotations()).toHaveLength(1);
    expect(sim.state.keys.get(id)!.map((k) => k.kid)).toEqual(afterFirst);
  });

  it('replays a successful rotation: the same new key, no second POST', async () => {
    const { globalId } = connection();
    const k = key();
    const first = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: k } });
    const again = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: k } });
    const kid = (r: typeof first) => (r.data!.rotateConnectionKeys as { newKey: { kid: string } }).newKey.kid;
    expect(first.data!.rotateConnectionKeys).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', replayed: false });
    expect(kid(again)).toBe(kid(first));
    // Said so, for a client that would otherwise take the earlier outcome for a new one.
    expect(again.data!.rotateConnectionKeys).toMatchObject({ replayed: true });
    expect(rotations()).toHaveLength(1);
  });

  it('finishes a rotation whose client went away once it was sent, so the retry with the key replays its new key instead of an unknown outcome', async () => {
    const { id, globalId } = connection();
    const before = sim.state.keys.get(id)!.map((k) => k.kid);
    const k = key();
    const input = { connectionId: globalId, idempotencyKey: k };
    sim.setLatency(300);
    const audited = audits().length;
    expect(await hangUpOnceSent(h, RotateConnectionKeysDocument, { input }, () => rotations().length === 1)).toMatchObject({ name: 'AbortError' });
    // The rotation runs to its end: its audit record says it succeeded.
    await vi.waitFor(() => expect(audits().slice(audited)).toEqual([expect.objectContaining({ operation: 'rotateConnectionKeys', outcome: 'success' })]), { timeout: 3_000 });
    const rotated = sim.state.keys.get(id)!.map((k) => k.kid);
    expect(rotated).not.toEqual(before);

    sim.setLatency(0);
    const retry = await h.exec(RotateConnectionKeysDocument, { input });
    expect(retry.data!.rotateConnectionKeys).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', replayed: true });
    const newKid = (retry.data!.rotateConnectionKeys as { newKey: { kid: string } }).newKey.kid;
    expect(rotated).toContain(newKid);
    expect(before).not.toContain(newKid);
    expect(rotations()).toHaveLength(1);
  });

  it('lets concurrent duplicates wait for the first: one rotation, one new key for all', async () => {
    const { globalId } = connection();
    sim.setLatency(150);
    const k = key();
    const results = await Promise.all(
      Array.from({ length: 4 }, () => h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: k } })),
    );
    const kids = new Set(results.map((r) => (r.data!.rotateConnectionKeys as { newKey: { kid: string } }).newKey.kid));
    expect(kids.size).toBe(1);
    expect(rotations()).toHaveLength(1);
  });

  it('refuses the same key with a different input, sending nothing', async () => {
    const { globalId } = connection();
    const k = key();
    await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: k } });
    const other = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, signingAlg: 'RS384', idempotencyKey: k } });
    expect(other.data!.rotateConnectionKeys).toMatchObject({ __typename: 'IdempotencyConflictError', reason: 'INPUT_MISMATCH' });
    expect(rotations()).toHaveLength(1);
  });

  it('rotates every time without a key', async () => {
    const { globalId } = connection();
    const answers = [];
    for (let i = 0; i < 2; i++) {
      const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId } });
      expect(res.errors).toBeUndefined();
      answers.push(res.data!.rotateConnectionKeys as { __typename: string; replayed: boolean; newKey: { kid: string } });
    }
    for (const answer of answers) expect(answer).toMatchObject({ __typename: 'RotateConnectionKeysSuccess', replayed: false });
    // Each its own rotation: two new keys, not the first one replayed.
    expect(answers[1]!.newKey.kid).not.toBe(answers[0]!.newKey.kid);
    expect(rotations()).toHaveLength(2);
  });

  it('refuses a malformed key before anything is sent', async () => {
    const { globalId } = connection();
    const res = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: globalId, idempotencyKey: 'has space' } });
    // A space is printable ASCII, so the refusal says which characters a key may hold.
    expect(res.data!.rotateConnectionKeys).toMatchObject({ __typename: 'ValidationError', message: 'input.idempotencyKey must be 1-255 visible ASCII characters (no spaces)', fields: [{ field: 'input.idempotencyKey' }] });
    expect(sim.requests).toEqual([]);
  });
});

describe('updateCredential with an idempotency key', () => {
  it('sends the PATCH once and replays the updated credential', async () => {
    const { globalId } = credential('billing-next');
    const k = key();
    const expiresAt = new Date(Date.now() + 120 * 86_400_000).toISOString();
    const first = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt, idempotencyKey: k } });
    const again = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt, idempotencyKey: k } });
    expect(first.data!.updateCredential).toMatchObject({ __typename: 'UpdateCredentialSuccess', replayed: false, credential: { expiresAt } });
    // The same credential as then, marked as an earlier outcome: a later change may have overtaken it.
    expect(again.data!.updateCredential).toEqual({ ...first.data!.updateCredential, replayed: true });
    expect(patches()).toHaveLength(1);
    const [sent, replayed] = audits().slice(-2);
    expect(sent).toMatchObject({ fields: ['expiresAt'], upstreamStatus: 201, outcome: 'success' });
    expect(sent!.replayed).toBeUndefined();
    // A replay sent nothing, so it has no upstream status; the key itself is not a field changed.
    expect(replayed).toMatchObject({ fields: ['expiresAt'], upstreamStatus: null, replayed: true });
  });

  it('replays an update whose new expiry has passed since: the retry with the key gets the first outcome, not "must be in the future"', async () => {
    const { globalId } = credential('billing-next');
    const input = { id: globalId, expiresAt: new Date(Date.now() + 60_000).toISOString(), idempotencyKey: key() };
    const first = await h.exec(UpdateCredentialDocument, { input });
    expect(first.data!.updateCredential).toMatchObject({ __typename: 'UpdateCredentialSuccess', replayed: false, credential: { expiresAt: input.expiresAt } });
    // The answer was lost; the client retries two minutes later, once the expiry it set has passed.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 120_000);
      const retry = await h.exec(UpdateCredentialDocument, { input });
      expect(retry.data!.updateCredential).toMatchObject({ __typename: 'UpdateCredentialSuccess', replayed: true, credential: { expiresAt: input.expiresAt } });
      // Made again (a new key), the change is refused as ever: the check moved, it did not go.
      const anew = await h.exec(UpdateCredentialDocument, { input: { ...input, idempotencyKey: key() } });
      expect(anew.data!.updateCredential).toMatchObject({ __typename: 'ValidationError', fields: [{ field: 'input.expiresAt', message: 'must be in the future' }] });
    } finally {
      vi.useRealTimers();
    }
    expect(patches()).toHaveLength(1);
  });

  it('says an update the vendor applied but answered unreadably was applied, and lets the retry repeat it (it sets the same values)', async () => {
    const { globalId } = credential('billing-next');
    const input = { id: globalId, expiresAt: new Date(Date.now() + 200 * 86_400_000).toISOString(), idempotencyKey: key() };
    sim.inject({ method: 'PATCH', status: 201, malformed: true, afterApply: true });
    const first = await h.exec(UpdateCredentialDocument, { input });
    expect(first.data!.updateCredential).toMatchObject({
      __typename: 'UpstreamError',
      retryable: true,
      outcomeUnknown: false,
      message: expect.stringContaining('the change was applied, but its result could not be read — repeating it sets the same values'),
    });
    const retry = await h.exec(UpdateCredentialDocument, { input });
    expect(retry.data!.updateCredential).toMatchObject({ __typename: 'UpdateCredentialSuccess', credential: { expiresAt: input.expiresAt } });
    expect(patches().map((r) => r.body)).toEqual([{ expires_at: input.expiresAt }, { expires_at: input.expiresAt }]);
  });

  it('frees the key after a failure that certainly changed nothing, so the retry goes through', async () => {
    const { globalId } = credential('billing-next');
    const k = key();
    sim.inject({ method: 'PATCH', status: 404, json: { statusCode: 404, error: 'Not Found', message: 'The credential does not exist' } });
    const first = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null, idempotencyKey: k } });
    expect(first.data!.updateCredential.__typename).toBe('NotFoundError');
    const retry = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null, idempotencyKey: k } });
    expect(retry.data!.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(patches()).toHaveLength(2);
  });

  it('keeps keys per caller: another caller, even one of the same name, is not replayed the first one’s outcome', async () => {
    const jwt = await jwtFixture();
    const authed = await startHarness({ accounts: { auth0: [ACCOUNT] }, config: { auth: authConfig(jwt) } });
    try {
      const authedSim = authed.sim(ACCOUNT) as Auth0Simulator;
      const id = auth0Credential(authedSim, ACCOUNT, 'billing-next').globalId;
      // A token whose subject is named like the API key.
      const alice = await jwt.sign({ sub: 'admin', scope: 'credentials:read credentials:write' });
      const input = { id, expiresAt: null, idempotencyKey: key() };
      const byAdmin = await authed.exec(UpdateCredentialDocument, { input }, { 'x-api-key': KEYS.admin });
      const byAlice = await authed.exec(UpdateCredentialDocument, { input }, { authorization: `Bearer ${alice}` });
      expect([byAdmin, byAlice].map((r) => r.data!.updateCredential.__typename)).toEqual(['UpdateCredentialSuccess', 'UpdateCredentialSuccess']);
      expect(authedSim.apiRequests().filter((r) => r.method === 'PATCH')).toHaveLength(2);
      const records = authed.logs.map((l) => JSON.parse(l) as { msg: string; audit?: AuditRecord }).filter((l) => l.msg === 'audit');
      expect(records.map((r) => [r.audit!.caller, r.audit!.via, r.audit!.replayed ?? false])).toEqual([
        ['admin', 'api-key', false],
        ['admin', 'jwt', false],
      ]);
    } finally {
      await authed.close();
    }
  });

  it('keeps keys per caller and per operation: the same key for another mutation is not a conflict', async () => {
    const { globalId } = credential('billing-next');
    const k = key();
    const update = await h.exec(UpdateCredentialDocument, { input: { id: globalId, expiresAt: null, idempotencyKey: k } });
    const rotate = await h.exec(RotateConnectionKeysDocument, { input: { connectionId: connection().globalId, idempotencyKey: k } });
    expect(update.data!.updateCredential.__typename).toBe('UpdateCredentialSuccess');
    expect(rotate.data!.rotateConnectionKeys.__typename).toBe('RotateConnectionKeysSuccess');
  });
});
