import type { z } from 'zod';
import type { CredentialChange, CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import type { Ref } from '../../domain/ref.js';
import { NotFoundError, ValidationError } from '../../errors.js';
import type { HttpClient, UpstreamRequest } from '../../http/client.js';
import type { QueryValue } from '../../http/path.js';
import type { RequestScope } from '../../scope.js';
import { acceptedChange, type UpdatableFields } from '../changes.js';
import { requestLoader } from '../loader.js';
import { accountMissing, nullIfNotFound } from '../not-found.js';
import { readEachOwner } from '../owners.js';
import type { AccountAdapter, AccountDeps, AccountSession } from '../types.js';
import { UnreadableValues } from '../unreadable.js';
import type { OnUnreadable } from '../zod-helpers.js';
import type { KeycardAccountConfig } from './account.js';
import * as api from './api.js';
import { keycardIds } from './ids.js';
import { collectPages } from '../pages.js';
import { keycardPage, type CursorPage } from './pagination.js';
import {
  T,
  credentialRecord,
  serviceAccountRecord,
  type KeycardCredentialRecord,
  type KeycardServiceAccountRecord,
} from './records.js';
import { withClientRequestId } from './request-id.js';

const SERVICE_ACCOUNTS = '/organizations/{organization_id}/service-accounts';
const SERVICE_ACCOUNT = `${SERVICE_ACCOUNTS}/{service_account_id}`;
const CREDENTIALS = `${SERVICE_ACCOUNT}/credentials`;
const CREDENTIAL = `${CREDENTIALS}/{credential_id}`;
/** Repeated `expand=permissions`, as the vendor SDKs send it. */
const EXPAND = { expand: ['permissions'] };
const UPDATABLE: UpdatableFields = { [T.credential]: ['name', 'description'] };

type Query = Record<string, QueryValue>;

/** Long-lived per Keycard organization: the HTTP pool and the service-account token. */
export class KeycardAccount implements AccountAdapter {
  readonly vendor = 'KEYCARD' as const;
  readonly account: string;
  readonly http: HttpClient;
  private readonly unreadable: OnUnreadable;
  private readonly values: UnreadableValues;

  constructor(
    private readonly config: KeycardAccountConfig,
    deps: AccountDeps,
  ) {
    this.account = config.name;
    const values = new UnreadableValues(deps.logger, this.vendor, this.account);
    this.values = values; // its last count is told at close
    // One function per account, not per item: records report through it.
    this.unreadable = (field, item, shownAs) => values.report(field, item, shownAs);
    this.http = deps.http({ baseUrl: config.baseUrl, tokens: deps.tokens(() => this.fetchToken()), errorMessage: api.errorMessage });
  }

  /**
   * Client-credentials grant on `${baseUrl}/service-account-token`, the client authenticated with
   * HTTP Basic as the Stainless SDKs do (their hard-coded api.keycard.ai token URL is not followed:
   * the token comes from the configured base URL, as keycard-go resolves it).
   */
  private async fetchToken() {
    const basic = Buffer.from(`${this.config.clientId}:${this.config.clientSecret}`).toString('base64');
    const request = withClientRequestId({
      method: 'POST',
      route: '/service-account-token',
      auth: false,
      headers: { authorization: `Basic ${basic}` },
      form: { grant_type: 'client_credentials' },
      schema: api.tokenResponse,
      resource: 'token endpoint',
      redact: [basic], // the client secret itself is the account's, redacted for every call
      idempotent: true, // asking for a token twice is harmless
    });
    const res = await this.http.request(request);
    return { accessToken: res.access_token, expiresIn: res.expires_in };
  }

  session(scope: RequestScope): KeycardSession {
    return new KeycardSession(this.http, this.account, this.config.organizationId, scope, this.unreadable);
  }

  close(): Promise<void> {
    this.values.flush();
    return this.http.close();
  }
}

/** One GraphQL request's view of an organization; loaders make every upstream resource one call. */
export class KeycardSession implements AccountSession {
  readonly vendor = 'KEYCARD' as const;
  private ownersPromise: Promise<KeycardServiceAccountRecord[]> | null = null;
  /** Resolves once this request knows its organization exists, rejects if it does not (see `get`); asked at most once. */
  private organizationPromise: Promise<unknown> | null = null;
  private listedOwnerPermissionsPromise: Promise<Map<string, api.Permissions>> | null = null;

  private readonly owner = requestLoader(async (id: string) =>
    serviceAccountRecord(this.account, await this.get(SERVICE_ACCOUNT, { service_account_id: id }, api.serviceAccount, 'service account'), 'get', this.unreadable),
  );

  private readonly credentials = requestLoader(async (serviceAccountId: string) => {
    const list = await this.list(CREDENTIALS, { service_account_id: serviceAccountId }, api.credentialPage, 'service account');
    const records = list.map((c) => credentialRecord(this.account, serviceAccountId, c, 'list', this.unreadable));
    for (const r of records) this.credential.remember([serviceAccountId, r.externalId], r);
    return records;
  });

  private readonly credential = requestLoader(async ([serviceAccountId, id]: [string, string]) => {
    const c = await this.get(CREDENTIAL, { service_account_id: serviceAccountId, credential_id: id }, api.credential, 'credential');
    return credentialRecord(this.account, serviceAccountId, c, 'get', this.unreadable);
  });

  /** Permissions of listed credentials: the owner's list once more, expanded. */
  private readonly listedCredentialPermissions = requestLoader(async (serviceAccountId: string) =>
    permissionMap(await this.list(CREDENTIALS, { service_account_id: serviceAccountId }, api.permissionsPage, 'service account', EXPAND)),
  );

  private readonly credentialPermissions = requestLoader(async ([serviceAccountId, id]: [string, string]) => {
    const c = await this.get(CREDENTIAL, { service_account_id: serviceAccountId, credential_id: id }, api.withPermissions, 'credential', EXPAND);
    return c.permissions ?? null;
  });

  private readonly ownerPermissions = requestLoader(async (id: string) => {
    const sa = await this.get(SERVICE_ACCOUNT, { service_account_id: id }, api.withPermissions, 'service account', EXPAND);
    return sa.permissions ?? null;
  });

  constructor(
    private readonly http: HttpClient,
    readonly account: string,
    private readonly organizationId: string,
    private readonly scope: RequestScope,
    private readonly unreadable: OnUnreadable,
  ) {}

  private request<S extends z.ZodType>(req: Omit<UpstreamRequest<S>, 'scope'>): Promise<z.output<S>> {
    return this.http.request(withClientRequestId({ ...req, scope: this.scope }));
  }

  /**
   * Keycard answers 404 alike for a missing organization and for a missing service account or
   * credential in it (one `not_found` code; the contract documents no other, and its messages are
   * free text). So a 404 of the organization's own list is the organization missing, and a 404 of
   * anything below it is that thing gone only once the organization answers: a wrong or deleted
   * organization fails the account instead of looking like deleted owners and credentials.
   */
  private get<S extends z.ZodType>(route: string, params: Record<string, string>, schema: S, resource: string, query?: Query): Promise<z.output<S>> {
    const read = this.request({ method: 'GET', route, params: { organization_id: this.organizationId, ...params }, query, schema, resource });
    if (route === SERVICE_ACCOUNTS) return read.catch(accountMissing);
    return this.belowOrganization(read);
  }

  /** A call to something in the organization, whose 404 counts only once the organization answers. */
  private belowOrganization<T>(call: Promise<T>): Promise<T> {
    return call.catch(async (err: unknown) => {
      if (err instanceof NotFoundError) await this.organizationExists();
      throw err;
    });
  }

  /**
   * Only after a 404, so a read that finds what it asks for costs nothing more; then once per
   * request however many 404s: the service-account list this request already reads, if any, or
   * else its smallest page. Rejects with AccountNotFoundError when the organization 404s too, or
   * with whatever else stopped the answer (a 503, say): unconfirmed, no 404 reads as "gone".
   */
  private organizationExists(): Promise<unknown> {
    this.organizationPromise ??= this.ownersPromise ?? this.get(SERVICE_ACCOUNTS, {}, api.serviceAccountPage, 'organization', { limit: api.MIN_PAGE_SIZE });
    return this.organizationPromise;
  }

  /** Every page of an organization-scoped list, at the largest page size. */
  private list<P extends z.ZodType<CursorPage<unknown>>>(route: string, params: Record<string, string>, schema: P, resource: string, query: Query = {}) {
    return collectPages<z.output<P>['items'][number]>(this.http.source, async (after) =>
      keycardPage(this.http.source, await this.get(route, params, schema, resource, { ...query, limit: api.PAGE_SIZE, after })),
    );
  }

  listOwners(): Promise<OwnerRecord[]> {
    return this.serviceAccounts();
  }

  async listCredentials(): Promise<CredentialRecord[]> {
    const owners = await this.serviceAccounts();
    return readEachOwner(this.http.source, owners, (o) => this.credentials.load(o.externalId));
  }

  async ownerCredentials(owner: Ref): Promise<CredentialRecord[]> {
    if (owner.typename !== T.serviceAccount) return [];
    const [id] = keycardIds(owner, 1, 'owner');
    return this.credentials.load(id);
  }

  load(r: Ref): Promise<CredentialRecord | OwnerRecord | null> {
    return nullIfNotFound(async () => {
      switch (r.typename) {
        case T.serviceAccount:
          return this.owner.load(keycardIds(r, 1, 'id')[0]);
        case T.credential:
          return this.credential.load(keycardIds(r, 2, 'id'));
        default:
          return null;
      }
    });
  }

  /** Read only when a query selects `permissions`: plain reads never send `expand`. */
  permissionsOf(record: KeycardCredentialRecord | KeycardServiceAccountRecord): Promise<api.Permissions | null> {
    return nullIfNotFound(async () => {
      if (record.ref.typename === T.credential) {
        const key = record.ref.path as [string, string];
        if (record.via === 'list') return (await this.listedCredentialPermissions.load(key[0])).get(key[1]) ?? null;
        return this.credentialPermissions.load(key);
      }
      const id = record.ref.path[0]!;
      if (record.via === 'list') return (await this.listedOwnerPermissions()).get(id) ?? null;
      return this.ownerPermissions.load(id);
    });
  }

  async updateCredential(r: Ref, change: CredentialChange): Promise<KeycardCredentialRecord> {
    acceptedChange('KEYCARD', UPDATABLE, r, change);
    const [serviceAccountId, credentialId] = keycardIds(r, 2, 'input.id');
    const body = patchBody(change);
    const updated = await this.belowOrganization(
      this.request({
        method: 'PATCH',
        route: CREDENTIAL,
        params: { organization_id: this.organizationId, service_account_id: serviceAccountId, credential_id: credentialId },
        json: body,
        schema: api.credential,
        resource: 'credential',
        idempotent: true, // sets absolute values
      }),
    );
    const record = credentialRecord(this.account, serviceAccountId, updated, 'get', this.unreadable);
    // Reads later in this request see the change: the cached list is dropped, the record replaced.
    this.credential.replace([serviceAccountId, credentialId], record);
    this.credentials.forget(serviceAccountId);
    return record;
  }

  private serviceAccounts(): Promise<KeycardServiceAccountRecord[]> {
    this.ownersPromise ??= this.list(SERVICE_ACCOUNTS, {}, api.serviceAccountPage, 'organization').then((list) =>
      list.map((sa) => {
        const record = serviceAccountRecord(this.account, sa, 'list', this.unreadable);
        this.owner.remember(sa.id, record);
        return record;
      }),
    );
    return this.ownersPromise;
  }

  private listedOwnerPermissions(): Promise<Map<string, api.Permissions>> {
    this.listedOwnerPermissionsPromise ??= this.list(SERVICE_ACCOUNTS, {}, api.permissionsPage, 'organization', EXPAND).then(permissionMap);
    return this.listedOwnerPermissionsPromise;
  }
}

function permissionMap(items: { id: string; permissions?: api.Permissions | undefined }[]): Map<string, api.Permissions> {
  return new Map(items.flatMap((i) => (i.permissions ? [[i.id, i.permissions] as const] : [])));
}

/**
 * The PATCH body: exactly the changed fields, in Keycard's names. Checked against the vendor's
 * limits first, so a refused change sends nothing.
 */
export function patchBody(change: CredentialChange): { name?: string; description?: string } {
  const body: { name?: string; description?: string } = {};
  if (change.name !== undefined) body.name = change.name;
  // The contract types description as a string only and says nothing of clearing it: an empty
  // one (blank, once trimmed) would clear it by a side door, so it is refused like null.
  if (change.description === null || change.description === '') {
    throw new ValidationError('Keycard cannot clear a credential description; set a new one instead', [
      { field: 'input.description', message: 'cannot be null or blank for Keycard' },
    ]);
  }
  if (change.description !== undefined) {
    if ([...change.description].length > api.MAX_DESCRIPTION) {
      throw new ValidationError(`description must be at most ${api.MAX_DESCRIPTION} characters for Keycard`, [
        { field: 'input.description', message: `must be at most ${api.MAX_DESCRIPTION} characters` },
      ]);
    }
    body.description = change.description;
  }
  return body;
}
