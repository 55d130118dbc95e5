import { trace } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/logger.js';
import { Metrics } from '../../../src/observability/metrics.js';
import { RedisStore } from '../../../src/store/redis.js';
import { accountDeps } from '../../../src/vendors/account-deps.js';
import type { KeycardAccountConfig } from '../../../src/vendors/keycard/account.js';
import { KeycardAccount } from '../../../src/vendors/keycard/adapter.js';
import { keycard } from '../../../src/vendors/keycard/index.js';
import { keycardSeed } from '../../../src/vendors/keycard/seed.js';
import { startKeycardSimulator, type KeycardSimulator } from '../../../src/vendors/keycard/simulator.js';
import { TEST_HTTP, testScope } from '../../fixtures/account-deps.js';
import { redisAvailable, startRedis, type RedisServer } from '../../fixtures/redis.js';

const GATEWAY = { clientId: 'GatewayClient00000003', clientSecret: 'shared-token-secret' };

describe.runIf(redisAvailable)('Keycard token shared through Redis', () => {
  let sim: KeycardSimulator;
  let redis: RedisServer;
  let store: RedisStore;
  beforeAll(async () => {
    sim = await startKeycardSimulator(keycardSeed('acme-corp', GATEWAY));
    redis = await startRedis();
    store = new RedisStore({ url: redis.url, keyPrefix: 'keycard-token:' });
  });
  afterAll(async () => {
    await sim.close();
    await store.close();
    await redis.stop();
  });

  it('answers with a fresh token when Keycard revokes the shared one before its expiry: one token request, no failed call', async () => {
    const config: KeycardAccountConfig = { vendor: 'keycard', name: 'kc', baseUrl: sim.url, organizationId: sim.state.organization.id, ...GATEWAY };
    const deps = accountDeps(keycard, config, { logger: silentLogger, http: TEST_HTTP, store, metrics: new Metrics(), tracer: trace.getTracer('t') });
    const account = new KeycardAccount(config, deps);
    try {
      await account.session(testScope()).listOwners(); // token t1 cached locally and in Redis
      sim.revokeTokens(); // Keycard revokes it early (e.g. the gateway's credential was rotated)
      sim.clearRequests();
      await expect(account.session(testScope()).listOwners()).resolves.not.toHaveLength(0);
      expect(sim.requests.filter((r) => r.route === '/service-account-token')).toHaveLength(1);
    } finally {
      await account.close();
    }
  });
});
