import { Redis } from 'ioredis';
import { describe, expect, it, vi } from 'vitest';
import { SharedStoreUnavailableError } from '../../src/errors.js';
import { RedisStore } from '../../src/store/redis.js';
import { capturedLogger } from '../fixtures/logs.js';
import { freePort, movableProxy, REFUSED_PORT, redisAvailable, startRedis, storeLosingOneReply, type RedisServer } from '../fixtures/redis.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The store's lines about its connection, as `level msg`. */
const connectionLines = (lines: Record<string, unknown>[]) =>
  lines.filter((l) => String(l.msg).startsWith('shared store (Redis)')).map((l) => `${l.level === 40 ? 'warn' : l.level === 30 ? 'info' : String(l.level)} ${String(l.msg)}`);

describe('the Redis store while Redis is down', () => {
  it('fails fast with one typed error that names no address or password, then at once', async () => {
    const store = new RedisStore({ url: `redis://:hunter2-password@127.0.0.1:${REFUSED_PORT}`, keyPrefix: 't:' });
    try {
      const started = Date.now();
      const first = await store.reserveRate('k', 10, 1).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(first).toBeInstanceOf(SharedStoreUnavailableError);
      expect((first as Error).message).toBe("the gateway's shared store is unreachable; try again shortly");
      const sent = vi.spyOn(Redis.prototype, 'sendCommand');
      try {
        for (const call of [() => store.get('k'), () => store.setIfAbsent('k', 'v', 1_000), () => store.deleteIfEquals('k', 'v')]) {
          await expect(call()).rejects.toBeInstanceOf(SharedStoreUnavailableError);
        }
        // Not a reconnection wait each: none of them was even handed to the Redis client.
        expect(sent.mock.calls.map(([command]) => command.name)).toEqual([]);
      } finally {
        sent.mockRestore();
      }
    } finally {
      await store.close();
    }
  });
});

describe('the Redis store’s connection log', () => {
  it('says once that Redis is unreachable, with the error code and the URL less its credentials, however many reconnections fail', async () => {
    const { logger, lines } = capturedLogger();
    const store = new RedisStore({ url: `redis://admin:hunter2-password@127.0.0.1:${REFUSED_PORT}/2?password=hunter2-password`, keyPrefix: 't:', logger });
    try {
      // Two seconds of ioredis's back-off (50 ms, 100 ms, …) is several failed reconnections, and commands failing meanwhile.
      for (let i = 0; i < 4; i++) {
        await expect(store.get('k')).rejects.toBeInstanceOf(SharedStoreUnavailableError);
        await sleep(500);
      }
      expect(lines.filter((l) => String(l.msg).startsWith('shared store (Redis)'))).toEqual([
        expect.objectContaining({ level: 40, msg: 'shared store (Redis) unreachable; retrying', code: 'ECONNREFUSED', redis: `redis://***@127.0.0.1:${REFUSED_PORT}/2` }),
      ]);
      expect(JSON.stringify(lines)).not.toContain('hunter2-password');
    } finally {
      await store.close();
    }
  });

  it.runIf(redisAvailable)('warns of a dropped connection that heals before any error, once', async () => {
    const redis = await startRedis();
    const { logger, lines } = capturedLogger();
    const store = new RedisStore({ url: redis.url, keyPrefix: 't:', logger });
    const admin = new Redis(redis.url);
    try {
      await vi.waitFor(() => expect(connectionLines(lines)).toEqual(['info shared store (Redis) connected']), { timeout: 5_000, interval: 50 });
      await admin.client('KILL', 'TYPE', 'normal'); // the server drops the store's connection (not its own)
      await vi.waitFor(() => expect(connectionLines(lines)).toHaveLength(2), { timeout: 5_000, interval: 50 });
      expect(connectionLines(lines)[1]).toBe('warn shared store (Redis) connection dropped; reconnected');
      await store.set('k', 'v', 10_000);
      expect(await store.get('k')).toBe('v');
    } finally {
      admin.disconnect();
      await store.close();
      await redis.stop();
    }
  });

  it.runIf(redisAvailable)('tells each change once: unreachable, reconnected, connection lost, reconnected', async () => {
    const { logger, lines } = capturedLogger();
    const port = await freePort();
    const store = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 't:', logger });
    let redis: RedisServer | undefined;
    const waitForLines = (n: number) => vi.waitFor(() => expect(connectionLines(lines)).toHaveLength(n), { timeout: 10_000, interval: 50 });
    try {
      await waitForLines(1);
      await sleep(1_000); // more failed reconnections: still one line
      redis = await startRedis(port);
      await waitForLines(2);
      await store.set('k', 'v', 10_000);
      expect(await store.get('k')).toBe('v');

      await redis.stop();
      redis = undefined;
      await waitForLines(3);
      await sleep(1_500);
      redis = await startRedis(port);
      await waitForLines(4);
      await vi.waitFor(async () => expect(await store.get('k').catch(() => 'failed')).toBeNull(), { timeout: 10_000, interval: 200 }); // a fresh server, so the key is gone

      expect(connectionLines(lines)).toEqual([
        'warn shared store (Redis) unreachable; retrying',
        'info shared store (Redis) reconnected',
        'warn shared store (Redis) connection lost; reconnecting',
        'info shared store (Redis) reconnected',
      ]);
      // The first from connecting; the second from the first reconnection the stopped server refused, or its reset.
      expect(lines.filter((l) => l.level === 40).map((l) => l.code)).toEqual(['ECONNREFUSED', expect.stringMatching(/^E[A-Z]+$/)]);

      // A store that finds Redis up says so once, too.
      const fresh = capturedLogger();
      const up = new RedisStore({ url: `redis://127.0.0.1:${port}`, keyPrefix: 't:', logger: fresh.logger });
      try {
        await vi.waitFor(() => expect(connectionLines(fresh.lines)).toEqual(['info shared store (Redis) connected']), { timeout: 5_000, interval: 50 });
      } finally {
        await up.close();
      }
    } finally {
      await store.close();
      await redis?.stop();
    }
  }, 40_000);
});

describe.runIf(redisAvailable)('the Redis store when a reply is lost with its connection', () => {
  it('keeps a claim Redis applied: the client sends it again on reconnecting, and the claim is still its own, not taken', async () => {
    const { store, close } = await storeLosingOneReply((command) => command.includes('claimed-once'), 't:');
    try {
      expect(await store.setIfAbsent('claimed-once', 'claim-1', 60_000)).toBe(true);
      // Still exclusive: another claim is refused, and the owner releases its own.
      expect(await store.setIfAbsent('claimed-once', 'claim-2', 60_000)).toBe(false);
      expect(await store.deleteIfEquals('claimed-once', 'claim-1')).toBe(true);
    } finally {
      await close();
    }
  });
});

describe.runIf(redisAvailable)('the Redis store across a failover', () => {
  it('leaves a primary turned replica (writes refused READONLY) for the server its address now names, and writes again', async () => {
    const [old, next] = await Promise.all([startRedis(), startRedis()]);
    const proxy = await movableProxy(old.url);
    const store = new RedisStore({ url: proxy.url, keyPrefix: 't:' });
    const admin = [new Redis(old.url), new Redis(next.url)] as const;
    try {
      await store.set('k', 'before', 60_000);
      // The failover: the old primary follows the new one, which the address now names.
      await admin[1].replicaof('NO', 'ONE');
      await admin[0].replicaof('127.0.0.1', new URL(next.url).port);
      proxy.moveTo(next.url);
      await expect(store.set('k', 'after', 60_000)).rejects.toBeInstanceOf(SharedStoreUnavailableError);
      // Once the store stops failing fast, its writes reach the new primary.
      await vi.waitFor(() => store.set('k', 'after', 60_000), { timeout: 15_000, interval: 250 });
      expect(await admin[1].get('t:k')).toBe('after');
    } finally {
      admin.forEach((r) => r.disconnect());
      await store.close();
      await proxy.close();
      await Promise.all([old.stop(), next.stop()]);
    }
  }, 30_000);
});
