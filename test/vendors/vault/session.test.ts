import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { RequestScope } from '../../../src/scope.js';
import { ref } from '../../../src/domain/ref.js';
import { VaultAccount } from '../../../src/vendors/vault/adapter.js';
import { seedUuid, vaultSeed } from '../../../src/vendors/vault/seed.js';
import { startVaultSimulator, type VaultSimulator } from '../../../src/vendors/vault/simulator.js';
import { testAccountDeps, testScope } from '../../fixtures/account-deps.js';
import { calls } from '../../fixtures/harness.js';
import { vault } from '../../../src/vendors/vault/index.js';

/** One request's session against a real simulator: what it caches and what it re-reads. */
let sim: VaultSimulator;
let account: VaultAccount;
const scope: RequestScope = testScope({ requestId: 'r1' });

// A vault of its own per spec: the specs below rename and change its credentials.
beforeEach(async () => {
  sim = await startVaultSimulator(vaultSeed('tok'));
  const config = { vendor: 'vault' as const, name: 'v', baseUrl: sim.url, token: 'tok' };
  account = new VaultAccount(config, testAccountDeps(vault, config));
});
afterEach(async () => {
  await account.close();
  await sim.close();
});

const uuid = seedUuid('stripe-api-key');

describe('VaultSession', () => {
  it('serves loads from the list it already fetched', async () => {
    const s = account.session(scope);
    const list = await s.listCredentials();
    expect(list).toHaveLength(sim.state.credentials.length);
    expect(await s.load(ref('VaultCredential', 'v', uuid))).toMatchObject({ name: 'stripe-api-key' });
    expect(await s.listCredentials()).toBe(list);
    expect(calls(sim)).toEqual(['GET /api/v1/credentials?pageSize=100']);
  });

  it('after an update, later reads in the same request see the change without re-fetching', async () => {
    const s = account.session(scope);
    await s.listCredentials();
    const updated = await s.updateCredential(ref('VaultCredential', 'v', uuid), { description: 'rotated quarterly' });
    expect(updated).toMatchObject({ externalId: uuid, description: 'rotated quarterly' });
    expect((await s.listCredentials()).find((c) => c.externalId === uuid)).toBe(updated);
    expect(await s.load(ref('VaultCredential', 'v', uuid))).toBe(updated);
    expect(calls(sim)).toEqual(['GET /api/v1/credentials?pageSize=100', `GET /api/v1/credentials/${uuid}`, `PUT /api/v1/credentials/${uuid}`]);
    expect(sim.apiRequests()[2]!.body).toMatchObject({ operator: 'alice' });
  });

  it('reads the vault, not its own cache, before writing', async () => {
    const s = account.session(scope);
    await s.load(ref('VaultCredential', 'v', uuid));
    sim.state.credentials.find((c) => c.uuid === uuid)!.name = 'renamed-elsewhere';
    await s.updateCredential(ref('VaultCredential', 'v', uuid), { description: 'x' });
    expect(sim.apiRequests().at(-1)!.body).toMatchObject({ name: 'renamed-elsewhere', description: 'x' });
  });

  it('lets a change cut off at its deadline land before the next change reads, so that one does not write the old state back', async () => {
    const r = ref('VaultCredential', 'v', uuid);
    // A's PUT reaches a vault that applies it only after 300 ms, past A's deadline.
    sim.inject({ method: 'PUT', route: '/api/v1/credentials/:uuid', delayMs: 300, afterApply: true, status: 200, json: {} });
    const deadline = new AbortController();
    const a = account.session(testScope({ signal: deadline.signal })).updateCredential(r, { name: 'renamed-by-a' });
    // A's deadline passes once its PUT is at the vault: a fixed 150 ms could run out on a loaded machine before A sent it.
    await vi.waitFor(() => expect(calls(sim)).toContain(`PUT /api/v1/credentials/${uuid}`), { timeout: 5_000, interval: 5 });
    deadline.abort(new DOMException('The request deadline passed', 'TimeoutError'));
    await expect(a).rejects.toMatchObject({ code: 'UPSTREAM_ERROR', cancelled: true, retryable: true });
    // B comes right after: it waits out the lock A left for its unanswered PUT, then reads A's name.
    await account.session(testScope()).updateCredential(r, { description: 'set-by-b' });
    expect(sim.state.credentials.find((c) => c.uuid === uuid)).toMatchObject({ name: 'renamed-by-a', description: 'set-by-b' });
    expect(calls(sim)).toEqual([`GET /api/v1/credentials/${uuid}`, `PUT /api/v1/credentials/${uuid}`, `GET /api/v1/credentials/${uuid}`, `PUT /api/v1/credentials/${uuid}`]);
  }, 15_000);

  it('lets a PUT that went unanswered land before the next change reads, even when a retry of it succeeded', async () => {
    const config = { vendor: 'vault' as const, name: 'v', baseUrl: sim.url, token: 'tok' };
    const impatient = new VaultAccount(config, testAccountDeps(vault, config, { headersTimeoutMs: 200 }));
    const r = ref('VaultCredential', 'v', uuid);
    try {
      // A's first PUT is applied only after 2.5 s (its answer is given up at 200 ms); its retry is answered at once.
      sim.inject({ method: 'PUT', route: '/api/v1/credentials/:uuid', delayMs: 2_500, afterApply: true, status: 200, json: {} });
      const started = Date.now();
      await impatient.session(testScope()).updateCredential(r, { name: 'renamed-again-by-a' });
      await impatient.session(testScope()).updateCredential(r, { description: 'set-again-by-b' });
      await new Promise((res) => setTimeout(res, started + 3_000 - Date.now())); // A's first PUT has landed
      expect(sim.state.credentials.find((c) => c.uuid === uuid)).toMatchObject({ name: 'renamed-again-by-a', description: 'set-again-by-b' });
      expect(calls(sim).filter((c) => c.startsWith('PUT'))).toHaveLength(3);
    } finally {
      await impatient.close();
    }
  }, 15_000);

  it('has no owners', async () => {
    const s = account.session(scope);
    expect(await s.listOwners()).toEqual([]);
    expect(await s.ownerCredentials()).toEqual([]);
    expect(await s.load(ref('Auth0Client', 'v', 'x'))).toBeNull();
    expect(calls(sim)).toEqual([]);
  });
});
