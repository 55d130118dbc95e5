import type { z } from 'zod';
import type { RequestScope } from '../context.js';
import type { CredentialChange, CredentialRecord, OwnerRecord } from '../domain/credential.js';
import type { Ref } from '../domain/ref.js';
import type { Vendor } from '../domain/vendor.js';
import type { Logger } from '../logger.js';
import type { Builder } from '../schema/builder.js';
import type { SimulatorHandle } from '../sim/server.js';

/** Connection settings shared by every account (config `http`), overridable per account. */
export interface HttpSettings {
  connections: number;
  concurrency: number;
  connectTimeoutMs: number;
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
}

export interface AccountDeps {
  logger: Logger;
  http: HttpSettings;
}

/**
 * One configured account's view for one GraphQL request. Implementations hold per-request
 * DataLoaders, so asking twice for the same upstream resource costs one call.
 */
export interface AccountSession {
  readonly vendor: Vendor;
  readonly account: string;
  /** Every credential of every owner in the account. */
  listCredentials(): Promise<CredentialRecord[]>;
  listOwners(): Promise<OwnerRecord[]>;
  /** A credential or owner by the ref a global id carried; null when it does not exist. */
  load(ref: Ref): Promise<CredentialRecord | OwnerRecord | null>;
  ownerCredentials(owner: Ref): Promise<CredentialRecord[]>;
  /** Applies a change, refusing unsupported fields before anything is sent. */
  updateCredential(ref: Ref, change: CredentialChange): Promise<CredentialRecord>;
}

/** Long-lived per account: pools, token caches. */
export interface AccountAdapter {
  readonly vendor: Vendor;
  readonly account: string;
  session(scope: RequestScope): AccountSession;
  close(): Promise<void>;
}

export interface AccountConfigBase {
  vendor: string;
  name: string;
}

export interface SandboxAccount<Cfg> {
  config: Cfg;
  simulator: SimulatorHandle;
}

/** Everything the core needs to know about a vendor, exported from its folder's index.ts. */
export interface VendorModule<Cfg extends AccountConfigBase = AccountConfigBase> {
  readonly vendor: Vendor;
  /** The `vendor` value of its accounts in the config file, e.g. "auth0". */
  readonly configName: string;
  /** The account config object, with `vendor` as a literal discriminator. */
  readonly accountSchema: z.ZodType<Cfg>;
  /** Config keys holding secrets: redacted from logs and errors. */
  readonly secretFields: readonly string[];
  createAccount(config: Cfg, deps: AccountDeps): AccountAdapter;
  registerSchema(builder: Builder): void;
  /** Inline fragments on this vendor's credential types, shown in GraphiQL's example operation. */
  readonly exampleFields: readonly string[];
  /** Starts a seeded simulator on loopback and returns an account config pointing at it. */
  startSandbox(name: string, options?: { port?: number }): Promise<SandboxAccount<Cfg>>;
}
