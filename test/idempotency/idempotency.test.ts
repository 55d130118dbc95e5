import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdempotencyConflictError, RateLimitedError, UpstreamError } from '../../src/errors.js';
import { decodeOutcome, encodeOutcome } from '../../src/idempotency/codec.js';
import { Idempotency, isReplayed } from '../../src/idempotency/idempotency.js';
import { MemoryStore } from '../../src/store/memory.js';
import { RedisStore } from '../../src/store/redis.js';
import type { SharedStore } from '../../src/store/store.js';
import { redisAvailable, startRedis, type RedisServer } from '../fixtures/redis.js';

let redis: RedisServer | undefined;
const stores: Record<string, SharedStore> = {};
beforeAll(async () => {
  stores.memory = new MemoryStore();
  if (redisAvailable) {
    redis = await startRedis();
    stores.redis = new RedisStore({ url: redis.url, keyPrefix: 'idem-test:' });
  }
});
afterAll(async () => {
  await Promise.all(Object.values(stores).map((s) => s.close()));
  await redis?.stop();
});

const source = { vendor: 'AUTH0' as const, account: 'prod' };
let n = 0;
const call = (input: unknown = { id: 'x' }, extra: { caller?: string; key?: string } = {}) => ({
  caller: extra.caller ?? 'alice',
  operation: 'rotateConnectionKeys',
  key: extra.key ?? `key-${++n}`,
  input,
  deadline: Date.now() + 5_000,
});

describe.each(redisAvailable ? ['memory', 'redis'] : ['memory'])('idempotent mutations on the %s store', (kind) => {
  const idem = () => new Idempotency(stores[kind]!);

  it('returns the first outcome for the same key and input without running again', async () => {
    const c = call({ id: 'a', at: new Date('2030-01-01T00:00:00Z') });
    let runs = 0;
    const first = await idem().run(c, async () => ({ rotated: ++runs, at: new Date('2030-01-02T00:00:00Z') }));
    const again = await idem().run({ ...c, input: { at: new Date('2030-01-01T00:00:00Z'), id: 'a' } }, async () => ({ rotated: ++runs, at: new Date() }));
    expect(runs).toBe(1);
    expect(first).toEqual({ value: { rotated: 1, at: new Date('2030-01-02T00:00:00Z') }, replayed: false });
    expect(again).toEqual({ value: { rotated: 1, at: new Date('2030-01-02T00:00:00Z') }, replayed: true });
  });

  it('makes concurrent duplicates wait for the first and share its outcome', async () => {
    const c = call();
    let runs = 0;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => idem().run(c, async () => (await new Promise((r) => setTimeout(r, 150)), ++runs))),
    );
    expect(runs).toBe(1);
    expect(results.map((r) => r.value)).toEqual([1, 1, 1, 1, 1]);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
  });

  it('refuses the same key with a different input', async () => {
    const c = call({ id: 'a' });
    await idem().run(c, async () => 1);
    const err = await idem().run({ ...c, input: { id: 'b' } }, async () => 2).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IdempotencyConflictError);
    expect((err as IdempotencyConflictError).reason).toBe('INPUT_MISMATCH');
  });

  it('keeps and replays an outcome-unknown failure', async () => {
    const c = call();
    let runs = 0;
    const fail = async () => {
      runs++;
      throw new UpstreamError('auth0 failed (HTTP 500); may or may not have been applied', source, 500, true, true);
    };
    const first = await idem().run(c, fail).catch((e: unknown) => e);
    const second = await idem().run(c, fail).catch((e: unknown) => e);
    expect(runs).toBe(1);
    expect(second).toBeInstanceOf(UpstreamError);
    expect(second).toMatchObject({ code: 'UPSTREAM_ERROR', status: 500, outcomeUnknown: true, source, message: (first as Error).message });
    // The audit record of the replay must not claim an upstream call: the error says it is a replay.
    expect(isReplayed(first)).toBe(false);
    expect(isReplayed(second)).toBe(true);
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
    expect(second).toEqual({ value: 2, replayed: false });
  });

  it('keeps the keys of different callers apart', async () => {
    const key = `shared-${++n}`;
    const a = await idem().run(call({ id: 'a' }, { caller: 'alice', key }), async () => 'alice');
    const b = await idem().run(call({ id: 'b' }, { caller: 'bob', key }), async () => 'bob');
    expect([a.value, b.value]).toEqual(['alice', 'bob']);
  });

  it('tells a duplicate that outlives its deadline that the first is still in progress', async () => {
    const c = call();
    const slow = idem().run(c, () => new Promise((r) => setTimeout(() => r('done'), 600)));
    await new Promise((r) => setTimeout(r, 20));
    const err = await idem().run({ ...c, deadline: Date.now() + 200 }, async () => 'again').catch((e: unknown) => e);
    expect(err).toMatchObject({ reason: 'IN_PROGRESS' });
    expect((await slow).value).toBe('done');
  });
});

describe('the outcome codec', () => {
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
});
