import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import {
  GatewayError,
  IdempotencyConflictError,
  NotFoundError,
  PermissionDeniedError,
  UnsupportedChangeError,
  UpstreamError,
  ValidationError,
} from '../../src/errors.js';
import { encodeOutcome } from '../../src/idempotency/codec.js';
import { Idempotency } from '../../src/idempotency/idempotency.js';
import { nodeTypenames } from '../../src/schema/index.js';
import type { SharedStore } from '../../src/store/store.js';
import { startSandbox, type Sandbox } from '../../src/sandbox.js';
import { vendorModules } from '../../src/vendors/registry.js';
import type { VendorModule } from '../../src/vendors/module.js';
import { testAccountDeps, testScope } from '../fixtures/account-deps.js';
import { capturedLogger } from '../fixtures/logs.js';
import { storeKinds, useStores } from '../fixtures/stores.js';

/**
 * A key's record comes from the shared store, where another replica, another version of the
 * gateway, or anyone who can write to Redis may have written it. One this gateway cannot read is
 * an unknown outcome: nothing runs again, nothing of it reaches a resolver, and the log names
 * where it failed without a word of what it holds.
 */

const stores = useStores('idem-records-test:');
const SECRETS = ['vault-token-0123456789'];
const TYPENAMES = nodeTypenames();
const source = { vendor: 'VAULT' as const, account: 'vault-prod' };
/** Written into every record: what the log must never repeat. */
const CONTENT = 'Winter2025-db-password';
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
let n = 0;

const credential = () => ({
  ref: { typename: 'VaultCredential', account: 'vault-prod', path: ['cred-1'] },
  vendor: 'VAULT',
  externalId: 'cred-1',
  kind: 'SECRET',
  name: CONTENT,
  description: null,
  createdAt: new Date('2030-01-01T00:00:00Z'),
  updatedAt: null,
  expiresAt: null,
  lastUsedAt: null,
  owner: null,
});

const call = () => ({
  caller: 'api-key:ops',
  operation: 'updateCredential',
  key: `key-${++n}`,
  input: { id: 'cred-1', change: { name: CONTENT } },
  source,
  // An update may be made again when its first call's outcome was lost; a record it cannot read is not that.
  repeatable: true,
  deadline: Date.now() + 5_000,
});
type Call = ReturnType<typeof call>;
type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const storeKey = (c: Call) => `idem:${sha256(`${c.caller}\u0000${c.operation}\u0000${c.key}`)}`;

/** Runs `c` once to store a real record of `first`, then rewrites what the store holds with `tamper`. */
async function recorded(store: SharedStore, c: Call, first: () => Promise<unknown>, tamper: (record: Json) => string) {
  await new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS }).run(c, first).catch(() => undefined);
  const raw = await store.get(storeKey(c));
  expect(raw).not.toBeNull();
  await store.set(storeKey(c), tamper(JSON.parse(raw!) as Json), 60_000);
}

const succeeds = async () => credential();
const outcomeUnknown = async () => {
  throw new UpstreamError(`vault failed (HTTP 500); may or may not have been applied`, source, 500, true, true);
};
/** JSON with an own `__proto__` key at `path` (an object literal's `__proto__` would set a prototype, not a key). */
const withProto = (record: Json, at: (r: Json) => Json) => {
  at(record)['own-proto-marker'] = true;
  return JSON.stringify(record).replace('"own-proto-marker":true', `"__proto__":{"retryable":true,"outcomeUnknown":false,"polluted":"${CONTENT}"}`);
};

const unreadable: [string, () => Promise<unknown>, (r: Json) => string][] = [
  ['not JSON', succeeds, (r) => JSON.stringify(r).slice(0, -2)],
  ['a header of another shape (a state this version does not know)', succeeds, (r) => JSON.stringify({ ...r, state: 'finished' })],
  ['a header of another shape (a hash that is not a string)', succeeds, (r) => JSON.stringify({ ...r, inputHash: 42 })],
  ['a done record without an outcome', succeeds, ({ outcome: _, ...r }) => JSON.stringify(r)],
  ['an outcome envelope of another shape', succeeds, (r) => JSON.stringify({ ...r, outcome: { ok: 'yes', value: r.outcome.value } })],
  ['a ref naming a type this gateway does not have', succeeds, (r) => ((r.outcome.value.ref.typename = 'VaultSecretV2'), JSON.stringify(r))],
  ['an owner naming a type this gateway does not have', succeeds, (r) => ((r.outcome.value.owner = { typename: 'Query', account: 'vault-prod', path: [] }), JSON.stringify(r))],
  ['a rotation’s connection naming a type this gateway does not have', succeeds, (r) => ((r.outcome.value = { connection: { typename: 'Auth0Enterprise', account: 'a', path: ['c'] }, newKey: r.outcome.value }), JSON.stringify(r))],
  ['a vendor this gateway does not know', succeeds, (r) => ((r.outcome.value.vendor = 'OKTA'), JSON.stringify(r))],
  ['a date that is not a date', succeeds, (r) => ((r.outcome.value.createdAt = { $date: 'yesterday' }), JSON.stringify(r))],
  ['an error type this version does not know', outcomeUnknown, (r) => ((r.outcome.error.type = 'TeapotError'), JSON.stringify(r))],
  ['an error with fields of another type', outcomeUnknown, (r) => ((r.outcome.error.fields.status = '500'), JSON.stringify(r))],
  ['an error whose source names an unknown vendor', outcomeUnknown, (r) => ((r.outcome.error.fields.source.vendor = 'OKTA'), JSON.stringify(r))],
  ['__proto__ among an error’s fields', outcomeUnknown, (r) => withProto(r, (x) => x.outcome.error.fields)],
  ['__proto__ in a value', succeeds, (r) => withProto(r, (x) => x.outcome.value)],
  ['__proto__ in the header', succeeds, (r) => withProto(r, (x) => x)],
];

describe.each(storeKinds)('a stored record this gateway cannot read, on the %s store', (kind) => {
  it.each(unreadable)('holding %s, is an unknown outcome: nothing runs again, and the log says where it failed without its content', async (_, first, tamper) => {
    const store = stores[kind]!;
    const c = call();
    await recorded(store, c, first, tamper);
    const { logger, lines } = capturedLogger('warn');
    let ran = false;
    let replays = 0;
    const err = await new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS, logger })
      .run({ ...c, requestId: 'req-unreadable' }, async () => ((ran = true), credential()), () => replays++)
      .catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(replays).toBe(1);
    expect(err).toBeInstanceOf(UpstreamError);
    expect(err).toMatchObject({
      source,
      status: null,
      outcomeUnknown: true,
      retryable: false,
      replayed: true,
      message: expect.stringContaining('left a record this gateway cannot read'),
    });
    expect((err as UpstreamError).message).toContain('may or may not have been applied');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(lines).toEqual([
      expect.objectContaining({ level: 40, requestId: 'req-unreadable', operation: 'updateCredential', msg: expect.stringContaining('could not be read'), issues: expect.any(Array) }),
    ]);
    expect(JSON.stringify(lines)).not.toContain(CONTENT);
    // The record is left as it is: every retry is told the same, and none runs the change.
    const again = await new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS }).run(c, async () => ((ran = true), credential())).catch((e: unknown) => e);
    expect(again).toMatchObject({ outcomeUnknown: true });
    expect(ran).toBe(false);
  });

  it('replays a record whose refs name types of the schema, with its dates revived', async () => {
    const c = call();
    await recorded(stores[kind]!, c, succeeds, (r) => JSON.stringify(r));
    let ran = false;
    const value = await new Idempotency(stores[kind]!, { typenames: TYPENAMES, secrets: SECRETS }).run(c, async () => ((ran = true), credential()));
    expect(ran).toBe(false);
    expect(value).toEqual(credential());
    expect(value.createdAt).toBeInstanceOf(Date);
  });

  it('refuses a different input under the key of a record whose outcome it cannot read (its input it can compare)', async () => {
    const c = call();
    await recorded(stores[kind]!, c, succeeds, (r) => ((r.outcome.value.ref.typename = 'VaultSecretV2'), JSON.stringify(r)));
    const err = await new Idempotency(stores[kind]!, { typenames: TYPENAMES, secrets: SECRETS })
      .run({ ...c, input: { id: 'cred-2', change: { name: 'other' } } }, async () => 'ran')
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'INPUT_MISMATCH' });
  });
});

/**
 * This version keeps only successes and outcome-unknown failures (a failure that changed nothing
 * frees its key: test/schema/idempotent.e2e.test.ts). Another version sharing the store may have
 * kept one of these: it is told again as the same typed error, and nothing runs.
 */
const keptElsewhere: [string, GatewayError][] = [
  ['NotFoundError', new NotFoundError('The credential does not exist', source)],
  ['ValidationError', new ValidationError('input.expiresAt must be in the future', [{ field: 'input.expiresAt', message: 'must be in the future' }], source)],
  // Worded by the version that kept it: the message is told as it was, not rebuilt by this one's constructor.
  ['UnsupportedChangeError', Object.assign(new UnsupportedChangeError('VAULT', 'VaultCredential', ['expiresAt'], ['name', 'description']), { message: 'VaultCredential has no expiry to change' })],
  ['PermissionDeniedError', new PermissionDeniedError('vault refused the change (HTTP 403)', { scope: 'credentials:write', vendor: 'VAULT', account: 'vault-prod' })],
  ['IdempotencyConflictError', new IdempotencyConflictError('A request with this idempotency key is still in progress; retry later with the same key.', 'IN_PROGRESS')],
];

describe.each(storeKinds)('a stored record holding a failure another version kept, on the %s store', (kind) => {
  it.each(keptElsewhere)('replays its %s as the same typed error, with its message and fields, running nothing', async (_, error) => {
    const store = stores[kind]!;
    const c = call();
    await recorded(store, c, outcomeUnknown, (r) => JSON.stringify({ ...r, outcome: JSON.parse(JSON.stringify(encodeOutcome({ ok: false, error }))) }));
    const { logger, lines } = capturedLogger('warn');
    let ran = false;
    let replays = 0;
    const err = await new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS, logger })
      .run(c, async () => ((ran = true), credential()), () => replays++)
      .catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(replays).toBe(1);
    expect(err).toBeInstanceOf(error.constructor);
    expect(err).not.toBe(error);
    const revived = err as GatewayError;
    expect([revived.code, revived.message]).toEqual([error.code, error.message]);
    expect(revived.extensions()).toEqual(error.extensions());
    expect(revived).toEqual(error);
    expect(lines).toEqual([]);
  });
});

describe('the records every vendor reads', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ auth0: ['auth0-prod'] });
  });
  afterAll(() => sandbox.close());

  it('replay as they were read: whatever a mutation returns parses back from its record', async () => {
    const store = stores.memory!;
    const modules = vendorModules as readonly VendorModule[];
    for (const account of sandbox.accounts) {
      const module = modules.find((m) => m.configName === account.vendor)!;
      const adapter = module.createAccount(module.accountSchema.parse(account), testAccountDeps(module, account));
      const session = adapter.session(testScope());
      const records = { credentials: await session.listCredentials(), owners: await session.listOwners() };
      expect(records.credentials.length, account.name).toBeGreaterThan(0);
      const c = { ...call(), source: { vendor: module.vendor, account: account.name } };
      await new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS }).run(c, async () => records);
      let ran = false;
      const replayed = await new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS }).run(c, async () => ((ran = true), records));
      expect(ran, account.name).toBe(false);
      expect(replayed, account.name).toEqual(records);
      await adapter.close();
    }
  });
});
