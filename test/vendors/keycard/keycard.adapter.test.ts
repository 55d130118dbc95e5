import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RequestScope } from '../../../src/scope.js';
import { ref } from '../../../src/domain/ref.js';
import { AccountNotFoundError } from '../../../src/errors.js';
import type { KeycardAccountConfig } from '../../../src/vendors/keycard/account.js';
import { keycard } from '../../../src/vendors/keycard/index.js';
import { testAccountDeps, testScope } from '../../fixtures/account-deps.js';
import { KeycardAccount } from '../../../src/vendors/keycard/adapter.js';
import { keycardSeed } from '../../../src/vendors/keycard/seed.js';
import { startKeycardSimulator, type KeycardSimulator } from '../../../src/vendors/keycard/simulator.js';

/** The adapter without the GraphQL layer: configuration choices a real organization may use. */
const GATEWAY = { clientId: 'GatewayClient00000002', clientSecret: 'adapter-secret' };
let sim: KeycardSimulator;

beforeAll(async () => {
  sim = await startKeycardSimulator(keycardSeed('acme-corp', GATEWAY));
});
afterAll(() => sim.close());

const scope: RequestScope = testScope({ requestId: 'r1', caller: null, operator: 'test' });
const deps = (config: KeycardAccountConfig) => testAccountDeps(keycard, config);

describe('KeycardAccount', () => {
  it('addresses the organization by its label and gets its token from the configured base URL', async () => {
    // keycard-ts hard-codes https://api.keycard.ai/service-account-token; the gateway must not.
    sim.clearRequests();
    const config: KeycardAccountConfig = { vendor: 'keycard', name: 'kc', baseUrl: `${sim.url}/`, organizationId: 'acme-corp', ...GATEWAY };
    const account = new KeycardAccount(config, deps(config));
    try {
      const creds = await account.session(scope).listCredentials();
      expect(creds.length).toBe([...sim.state.credentials.values()].flat().length);
      expect(sim.requests[0]).toMatchObject({ method: 'POST', path: '/service-account-token' });
      expect(sim.apiRequests().every((r) => r.path.startsWith('/organizations/acme-corp/service-accounts'))).toBe(true);
    } finally {
      await account.close();
    }
  });

  it('fetches one token for many concurrent sessions', async () => {
    sim.clearRequests();
    const config: KeycardAccountConfig = { vendor: 'keycard', name: 'kc', baseUrl: sim.url, organizationId: sim.state.organization.id, ...GATEWAY };
    const account = new KeycardAccount(config, deps(config));
    try {
      await Promise.all(Array.from({ length: 6 }, () => account.session(scope).listOwners()));
      expect(sim.requests.filter((r) => r.route === '/service-account-token')).toHaveLength(1);
      expect(sim.apiRequests()).toHaveLength(6);
    } finally {
      await account.close();
    }
  });

  it('fails owner and credential reads and updates in an organization that does not exist (a wrong organizationId) as the account, after one confirming call per request', async () => {
    sim.clearRequests();
    const config: KeycardAccountConfig = { vendor: 'keycard', name: 'kc', baseUrl: sim.url, organizationId: 'no-such-organization', ...GATEWAY };
    const account = new KeycardAccount(config, deps(config));
    const [saId, [cred]] = [...sim.state.credentials].find(([, l]) => l.length > 0)!;
    try {
      const session = account.session(scope);
      const reads = [
        session.ownerCredentials(ref('KeycardServiceAccount', 'kc', saId)),
        session.load(ref('KeycardServiceAccount', 'kc', saId)),
        session.load(ref('KeycardCredential', 'kc', saId, cred!.id)),
        session.updateCredential(ref('KeycardCredential', 'kc', saId, cred!.id), { name: 'renamed' }),
      ];
      for (const read of reads) {
        const err = await read.then(() => null, (e: unknown) => e);
        expect(err).toBeInstanceOf(AccountNotFoundError);
        expect(err).toMatchObject({ code: 'NOT_FOUND', source: { vendor: 'KEYCARD', account: 'kc' }, message: expect.stringContaining('organization not found in KEYCARD account "kc"') });
      }
      const confirming = sim.apiRequests().filter((r) => r.route === '/organizations/:organization_id/service-accounts');
      expect(confirming.map((r) => r.query)).toEqual([{ limit: ['1'] }]);
    } finally {
      await account.close();
    }
  });
});
