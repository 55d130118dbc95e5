import type { SimulatorHandle } from './sim/server.js';
import { vendorModules } from './vendors/registry.js';
import type { VendorModule } from './vendors/module.js';
import type { AccountConfigBase } from './vendors/types.js';

export interface Sandbox {
  /** Raw config (as a file would hold it) pointing at the simulators. */
  accounts: AccountConfigBase[];
  simulators: Map<string, SimulatorHandle>;
  close(): Promise<void>;
}

/**
 * Starts a seeded simulator per sandbox account of every vendor, so the gateway runs with no
 * configuration at all. Auth0 gets two tenants to show the multi-account view.
 */
export async function startSandbox(names: Partial<Record<string, string[]>> = {}): Promise<Sandbox> {
  const defaults: Record<string, string[]> = { auth0: ['auth0-prod', 'auth0-staging'] };
  const started = await Promise.all(
    (vendorModules as readonly VendorModule[]).flatMap((m) =>
      (names[m.configName] ?? defaults[m.configName] ?? [`${m.configName}-sandbox`]).map((name) => m.startSandbox(name)),
    ),
  );
  const simulators = new Map(started.map((s) => [s.config.name, s.simulator]));
  return {
    accounts: started.map((s) => s.config),
    simulators,
    close: async () => {
      await Promise.all([...simulators.values()].map((s) => s.close()));
    },
  };
}
