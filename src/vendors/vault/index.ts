import { randomBytes } from 'node:crypto';
import type { VendorModule } from '../module.js';
import { vaultAccountSchema, type VaultAccountConfig } from './account.js';
import { VaultAccount } from './adapter.js';
import { registerVaultSchema } from './graphql.js';
import { VAULT_KINDS } from './records.js';
import { vaultSeed } from './seed.js';
import { startVaultSimulator } from './simulator.js';

export const vault: VendorModule<VaultAccountConfig> = {
  vendor: 'VAULT',
  description: 'A credential vault: passwords, API keys, TLS certificates, SSH keys.',
  configName: 'vault',
  accountSchema: vaultAccountSchema,
  secretFields: ['token'],
  kinds: VAULT_KINDS,
  // The vault publishes no limits: a modest budget that a large inventory still fits in.
  defaultRateLimit: { perSecond: 20, burst: 50 },
  createAccount: (config, deps) => new VaultAccount(config, deps),
  registerSchema: registerVaultSchema,
  exampleFields: ['... on VaultCredential { type healthStatus lastOperationAt }'],
  async startSandbox(name) {
    const token = `vlt_${randomBytes(24).toString('base64url')}`;
    const simulator = await startVaultSimulator(vaultSeed(token));
    return { simulator, config: { vendor: 'vault', name, baseUrl: simulator.url, token } };
  },
};
