import { afterEach, describe, expect, it, vi } from 'vitest';
import { createHash } from 'node:crypto';
import { IdempotencyConflictError, RateLimitedError, SharedStoreUnavailableError, UpstreamError } from '../../src/errors.js';
import { encodeOutcome, outcomeSchema } from '../../src/idempotency/codec.js';
import { Idempotency } from '../../src/idempotency/idempotency.js';
import { nodeTypenames } from '../../src/schema/index.js';
import { capturedLogger } from '../fixtures/logs.js';
import { MemoryStore } from '../../src/store/memory.js';
import type { SharedStore } from '../../src/store/store.js';
import { storeKinds, useStores } from '../fixtures/stores.js';
import { redisAvailable, storeLosingOneReply } from '../fixtures/redis.js';

const stores = useStores('idem-test:');

const source = { vendor: 'AUTH0' as const, account: 'prod' };
const SECRETS = ['vault-token-0123456789'];
const TYPENAMES = nodeTypenames();
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
let n = 0;
const call = (input: unknown = { id: 'x' }, extra: { caller?: string; key?: string } = {}) => ({
  caller: extra.caller ?? 'alice',
  operation: 'rotateConnectionKeys',
  key: extra.key ?? `key-${++n}`,
  input,
  source,
  deadline: Date.now() + 5_000,
});

/** Runs `c` once with the store failing to keep its outcome, as when a replica stops mid-call: the claim stays pending. */
async function outcomeLost(store: SharedStore, idem: Idempotency, c: ReturnType<typeof call>, run: () => Promise<unknown>) {
  const set = store.set;
  store.set = () => Promise.reject(new SharedStoreUnavailableError());
  try {
    await idem.run(c, run);
  } finally {
    store.set = set;
  }
}

describe.each(storeKinds)('idempotent mutations on the %s store', (kind) => {
  const idem = () => new Idempotency(stores[kind]!, { typenames: TYPENAMES, secrets: SECRETS });

  it('returns the first outcome for the same key and input without running again', async () => {
    const c = call({ id: 'a', at: new Date('2030-01-01T00:00:00Z') });
    let runs = 0;
    const replays: string[] = [];
    const first = await idem().run(c, async () => ({ rotated: ++runs, at: new Date('2030-01-02T00:00:00Z') }), () => replays.push('first'));
    const again = await idem().run(
      { ...c, input: { at: new Date('2030-01-01T00:00:00Z'), id: 'a' } },
      async () => ({ rotated: ++runs, at: new Date() }),
      () => replays.push('again'),
    );
    expect(runs).toBe(1);
    expect(first).toEqual({ rotated: 1, at: new Date('2030-01-02T00:00:00Z') });
    expect(again).toEqual({ rotated: 1, at: new Date('2030-01-02T00:00:00Z') });
    expect(replays).toEqual(['again']);
  });

  it('makes concurrent duplicates wait for the first and share its outcome', async () => {
    const c = call();
    let runs = 0;
    let replays = 0;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => idem().run(c, async () => (await new Promise((r) => setTimeout(r, 150)), ++runs), () => replays++)),
    );
    expect(runs).toBe(1);
    expect(results).toEqual([1, 1, 1, 1, 1]);
    expect(replays).toBe(4);
  });

  it('refuses the same key with a different input', async () => {
    const c = call({ id: 'a' });
    await idem().run(c, async () => 1);
    const err = await idem().run({ ...c, input: { id: 'b' } }, async () => 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdempotencyConflictError);
    expect((err as IdempotencyConflictError).reason).toBe('INPUT_MISMATCH');
  });

  it('refuses the same key with another date in its input: dates compare by their instant', async () => {
    const c = call({ id: 'a', expiresAt: new Date('2030-01-01T00:00:00Z') });
    await idem().run(c, async () => 1);
    const err = await idem()
      .run({ ...c, input: { id: 'a', expiresAt: new Date('2031-06-01T00:00:00Z') } }, async () => 2)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdempotencyConflictError);
    expect((err as IdempotencyConflictError).reason).toBe('INPUT_MISMATCH');
  });

  it('takes a field set to undefined as one left out: the same input replays', async () => {
    const c = call({ id: 'a', name: 'billing' });
    await idem().run(c, async () => 1);
    expect(await idem().run({ ...c, input: { id: 'a', name: 'billing', description: undefined } }, async () => 2)).toBe(1);
  });

  it('claims a key released between its own claim attempt and its read of the record', async () => {
    const store = stores[kind]!;
    let raced = false;
    const racing = Object.assign(Object.create(store) as typeof store, {
      // The first claim meets a record that is gone by the time it is read (its holder released it).
      setIfAbsent: (key: string, value: string, ttl: number) => (raced ? store.setIfAbsent(key, value, ttl) : ((raced = true), Promise.resolve(false))),
      get: (key: string) => store.get(key),
    });
    expect(await new Idempotency(racing, { typenames: TYPENAMES, secrets: SECRETS }).run(call(), async () => 'ran')).toBe('ran');
  });

  it('keeps and replays an outcome-unknown failure', async () => {
    const c = call();
    let runs = 0;
    const fail = async () => {
      runs++;
      throw new UpstreamError('auth0 failed (HTTP 500); may or may not have been applied', source, 500, true, true);
    };
    let replayed = false;
    const first = await idem().run(c, fail).catch((e: unknown) => e);
    const second = await idem().run(c, fail, () => (replayed = true)).catch((e: unknown) => e);
    expect(runs).toBe(1);
    expect(replayed).toBe(true);
    expect(second).toBeInstanceOf(UpstreamError);
    expect(second).toMatchObject({ code: 'UPSTREAM_ERROR', status: 500, outcomeUnknown: true, source, message: (first as Error).message });
  });

  it('releases the key after a failure that certainly changed nothing', async () => {
    const c = call();
    let runs = 0;
    await idem()
      .run(c, async () => {
        runs++;
        throw new RateLimitedError(source, 3);
      })
      .catch(() => undefined);
    const second = await idem().run(c, async () => ++runs);
    expect(second).toBe(2);
  });

  it('releases the key after an unexpected error (a bug, not a vendor outcome), which it passes on as it is', async () => {
    const c = call();
    const bug = new TypeError('cannot read properties of undefined');
    await expect(idem().run(c, () => Promise.reject(bug))).rejects.toBe(bug);
    await expect(idem().run(c, async () => 'ran')).resolves.toBe('ran');
  });

  it('keeps the keys of different callers apart', async () => {
    const key = `shared-${++n}`;
    const a = await idem().run(call({ id: 'a' }, { caller: 'alice', key }), async () => 'alice');
    const b = await idem().run(call({ id: 'b' }, { caller: 'bob', key }), async () => 'bob');
    expect([a, b]).toEqual(['alice', 'bob']);
  });

  it('stores only a hash of the input keyed with the gateway secrets, which a reader of the store cannot test guesses against', async () => {
    const writes: [string, string][] = [];
    const store = stores[kind]!;
    const spied = Object.assign(Object.create(store) as typeof store, {
      set: (key: string, value: string, ttl: number) => (writes.push([key, value]), store.set(key, value, ttl)),
    });
    const input = { id: 'vault-1', change: { value: 'Winter2025!' } };
    await new Idempotency(spied, { typenames: TYPENAMES, secrets: SECRETS }).run({ ...call(input), publicInput: { id: 'vault-1', change: { value: '[secret]' } } }, async () => 'updated');
    const [key, value] = writes.at(-1)!;
    const record = JSON.parse(value) as Record<string, unknown>;
    expect(Object.keys(record).sort()).toEqual(['claim', 'inputHash', 'keyId', 'outcome', 'publicHash', 'state']);
    expect(value).not.toContain('Winter2025!');
    // The guesses a reader of the store would test: the input hashed, salted with what the record holds or with its key.
    const guess = '{"change":{"value":"Winter2025!"},"id":"vault-1"}';
    const hashes = [record.inputHash, record.publicHash];
    expect(hashes).not.toContain(sha256(String(record.salt ?? '') + guess));
    expect(hashes).not.toContain(sha256(`${key}\u0000${guess}`));
  });

  it('honours a record made under other secrets (one rotated, an account added) for the same change, without running again', async () => {
    const c = { ...call({ id: 'a', change: { value: 'Winter2025!' } }), publicInput: { id: 'a', change: { value: '[secret]' } } };
    await idem().run(c, async () => 1);
    let ran = false;
    const again = await new Idempotency(stores[kind]!, { typenames: TYPENAMES, secrets: ['rotated-token-9876543210'] }).run(c, async () => ((ran = true), 2));
    expect([again, ran]).toEqual([1, false]);
  });

  it('still refuses a different change under a key recorded with other secrets, comparing what is not secret', async () => {
    const c = { ...call({ id: 'a', change: { value: 'Winter2025!' } }), publicInput: { id: 'a', change: { value: '[secret]' } } };
    await idem().run(c, async () => 1);
    const other = { ...c, input: { id: 'b', change: { value: 'Winter2025!' } }, publicInput: { id: 'b', change: { value: '[secret]' } } };
    const err = await new Idempotency(stores[kind]!, { typenames: TYPENAMES, secrets: ['rotated-token-9876543210'] }).run(other, async () => 2).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'INPUT_MISMATCH' });
  });

  it('keys the hash with the secrets whatever order the accounts are listed in: the same secret input still compares', async () => {
    // The public part alike: only the keyed hash of the whole input can tell the two values apart.
    const c = { ...call({ id: 'a', change: { value: 'Winter2025!' } }), publicInput: { id: 'a', change: { value: '[secret]' } } };
    await new Idempotency(stores[kind]!, { typenames: TYPENAMES, secrets: ['s-one-0123456789', 's-two-0123456789'] }).run(c, async () => 1);
    const reordered = new Idempotency(stores[kind]!, { typenames: TYPENAMES, secrets: ['s-two-0123456789', 's-one-0123456789', 's-one-0123456789'] });
    // Another secret value under the same key: refused, which only a hash under the same key can tell.
    const err = await reordered.run({ ...c, input: { id: 'a', change: { value: 'Summer2026!' } } }, async () => 2).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'INPUT_MISMATCH' });
    expect(await reordered.run(c, async () => 3)).toBe(1);
  });

  it("still compares the previous release's salted records, replaying the same input and refusing another", async () => {
    const c = call({ id: 'a' });
    const storeKey = `idem:${sha256(`${c.caller}\u0000${c.operation}\u0000${c.key}`)}`;
    const outcome = encodeOutcome({ ok: true, value: 'earlier' });
    const salt = 'ab'.repeat(16);
    await stores[kind]!.set(storeKey, JSON.stringify({ state: 'done', salt, inputHash: sha256(`${salt}{"id":"a"}`), claim: 'x', outcome }), 60_000);
    expect(await idem().run(c, async () => 'again')).toBe('earlier');
    await expect(idem().run({ ...c, input: { id: 'b' } }, async () => 'b')).rejects.toMatchObject({ reason: 'INPUT_MISMATCH' });
  });

  it('tells a duplicate that outlives its deadline that the first is still in progress', async () => {
    const c = call();
    const slow = idem().run(c, () => new Promise((r) => setTimeout(() => r('done'), 600)));
    await new Promise((r) => setTimeout(r, 20));
    const err = await idem().run({ ...c, deadline: Date.now() + 200 }, async () => 'again').catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'IN_PROGRESS' });
    expect(await slow).toBe('done');
  });

  it('tells a duplicate whose request is cancelled while it waits (its deadline timer fired first, or a shutdown cut it off) that the first is still in progress', async () => {
    const c = call();
    const slow = idem().run(c, () => new Promise((r) => setTimeout(() => r('done'), 600)));
    await new Promise((r) => setTimeout(r, 20));
    const request = new AbortController();
    const waiting = idem().run({ ...c, signal: request.signal }, async () => 'again').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 60));
    request.abort(new DOMException('The request deadline passed', 'TimeoutError'));
    const err = await waiting;
    expect(err).toBeInstanceOf(IdempotencyConflictError);
    expect(err).toMatchObject({ reason: 'IN_PROGRESS' });
    expect(await slow).toBe('done');
  });
});

describe.each(storeKinds)('a first call that stopped before storing its outcome, on the %s store', (kind) => {
  const idem = () => new Idempotency(stores[kind]!, { typenames: TYPENAMES, secrets: SECRETS });
  afterEach(() => vi.useRealTimers());
  const pastItsLease = () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + 5_000 + 6_000); // its deadline and the grace
  };

  it('tells a retry of a rotation that the outcome is unknown, and never rotates again', async () => {
    const c = call();
    let runs = 0;
    await outcomeLost(stores[kind]!, idem(), c, async () => ++runs);
    pastItsLease();
    let replayed = false;
    for (let i = 0; i < 2; i++) {
      const err = await idem().run({ ...c, deadline: Date.now() + 5_000 }, async () => ++runs, () => (replayed = true)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UpstreamError);
      expect(err).toMatchObject({ source, outcomeUnknown: true, retryable: false, message: expect.stringContaining('stopped before its outcome was recorded') });
    }
    expect(runs).toBe(1);
    expect(replayed).toBe(true);
  });

  it('lets a retry of a change that is harmless to repeat (an update) take the claim over and make it once more', async () => {
    const c = { ...call(), operation: 'updateCredential', repeatable: true };
    let runs = 0;
    await outcomeLost(stores[kind]!, idem(), c, async () => ++runs);
    pastItsLease();
    expect(await idem().run({ ...c, deadline: Date.now() + 5_000 }, async () => ++runs)).toBe(2);
    expect(await idem().run({ ...c, deadline: Date.now() + 5_000 }, async () => ++runs)).toBe(2);
    expect(runs).toBe(2);
  });

  it('makes a retry wait a grace past the first call’s deadline too, while its holder may still be storing the outcome', async () => {
    const c = call();
    await outcomeLost(stores[kind]!, idem(), c, async () => 'rotated');
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(c.deadline + 1_000);
    let runs = 0;
    const err = await idem().run({ ...c, deadline: Date.now() + 10 }, async () => ++runs).catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'IN_PROGRESS' });
    expect(runs).toBe(0);
  });

  it('makes a retry wait while the first call may still store its outcome (its lease runs)', async () => {
    const c = call();
    await outcomeLost(stores[kind]!, idem(), c, async () => 'rotated');
    const err = await idem().run({ ...c, deadline: Date.now() + 100 }, async () => 'again').catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'IN_PROGRESS' });
  });
});

describe.runIf(redisAvailable)('a claim whose reply Redis sent was lost with the connection', () => {
  it('is still its caller\'s when the client sends it again on reconnecting: the change runs once, rather than waiting on its own claim', async () => {
    // The claim is the one command carrying the record's pending state.
    const { store, close } = await storeLosingOneReply((command) => command.includes('"state":"pending"'), 'idem-test:');
    try {
      const idem = new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS });
      const c = { ...call(), deadline: Date.now() + 1_000 };
      let runs = 0;
      expect(await idem.run(c, async () => ++runs)).toBe(1);
      expect(await idem.run({ ...c, deadline: Date.now() + 1_000 }, async () => ++runs)).toBe(1);
      expect(runs).toBe(1);
    } finally {
      await close();
    }
  });
});

describe('the outcome codec', () => {
  const decodeOutcome = (wire: unknown) => outcomeSchema(() => true).parse(wire);
  it('revives typed errors as their own class with every field', () => {
    const err = new RateLimitedError(source, 7);
    const back = decodeOutcome(JSON.parse(JSON.stringify(encodeOutcome({ ok: false, error: err }))));
    expect(back.ok).toBe(false);
    if (back.ok) throw new Error("expected a failure");
    const revived = back.error as RateLimitedError;
    expect(revived).toBeInstanceOf(RateLimitedError);
    expect(revived).toMatchObject({ code: 'RATE_LIMITED', retryAfter: 7, status: 429, source, message: err.message });
    expect(revived.extensions()).toEqual(err.extensions());
  });

  it('revives the wait a failing vendor asked for, and none from a record kept before failures carried it', () => {
    const now = encodeOutcome({ ok: false, error: new UpstreamError('failed (HTTP 503)', source, 503, true, true, { retryAfter: 120 }) }) as { error: { fields: Record<string, unknown> } };
    const older = structuredClone(now);
    delete older.error.fields.retryAfter;
    const revive = (wire: unknown) => {
      const back = decodeOutcome(JSON.parse(JSON.stringify(wire)));
      if (back.ok) throw new Error('expected a failure');
      return back.error.extensions();
    };
    expect(revive(now)).toMatchObject({ status: 503, retryAfter: 120 });
    expect(revive(older)).not.toHaveProperty('retryAfter');
  });

  it('never revives an outcome-unknown failure as retryable, even one recorded when it still said so', () => {
    const now = encodeOutcome({ ok: false, error: new UpstreamError('failed (HTTP 503)', source, 503, true, true) }) as { error: { fields: { retryable: boolean } } };
    expect(now.error.fields.retryable).toBe(false);
    const older = structuredClone(now);
    older.error.fields.retryable = true; // as kept for up to 24 h by a release before this rule
    for (const wire of [now, older]) {
      const back = decodeOutcome(JSON.parse(JSON.stringify(wire)));
      if (back.ok) throw new Error('expected a failure');
      expect(back.error).toMatchObject({ retryable: false, outcomeUnknown: true });
      expect(back.error.extensions()).toMatchObject({ retryable: false, outcomeUnknown: true });
    }
  });
});

describe('idempotent mutations when the store fails after the change ran', () => {
  it('still hands the caller its outcome, and warns the operator, naming the operation', async () => {
    const { logger, lines } = capturedLogger('warn');
    const store = new MemoryStore();
    store.set = () => Promise.reject(new SharedStoreUnavailableError());
    const outcome = await new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS, logger }).run(call(), async () => 'rotated');
    expect(outcome).toBe('rotated');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'the outcome of a mutation with an idempotency key could not be stored', operation: 'rotateConnectionKeys' }),
    ]);
  });

  it('names the request in its warnings, as every line of a request does: the operator finds its audit record and upstream calls by it', async () => {
    const { logger, lines } = capturedLogger('warn');
    const store = new MemoryStore();
    store.set = () => Promise.reject(new SharedStoreUnavailableError());
    store.deleteIfEquals = () => Promise.reject(new SharedStoreUnavailableError());
    const idem = new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS, logger });
    await idem.run({ ...call(), requestId: 'req-stored' }, async () => 'rotated');
    await idem.run({ ...call(), requestId: 'req-released' }, () => Promise.reject(new RateLimitedError(source, 3))).catch(() => undefined);
    expect(lines.map((l) => [l.msg, l.requestId])).toEqual([
      ['the outcome of a mutation with an idempotency key could not be stored', 'req-stored'],
      ['an idempotency key could not be released after a failure that changed nothing', 'req-released'],
    ]);
  });

  it('passes on a failure that changed nothing, and says that the key could not be released (not that an outcome was lost)', async () => {
    const { logger, lines } = capturedLogger('warn');
    const store = new MemoryStore();
    store.deleteIfEquals = () => Promise.reject(new SharedStoreUnavailableError());
    const refused = new RateLimitedError(source, 3);
    await expect(new Idempotency(store, { typenames: TYPENAMES, secrets: SECRETS, logger }).run(call(), () => Promise.reject(refused))).rejects.toBe(refused);
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'an idempotency key could not be released after a failure that changed nothing', operation: 'rotateConnectionKeys' }),
    ]);
  });
});

