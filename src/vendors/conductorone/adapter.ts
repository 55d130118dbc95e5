import type { z } from 'zod';
import type { CredentialChange, CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import type { Ref } from '../../domain/ref.js';
import { UpstreamError } from '../../errors.js';
import { APPLIED_REPEATABLE, type HttpClient, type UpstreamRequest } from '../../http/client.js';
import type { IssuedToken } from '../../http/tokens.js';
import type { RequestScope } from '../../scope.js';
import { acceptedChange, type UpdatableFields } from '../changes.js';
import { requestLoader } from '../loader.js';
import { nullIfNotFound } from '../not-found.js';
import { readEachOwner } from '../owners.js';
import { collectPages, type Page } from '../pages.js';
import { pathIds } from '../path-ids.js';
import type { AccountAdapter, AccountDeps, AccountSession } from '../types.js';
import { UnreadableValues } from '../unreadable.js';
import type { OnUnreadable } from '../zod-helpers.js';
import type { ConductorOneAccountConfig } from './account.js';
import * as api from './api.js';
import { parseClientId, parseClientSecret, signClientAssertion, signingKey, tokenRequestForm, type ParsedClientId } from './client-auth.js';
import {
  T,
  credentialRecord,
  servicePrincipalRecord,
  type ConductorOneCredentialRecord,
  type ConductorOneServicePrincipalRecord,
} from './records.js';

const API = '/api/v1';
/** Principal ids are KSUID-like, credential ids cutenames (`happy-otter-12345`); refuse anything else unsent. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const PAGE_SIZE = 100;
const UPDATABLE: UpdatableFields = { [T.credential]: ['name'] };
/** When the token endpoint omits expires_in: reuse briefly; a 401 refreshes it anyway. */
const DEFAULT_TOKEN_TTL_S = 60;

/** Long-lived per ConductorOne tenant: the HTTP pool, the signing key and the access token. */
export class ConductorOneAccount implements AccountAdapter {
  readonly vendor = 'CONDUCTORONE' as const;
  readonly account: string;
  readonly http: HttpClient;
  private readonly client: ParsedClientId;
  private readonly signer: ReturnType<typeof signingKey>;
  private readonly unreadable: OnUnreadable;
  private readonly values: UnreadableValues;

  constructor(config: ConductorOneAccountConfig, deps: AccountDeps) {
    this.account = config.name;
    const values = new UnreadableValues(deps.logger, this.vendor, this.account);
    this.values = values; // its last count is told at close
    // One function per account, not per item: records report through it.
    this.unreadable = (field, item, shownAs) => values.report(field, item, shownAs);
    // Both were checked when the config was parsed; these cannot fail here.
    this.client = parseClientId(config.clientId);
    this.signer = signingKey(parseClientSecret(config.clientSecret));
    this.http = deps.http({
      baseUrl: config.baseUrl ?? `https://${this.client.tokenHost}`,
      tokens: deps.tokens(() => this.fetchToken()),
      errorMessage: api.errorMessage,
    });
  }

  /** A fresh signed assertion per attempt (it lives 2 minutes and carries a one-time nonce). */
  private async fetchToken(): Promise<IssuedToken> {
    const source = this.http.source;
    // Any refusal is an authentication failure (the client maps token-endpoint answers so), never the caller's bad input.
    const res = await this.http.request({
      method: 'POST',
      route: '/auth/v1/token',
      auth: false,
      // Signed anew for each attempt: a retry must not replay a used nonce.
      freshForm: async () => tokenRequestForm(this.client.clientId, await signClientAssertion(this.client, this.signer)),
      schema: api.tokenResponse,
      resource: 'token endpoint',
      idempotent: true, // asking for a token changes nothing
    });
    if (!res.access_token) {
      throw new UpstreamError(`${source.vendor} account "${source.account}" token endpoint returned an empty access_token`, source, 200, false);
    }
    return { accessToken: res.access_token, expiresIn: res.expires_in || DEFAULT_TOKEN_TTL_S };
  }

  session(scope: RequestScope): ConductorOneSession {
    return new ConductorOneSession(this.http, this.account, scope, this.unreadable);
  }

  close(): Promise<void> {
    this.values.flush();
    return this.http.close();
  }
}


/** One GraphQL request's view of a tenant; loaders make every upstream resource one call. */
export class ConductorOneSession implements AccountSession {
  readonly vendor = 'CONDUCTORONE' as const;
  private principalsPromise: Promise<ConductorOneServicePrincipalRecord[]> | null = null;

  private readonly principal = requestLoader(async (id: string) => {
    const res = await this.read({ route: `${API}/service_principals/{id}`, params: { id }, schema: api.servicePrincipalEnvelope, resource: 'service principal' });
    return res.servicePrincipal ? servicePrincipalRecord(this.account, res.servicePrincipal, this.unreadable) : null;
  });

  private readonly credentials = requestLoader(async (servicePrincipalId: string) => {
    const list = await collectPages(this.http.source, (pageToken) =>
      this.page(api.credentialPage, {
        route: `${API}/service_principals/{service_principal_id}/credentials`,
        params: { service_principal_id: servicePrincipalId },
        query: { page_size: PAGE_SIZE, page_token: pageToken },
        resource: 'service principal',
      }),
    );
    const records = list.map((c) => this.credentialRecord(servicePrincipalId, c));
    for (const r of records) this.credential.remember([servicePrincipalId, r.externalId], r);
    return records;
  });

  private readonly credential = requestLoader(async ([servicePrincipalId, id]: [string, string]) => {
    const res = await this.read({
      route: `${API}/service_principals/{service_principal_id}/credentials/{id}`,
      params: { service_principal_id: servicePrincipalId, id },
      schema: api.credentialEnvelope,
      resource: 'credential',
    });
    return res.credential ? this.credentialRecord(servicePrincipalId, res.credential) : null;
  });

  constructor(
    private readonly http: HttpClient,
    readonly account: string,
    private readonly scope: RequestScope,
    private readonly unreadable: OnUnreadable,
  ) {}

  /** A credential's record, what it could not read reported. */
  private credentialRecord(servicePrincipalId: string, c: api.Credential): ConductorOneCredentialRecord {
    return credentialRecord(this.account, servicePrincipalId, c, this.unreadable);
  }

  /** One page of a `{list, nextPageToken}` list. */
  private async page<S extends z.ZodType>(schema: api.PageSchema<S>, req: Omit<UpstreamRequest<z.ZodType>, 'method' | 'scope' | 'schema'>): Promise<Page<z.output<S>>> {
    const res = await this.read({ ...req, schema });
    return { items: res.list ?? [], next: res.nextPageToken };
  }

  /** A GET bound to this request's deadline and abort signal. */
  private read<S extends z.ZodType>(req: Omit<UpstreamRequest<S>, 'method' | 'scope'>): Promise<z.output<S>> {
    return this.http.request({ ...req, method: 'GET', scope: this.scope });
  }

  listOwners(): Promise<OwnerRecord[]> {
    return this.principals();
  }

  async listCredentials(): Promise<CredentialRecord[]> {
    const principals = await this.principals();
    return readEachOwner(this.http.source, principals, (p) => this.credentials.load(p.externalId));
  }

  async ownerCredentials(owner: Ref): Promise<CredentialRecord[]> {
    if (owner.typename !== T.servicePrincipal) return [];
    const [id] = pathIds(owner, 1, ID);
    return this.credentials.load(id);
  }

  load(r: Ref): Promise<CredentialRecord | OwnerRecord | null> {
    return nullIfNotFound(async () => {
      switch (r.typename) {
        case T.servicePrincipal:
          return this.principal.load(pathIds(r, 1, ID)[0]);
        case T.credential:
          return this.credential.load(pathIds(r, 2, ID));
        default:
          return null;
      }
    });
  }

  /** Renames: PATCH `{credential: {displayName}, updateMask: "displayName"}`; the mask names exactly what is sent. */
  async updateCredential(r: Ref, change: CredentialChange): Promise<ConductorOneCredentialRecord> {
    acceptedChange('CONDUCTORONE', UPDATABLE, r, change);
    const [servicePrincipalId, id] = pathIds(r, 2, ID, { field: 'input.id' });
    // A name is one line of text for every vendor: the shared input rule (domain/credential.ts) has seen to that.
    const name = change.name!;
    const res = await this.http.request({
      method: 'PATCH',
      route: `${API}/service_principals/{service_principal_id}/credentials/{id}`,
      params: { service_principal_id: servicePrincipalId, id },
      json: { credential: { displayName: name }, updateMask: 'displayName' },
      schema: api.credentialEnvelope,
      resource: 'credential',
      idempotent: true, // sets an absolute value
      scope: this.scope,
    });
    if (!res.credential) {
      // A 200 is the rename applied; only its result is missing, and renaming again sets the same name.
      throw new UpstreamError(
        `${this.http.source.vendor} account "${this.account}" answered the update without the credential${APPLIED_REPEATABLE}`,
        this.http.source,
        200,
        true,
      );
    }
    const record = this.credentialRecord(servicePrincipalId, res.credential);
    this.credential.replace([servicePrincipalId, id], record);
    this.credentials.forget(servicePrincipalId);
    return record;
  }

  private principals(): Promise<ConductorOneServicePrincipalRecord[]> {
    this.principalsPromise ??= collectPages(this.http.source, (pageToken) =>
      this.page(api.servicePrincipalPage, {
        route: `${API}/service_principals`,
        query: { page_size: PAGE_SIZE, page_token: pageToken },
        resource: 'service principals',
      }),
    ).then((list) => {
      const records = list.map((sp) => servicePrincipalRecord(this.account, sp, this.unreadable));
      for (const r of records) this.principal.remember(r.externalId, r);
      return records;
    });
    return this.principalsPromise;
  }
}
