import type { HttpClient } from '../http/client.js';
import type { IssuedToken, TokenCache } from '../http/tokens.js';
import type { CredentialChange, CredentialRecord, OwnerRecord } from '../domain/credential.js';
import type { Ref } from '../domain/ref.js';
import type { Vendor } from '../domain/vendor.js';
import type { Logger } from '../logger.js';
import type { RequestScope } from '../scope.js';
import type { HttpOverrides } from './account-schema.js';

export type { HttpSettings } from './account-schema.js';

/** What a vendor adapter says about its account's HTTP client; the gateway adds the rest. */
export interface AccountHttpOptions {
  baseUrl: string;
  errorMessage: (body: unknown) => string | undefined;
  tokens?: TokenCache;
  /** Static headers on every call (e.g. a static bearer token). */
  headers?: Record<string, string>;
}

export interface AccountDeps {
  logger: Logger;
  /** The account's HTTP client: timeouts, retries, breaker, rate budget, metrics, tracing. */
  http(options: AccountHttpOptions): HttpClient;
  /** A token cache for the account, shared by all replicas when a shared store is configured. */
  tokens(fetchToken: () => Promise<IssuedToken>): TokenCache;
  /**
   * Runs `work` as the only one, among every replica, changing `key` (e.g. one credential) in this
   * account: for a read-modify-write the vendor offers no concurrency control for. A wait that
   * would outlast the request is refused with a retryable UpstreamError. `work` calls `keep()` when
   * a change it sent may still land (see `withLock`).
   */
  exclusive<T>(key: string, scope: RequestScope, work: (keep: () => void) => Promise<T>): Promise<T>;
  /**
   * As `exclusive`, but while another holds `key` this change is refused at once, its work never
   * run, with a ChangeInProgressError saying `busy` (written for the caller): for a change that must
   * never be made twice at once, where waiting and then making it too would be the harm (a rotation).
   */
  exclusiveOrRefuse<T>(key: string, scope: RequestScope, busy: string, work: (keep: () => void) => Promise<T>): Promise<T>;
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
  /** Every owner; after listCredentials (which reads them first) it makes no upstream call. */
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
  /** Per-account overrides of the gateway's `http` settings. */
  http?: HttpOverrides | undefined;
}

