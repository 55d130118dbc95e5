import type { CredentialChange, CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import type { Ref } from '../../domain/ref.js';
import type { HttpClient } from '../../http/client.js';
import type { RequestScope } from '../../scope.js';
import { acceptedChange, type UpdatableFields } from '../changes.js';
import { requestLoader } from '../loader.js';
import { nullIfNotFound } from '../not-found.js';
import { collectPages } from '../pages.js';
import { pathIds } from '../path-ids.js';
import type { AccountAdapter, AccountDeps, AccountSession } from '../types.js';
import type { VaultAccountConfig } from './account.js';
import * as api from './api.js';
import { UnreadableValues } from '../unreadable.js';
import { T, credentialRecord, type OnUnreadable, type VaultCredentialRecord } from './records.js';
import { checkLimits, updateBody } from './update.js';

const CREDENTIALS = '/api/v1/credentials';
const CREDENTIAL = '/api/v1/credentials/{uuid}';
/** The path parameter is a UUID (any version, either case); anything else is refused unsent. */
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const UPDATABLE: UpdatableFields = { [T.credential]: ['name', 'description', 'expiresAt', 'value'] };

/** Long-lived per vault: the HTTP pool with the static bearer token. */
export class VaultAccount implements AccountAdapter {
  readonly vendor = 'VAULT' as const;
  readonly account: string;
  private readonly http: HttpClient;
  private readonly exclusive: AccountDeps['exclusive'];
  private readonly unreadable: OnUnreadable;
  private readonly values: UnreadableValues;

  constructor(config: VaultAccountConfig, deps: AccountDeps) {
    this.account = config.name;
    this.exclusive = deps.exclusive;
    const values = new UnreadableValues(deps.logger, this.vendor, this.account);
    this.values = values; // its last count is told at close
    this.unreadable = (field, uuid, shownAs) => values.report(field, uuid, shownAs);
    this.http = deps.http({
      baseUrl: config.baseUrl,
      // No token endpoint: a 401 cannot be cured by refreshing, so it surfaces as an UpstreamError.
      headers: { authorization: `Bearer ${config.token}` },
      errorMessage: api.errorMessage,
    });
  }

  session(scope: RequestScope): VaultSession {
    return new VaultSession(this.http, this.account, scope, this.exclusive, this.unreadable);
  }

  close(): Promise<void> {
    this.values.flush();
    return this.http.close();
  }
}

/** One GraphQL request's view of a vault; loaders make every upstream resource one call. */
export class VaultSession implements AccountSession {
  readonly vendor = 'VAULT' as const;
  private listPromise: Promise<VaultCredentialRecord[]> | null = null;

  private readonly credential = requestLoader(async (uuid: string) => credentialRecord(this.account, await this.fetch(uuid), this.unreadable));

  constructor(
    private readonly http: HttpClient,
    readonly account: string,
    private readonly scope: RequestScope,
    private readonly exclusive: AccountDeps['exclusive'],
    private readonly unreadable: OnUnreadable,
  ) {}

  listOwners(): Promise<OwnerRecord[]> {
    return Promise.resolve([]); // the vault has no owners
  }

  ownerCredentials(): Promise<CredentialRecord[]> {
    return Promise.resolve([]);
  }

  listCredentials(): Promise<VaultCredentialRecord[]> {
    this.listPromise ??= collectPages(this.http.source, async (pageToken) => {
      const page = await this.http.request({
        method: 'GET',
        route: CREDENTIALS,
        query: { pageSize: api.MAX_PAGE_SIZE, pageToken },
        schema: api.credentialPage,
        resource: 'credentials',
        scope: this.scope,
      });
      return { items: page.credentials, next: page.nextPageToken };
    }).then((list) => {
      const records = list.map((c) => credentialRecord(this.account, c, this.unreadable));
      for (const r of records) this.credential.remember(r.externalId, r);
      return records;
    });
    return this.listPromise;
  }

  async load(r: Ref): Promise<CredentialRecord | OwnerRecord | null> {
    if (r.typename !== T.credential) return null;
    const [uuid] = pathIds(r, 1, UUID);
    return nullIfNotFound(() => this.credential.load(uuid));
  }

  async updateCredential(r: Ref, change: CredentialChange): Promise<VaultCredentialRecord> {
    acceptedChange('VAULT', UPDATABLE, r, change);
    const [uuid] = pathIds(r, 1, UUID, { field: 'input.id' });
    checkLimits(change);
    // Read-modify-write against the vault's current state, not this request's cache. The vault has
    // no version or ETag to detect a change in between, so the gateway's own changes to one secret
    // take turns: two at once would each send back the field the other just changed.
    // A UUID names one secret however it is cased: one lock for every spelling. The vault is sent
    // the id as the caller spelled it (the contract says nothing of case).
    const updated = await this.exclusive(`credential:${uuid.toLowerCase()}`, this.scope, async (keep) => {
      const current = await this.fetch(uuid);
      return this.http.request({
        method: 'PUT',
        route: CREDENTIAL,
        params: { uuid },
        json: updateBody(current, change, this.scope.operator),
        schema: api.credential,
        resource: 'credential',
        // Sets absolute values (the same body twice leaves the same state).
        idempotent: true,
        redact: change.value !== undefined ? [change.value] : [],
        scope: this.scope,
        // A PUT that may still land holds the secret's lock a while, so the next update reads after it.
        onUnanswered: keep,
      });
    });
    const record = credentialRecord(this.account, updated, this.unreadable);
    // Later reads in this request see the change: the loader and any list already fetched.
    this.credential.replace(uuid, record);
    this.listPromise = this.listPromise?.then((list) => list.map((c) => (c.externalId === uuid ? record : c))) ?? null;
    return record;
  }

  private fetch(uuid: string): Promise<api.Credential> {
    return this.http.request({
      method: 'GET',
      route: CREDENTIAL,
      params: { uuid },
      schema: api.credential,
      resource: 'credential',
      scope: this.scope,
    });
  }
}
