import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SharedStoreUnavailableError } from '../../src/errors.js';
import { RedisStore } from '../../src/store/redis.js';

/** A loopback port with nothing listening on it. */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise<void>((r) => server.close(() => r()));
  return port;
}

describe('the Redis store while Redis is down', () => {
  it('fails fast with one typed error that names no address or password, then at once', async () => {
    const store = new RedisStore({ url: `redis://:hunter2-password@127.0.0.1:${await deadPort()}`, keyPrefix: 't:' });
    try {
      let started = Date.now();
      const first = await store.reserveRate('k', 10, 1).catch((e: unknown) => e);
      expect(Date.now() - started).toBeLessThan(2_500);
      expect(first).toBeInstanceOf(SharedStoreUnavailableError);
      expect((first as Error).message).toBe("the gateway's shared store is unreachable; try again shortly");
      started = Date.now();
      for (const call of [() => store.get('k'), () => store.setIfAbsent('k', 'v', 1_000), () => store.deleteIfEquals('k', 'v')]) {
        await expect(call()).rejects.toBeInstanceOf(SharedStoreUnavailableError);
      }
      expect(Date.now() - started).toBeLessThan(500); // not a reconnection wait each
    } finally {
      await store.close();
    }
  });
});
