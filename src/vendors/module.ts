import type { z } from 'zod';
import type { CredentialKind } from '../domain/credential.js';
import type { Vendor } from '../domain/vendor.js';
import type { Builder, NodeTypes } from '../schema/builder.js';
import type { SimulatorHandle } from '../sim/server.js';
import type { Rate } from '../store/rate-budgets.js';
import type { AccountAdapter, AccountConfigBase, AccountDeps } from './types.js';

/** A sandbox account: its config and the seeded simulator it points at. */
export interface SandboxAccount<Cfg> {
  config: Cfg;
  simulator: SimulatorHandle;
}

/**
 * Everything the core needs to know about a vendor, exported from its folder's index.ts for the
 * composition roots (registry, config, schema, sandbox): its adapter factory beside its GraphQL
 * types and its simulator. The adapter contract, which holds no GraphQL, is types.ts.
 */
export interface VendorModule<Cfg extends AccountConfigBase = AccountConfigBase> {
  /** Its value of the GraphQL `Vendor` enum, e.g. "AUTH0" (listed in domain/vendor.ts). */
  readonly vendor: Vendor;
  /** The description of that enum value. */
  readonly description: string;
  /** The `vendor` value of its accounts in the config file, e.g. "auth0". */
  readonly configName: string;
  /** The account config object, with `vendor` as a literal discriminator. */
  readonly accountSchema: z.ZodType<Cfg>;
  /** Config keys holding secrets: redacted from logs and errors. */
  readonly secretFields: readonly string[];
  /**
   * Every kind its credential records can have: a `kinds` filter skips the vendor's accounts when
   * it names none of them (nothing is asked of them, and none is listed as failed).
   */
  readonly kinds: readonly CredentialKind[];
  /** Client-side call budget per account unless the config says otherwise; null = none. */
  readonly defaultRateLimit: Rate | null;
  createAccount(config: Cfg, deps: AccountDeps): AccountAdapter;
  /** Adds the vendor's types and mutations; returns its credential and owner types (federation entities). */
  registerSchema(builder: Builder): NodeTypes;
  /**
   * Inline fragments on this vendor's credential types, shown in GraphiQL's example operation. They
   * share one selection with the other vendors' fragments: a field name another vendor uses there
   * with another type needs an alias (test/schema/example-operations.test.ts validates it).
   */
  readonly exampleFields: readonly string[];
  /** Starts a seeded simulator on loopback and returns an account config pointing at it. */
  startSandbox(name: string): Promise<SandboxAccount<Cfg>>;
}
