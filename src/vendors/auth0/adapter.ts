import type { CredentialChange, CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import type { Ref } from '../../domain/ref.js';
import { ValidationError } from '../../errors.js';
import { HttpClient } from '../../http/client.js';
import type { RequestScope } from '../../scope.js';
import { acceptedChange, type UpdatableFields } from '../changes.js';
import { requestLoader } from '../loader.js';
import { accountMissing, nullIfNotFound } from '../not-found.js';
import { readEachOwner } from '../owners.js';
import { collectPages } from '../pages.js';
import { pathIds } from '../path-ids.js';
import type { AccountAdapter, AccountDeps, AccountSession } from '../types.js';
import { UnreadableValues } from '../unreadable.js';
import type { OnUnreadable } from '../zod-helpers.js';
import type { Auth0AccountConfig } from './account.js';
import * as api from './api.js';
import {
  T,
  clientCredentialRecord,
  clientRecord,
  connectionKeyRecord,
  connectionRecord,
  type Auth0ClientCredentialRecord,
  type Auth0ClientRecord,
  type Auth0ConnectionKeyRecord,
  type Auth0ConnectionRecord,
} from './records.js';

const API = '/api/v2';
/** Auth0 ids (client ids, `cred_…`, `con_…`) are short and alphanumeric; refuse anything else unsent. */
const ID = /^[A-Za-z0-9_-]{1,128}$/;
const keyed = new Set<string>(api.KEYED_STRATEGIES);
const PAGE_SIZE = 100;
const UPDATABLE: UpdatableFields = { [T.clientCredential]: ['expiresAt'], [T.connectionKey]: [] };

export type SigningAlg = (typeof api.SIGNING_ALGS)[number];

export interface RotationResult {
  connection: Ref;
  newKey: Auth0ConnectionKeyRecord;
}

/** Long-lived per Auth0 tenant: the HTTP pool and the Management API token. */
export class Auth0Account implements AccountAdapter {
  readonly vendor = 'AUTH0' as const;
  readonly account: string;
  readonly http: HttpClient;
  private readonly unreadable: OnUnreadable;
  private readonly values: UnreadableValues;
  private readonly exclusiveOrRefuse: AccountDeps['exclusiveOrRefuse'];

  constructor(
    private readonly config: Auth0AccountConfig,
    deps: AccountDeps,
  ) {
    this.account = config.name;
    const values = new UnreadableValues(deps.logger, this.vendor, this.account);
    this.values = values; // its last count is told at close
    this.exclusiveOrRefuse = deps.exclusiveOrRefuse;
    // One function per account, not per item: records report through it.
    this.unreadable = (field, item, shownAs) => values.report(field, item, shownAs);
    this.http = deps.http({ baseUrl: config.baseUrl, tokens: deps.tokens(() => this.fetchToken()), errorMessage: api.errorMessage });
  }

  /** Client-credentials grant on the tenant root, form-encoded, audience with trailing slash. */
  private async fetchToken() {
    const audience = this.config.audience ?? `${this.config.baseUrl.replace(/\/$/, '')}${API}/`;
    const res = await this.http.request({
      method: 'POST',
      route: '/oauth/token',
      auth: false,
      form: {
        grant_type: 'client_credentials',
        client_id: this.config.clientId,
        client_secret: this.config.clientSecret,
        audience,
      },
      schema: api.tokenResponse,
      idempotent: true, // asking for a token twice is harmless
    });
    return { accessToken: res.access_token, expiresIn: res.expires_in };
  }

  session(scope: RequestScope): Auth0Session {
    return new Auth0Session(this.http, this.account, scope, this.exclusiveOrRefuse, this.unreadable);
  }

  close(): Promise<void> {
    this.values.flush();
    return this.http.close();
  }
}

/** One GraphQL request's view of a tenant; loaders make every upstream resource one call. */
export class Auth0Session implements AccountSession {
  readonly vendor = 'AUTH0' as const;
  private clientsPromise: Promise<Auth0ClientRecord[]> | null = null;
  private connectionsPromise: Promise<Auth0ConnectionRecord[]> | null = null;

  private readonly clientCredentials = requestLoader(async (clientId: string) => {
    const list = await this.get(`${API}/clients/{client_id}/credentials`, { client_id: clientId }, api.clientCredentials, 'client');
    const records = list.map((c) => this.credentialRecord(clientId, c));
    for (const r of records) this.credential.remember([clientId, r.externalId], r);
    return records;
  });

  private readonly credential = requestLoader(async ([clientId, credentialId]: [string, string]) => {
    const c = await this.get(
      `${API}/clients/{client_id}/credentials/{credential_id}`,
      { client_id: clientId, credential_id: credentialId },
      api.clientCredential,
      'client credential',
    );
    return this.credentialRecord(clientId, c);
  });

  private readonly keys = requestLoader(async (connectionId: string) => {
    const list = await this.get(`${API}/connections/{id}/keys`, { id: connectionId }, api.connectionKeys, 'connection');
    return list.map((k) => this.keyRecord(connectionId, k));
  });

  constructor(
    private readonly http: HttpClient,
    readonly account: string,
    private readonly scope: RequestScope,
    private readonly exclusiveOrRefuse: AccountDeps['exclusiveOrRefuse'],
    private readonly unreadable: OnUnreadable,
  ) {}

  /** A client credential's record, what it could not read reported. */
  private credentialRecord(clientId: string, c: api.ClientCredential): Auth0ClientCredentialRecord {
    return clientCredentialRecord(this.account, clientId, c, this.unreadable);
  }

  /** A key's record, what it could not read reported. */
  private keyRecord(connectionId: string, key: api.ConnectionKey): Auth0ConnectionKeyRecord {
    return connectionKeyRecord(this.account, connectionId, key, this.unreadable);
  }

  private get<S extends Parameters<HttpClient['request']>[0]['schema']>(
    route: string,
    params: Record<string, string>,
    schema: S,
    resource: string,
    query?: Record<string, string | number | boolean | string[]>,
  ) {
    return this.http.request({ method: 'GET', route, params, query, schema, resource, scope: this.scope });
  }

  listOwners(): Promise<OwnerRecord[]> {
    return Promise.all([this.clients(), this.connections()]).then(([a, b]) => [...a, ...b]);
  }

  async listCredentials(): Promise<CredentialRecord[]> {
    const [clients, connections] = await Promise.all([this.clients(), this.connections()]);
    // Clients' credentials, then connections' keys, as one fan-out: one owner failing keeps the others.
    const reads: (() => Promise<CredentialRecord[]>)[] = [
      ...clients.map((c) => () => this.clientCredentials.load(c.externalId)),
      ...connections.map((c) => () => this.keys.load(c.externalId)),
    ];
    return readEachOwner(this.http.source, reads, (read) => read());
  }

  async ownerCredentials(owner: Ref): Promise<CredentialRecord[]> {
    const [id] = pathIds(owner, 1, ID);
    if (owner.typename === T.client) return this.clientCredentials.load(id);
    if (owner.typename === T.connection) return this.keys.load(id);
    return [];
  }

  load(r: Ref): Promise<CredentialRecord | OwnerRecord | null> {
    return nullIfNotFound(async () => {
      switch (r.typename) {
        case T.client: {
          const [id] = pathIds(r, 1, ID);
          return (await this.clients()).find((c) => c.externalId === id) ?? null;
        }
        case T.connection: {
          const [id] = pathIds(r, 1, ID);
          return (await this.connections()).find((c) => c.externalId === id) ?? null;
        }
        case T.clientCredential:
          return this.credential.load(pathIds(r, 2, ID));
        case T.connectionKey: {
          const [connectionId, kid] = pathIds(r, 2, ID, { upstream: 1 });
          return (await this.keys.load(connectionId)).find((k) => k.kid === kid) ?? null;
        }
        default:
          return null;
      }
    });
  }

  async updateCredential(r: Ref, change: CredentialChange): Promise<Auth0ClientCredentialRecord> {
    acceptedChange('AUTH0', UPDATABLE, r, change);
    const [clientId, credentialId] = pathIds(r, 2, ID, { field: 'input.id' });
    // Auth0 answers 201 with the updated credential; `null` clears the expiry.
    const updated = await this.http.request({
      method: 'PATCH',
      route: `${API}/clients/{client_id}/credentials/{credential_id}`,
      params: { client_id: clientId, credential_id: credentialId },
      json: { expires_at: change.expiresAt === null ? null : change.expiresAt!.toISOString() },
      schema: api.clientCredential,
      resource: 'client credential',
      idempotent: true, // sets an absolute value
      scope: this.scope,
    });
    const record = this.credentialRecord(clientId, updated);
    this.credential.replace([clientId, credentialId], record);
    this.clientCredentials.forget(clientId);
    return record;
  }

  /**
   * Not idempotent: every call retires a key. Never retried here, and never two of one connection
   * at once, among every replica: a second one is refused (ChangeInProgressError), unsent, rather
   * than let through to retire the key the first just made, as is one made within a few seconds of
   * a rotation left unanswered (which Auth0 may still apply).
   */
  async rotateConnectionKeys(connection: Ref, signingAlg: SigningAlg | null): Promise<RotationResult> {
    if (connection.typename !== T.connection) {
      throw new ValidationError('input.connectionId must be the id of an Auth0Connection', [{ field: 'input.connectionId', message: 'not a connection id' }]);
    }
    const [connectionId] = pathIds(connection, 1, ID, { field: 'input.connectionId' });
    const busy =
      `another rotation of connection "${connectionId}" in AUTH0 account "${this.account}" is in progress, or its outcome is still unknown; ` +
      "nothing was sent: read the connection's keys once it has finished before rotating again";
    const key = await this.exclusiveOrRefuse(`connection:${connectionId}`, this.scope, busy, (keep) =>
      this.http.request({
        method: 'POST',
        route: `${API}/connections/{id}/keys/rotate`,
        params: { id: connectionId },
        json: signingAlg ? { signing_alg: signingAlg } : undefined,
        schema: api.connectionKey,
        resource: 'connection',
        scope: this.scope,
        // A rotation that may still land holds the connection's lock a while: one made meanwhile would retire its key.
        onUnanswered: keep,
      }),
    );
    // Keys read later in this request must show the rotated set, not the cached one.
    this.keys.forget(connectionId);
    // The rotation returns the key it adds as next (its contract); `next` itself is optional there,
    // and a key without it would have no role.
    return { connection, newKey: this.keyRecord(connectionId, key.next === undefined ? { ...key, next: true } : key) };
  }

  private clients(): Promise<Auth0ClientRecord[]> {
    this.clientsPromise ??= this.paginate('clients', `${API}/clients`, api.clientsCheckpointPage, {
      fields: 'client_id,name,description,app_type,is_first_party',
      include_fields: true,
    }).then((list) => list.map((c) => clientRecord(this.account, c, this.unreadable)));
    return this.clientsPromise;
  }

  private connections(): Promise<Auth0ConnectionRecord[]> {
    this.connectionsPromise ??= this.paginate('connections', `${API}/connections`, api.connectionsCheckpointPage, {
      strategy: [...api.KEYED_STRATEGIES],
    }).then((list) =>
      // Checked here too: a connection of another strategy answers its keys with a 400, which would
      // fail the whole tenant's list, should Auth0 ever return one the filter asked to leave out.
      list.filter((c) => typeof c.strategy !== 'string' || keyed.has(c.strategy)).map((c) => connectionRecord(this.account, c, this.unreadable)),
    );
    return this.connectionsPromise;
  }

  /**
   * Checkpoint paging (`from`/`take`) until Auth0 stops returning `next`. An empty page that still
   * carries one is followed, not taken for the end: stopping there dropped the rest of the list.
   * collectPages stops a token that repeats or runs away.
   */
  private paginate<K extends 'clients' | 'connections', S extends typeof api.clientsCheckpointPage | typeof api.connectionsCheckpointPage>(
    key: K,
    route: string,
    schema: S,
    query: Record<string, string | number | boolean | string[]>,
  ) {
    type Item = K extends 'clients' ? api.Client : api.Connection;
    // The tenant's own list: its 404 is the account failing, never one client or connection gone
    // (owners are found in it, so `node` of one would read as deleted).
    return collectPages<Item>(this.http.source, async (from) => {
      const res = (await this.get(route, {}, schema, key, { ...query, take: PAGE_SIZE, ...(from ? { from } : {}) })) as Record<string, unknown> & {
        next?: string;
      };
      return { items: res[key] as Item[], next: res.next };
    }).catch(accountMissing);
  }
}
