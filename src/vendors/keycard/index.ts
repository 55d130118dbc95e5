import { randomBytes } from 'node:crypto';
import type { VendorModule } from '../module.js';
import { keycardAccountSchema, type KeycardAccountConfig } from './account.js';
import { KeycardAccount } from './adapter.js';
import { registerKeycardSchema } from './graphql.js';
import { KEYCARD_KINDS } from './records.js';
import { keycardClientId, keycardSeed } from './seed.js';
import { startKeycardSimulator } from './simulator.js';

export const keycard: VendorModule<KeycardAccountConfig> = {
  vendor: 'KEYCARD',
  description: 'Keycard: service-account client credentials.',
  configName: 'keycard',
  accountSchema: keycardAccountSchema,
  secretFields: ['clientSecret'],
  kinds: KEYCARD_KINDS,
  // Keycard publishes no limits; its SDKs back off on 429. A budget that keeps a fan-out polite.
  defaultRateLimit: { perSecond: 20, burst: 50 },
  createAccount: (config, deps) => new KeycardAccount(config, deps),
  registerSchema: registerKeycardSchema,
  exampleFields: ['... on KeycardCredential { clientId }'],
  async startSandbox(name) {
    const gateway = { clientId: keycardClientId(`${name}/gateway`), clientSecret: randomBytes(32).toString('base64url') };
    const state = keycardSeed(name, gateway);
    const simulator = await startKeycardSimulator(state);
    return {
      simulator,
      config: {
        vendor: 'keycard',
        name,
        baseUrl: simulator.url,
        organizationId: state.organization.id,
        clientId: gateway.clientId,
        clientSecret: gateway.clientSecret,
      },
    };
  },
};
