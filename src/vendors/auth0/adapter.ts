import type { RequestScope } from '../../context.js';
import type { CredentialChange, CredentialRecord, OwnerRecord } from '../../domain/credential.js';
import type { Ref } from '../../domain/ref.js';
import { NotFoundError, UnsupportedChangeError, ValidationError } from '../../errors.js';
import { HttpClient } from '../../http/client.js';
import { TokenCache } from '../../http/tokens.js';
import { requestLoader } from '../loader.js';
import type { AccountAdapter, AccountDeps, AccountSession } from '../types.js';
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
const PAGE_SIZE = 100;
const UPDATABLE: Record<string, string[]> = { [T.clientCredential]: ['expiresAt'], [T.connectionKey]: [] };

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

  constructor(
    private readonly config: Auth0AccountConfig,
    deps: AccountDeps,
  ) {
    this.account = config.name;
    const tokens = new TokenCache(() => this.fetchToken());
    this.http = new HttpClient({
      vendor: 'AUTH0',
      account: config.name,
      baseUrl: config.baseUrl,
      logger: deps.logger,
      tokens,
      errorMessage: api.errorMessage,
      ...deps.http,
      ...config.http,
    });
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
    });
    return { accessToken: res.access_token, expiresIn: res.expires_in };
  }

  session(scope: RequestScope): Auth0Session {
    return new Auth0Session(this.http, this.account, scope);
  }

  close(): Promise<void> {
    return this.http.close();
  }
}

/** One GraphQL request's view of a tenant; loaders make every upstream resource one call. */
export class Auth0Session implements AccountSession {
  readonly vendor = 'AUTH0' as const;
  private clientsPromise: Promise<Auth0ClientRecord[]> | null = null;
  private connectionsPromise: Promise<Auth0ConnectionRecord[]> | null = null;

  private readonly clientCredentials = requestLoader(async (clientId: string) => {
    const list = await this.get(`${API}/clients/{client_id}/credentials`, { client_id: clientId }, api.clientCredential.array(), 'client');
    const records = list.map((c) => clientCredentialRecord(this.account, clientId, c));
    for (const r of records) this.credential.prime([clientId, r.externalId], r);
    return records;
  });

  private readonly credential = requestLoader(async ([clientId, credentialId]: [string, string]) => {
    const c = await this.get(
      `${API}/clients/{client_id}/credentials/{credential_id}`,
      { client_id: clientId, credential_id: credentialId },
      api.clientCredential,
      'client credential',
    );
    return clientCredentialRecord(this.account, clientId, c);
  });

  private readonly keys = requestLoader(async (connectionId: string) => {
    const list = await this.get(`${API}/connections/{id}/keys`, { id: connectionId }, api.connectionKey.array(), 'connection');
    return list.map((k) => connectionKeyRecord(this.account, connectionId, k));
  });

  constructor(
    private readonly http: HttpClient,
    readonly account: string,
    private readonly scope: RequestScope,
  ) {}

  private get<S extends Parameters<HttpClient['request']>[0]['schema']>(
    route: string,
    params: Record<string, string>,
    schema: S,
    resource: string,
    query?: Record<string, string | number | boolean | string[]>,
  ) {
    return this.http.request({ method: 'GET', route, params, query, schema, resource, signal: this.scope.signal });
  }

  listOwners(): Promise<OwnerRecord[]> {
    return Promise.all([this.clients(), this.connections()]).then(([a, b]) => [...a, ...b]);
  }

  async listCredentials(): Promise<CredentialRecord[]> {
    const [clients, connections] = await Promise.all([this.clients(), this.connections()]);
    const [credentials, keys] = await Promise.all([
      Promise.all(clients.map((c) => this.clientCredentials.load(c.externalId).catch(goneAsEmpty))),
      Promise.all(connections.map((c) => this.keys.load(c.externalId).catch(goneAsEmpty))),
    ]);
    return [...credentials.flat(), ...keys.flat()];
  }

  async ownerCredentials(owner: Ref): Promise<CredentialRecord[]> {
    const [id] = this.checkPath(owner, 1);
    if (owner.typename === T.client) return this.clientCredentials.load(id);
    if (owner.typename === T.connection) return this.keys.load(id);
    return [];
  }

  async load(r: Ref): Promise<CredentialRecord | OwnerRecord | null> {
    try {
      switch (r.typename) {
        case T.client: {
          const [id] = this.checkPath(r, 1);
          return (await this.clients()).find((c) => c.externalId === id) ?? null;
        }
        case T.connection: {
          const [id] = this.checkPath(r, 1);
          return (await this.connections()).find((c) => c.externalId === id) ?? null;
        }
        case T.clientCredential: {
          const [clientId, credentialId] = this.checkPath(r, 2);
          return await this.credential.load([clientId, credentialId]);
        }
        case T.connectionKey: {
          const [connectionId, kid] = this.checkPath(r, 2, 1);
          return (await this.keys.load(connectionId)).find((k) => k.kid === kid) ?? null;
        }
        default:
          return null;
      }
    } catch (err) {
      if (err instanceof NotFoundError) return null;
      throw err;
    }
  }

  async updateCredential(r: Ref, change: CredentialChange): Promise<Auth0ClientCredentialRecord> {
    const supported = UPDATABLE[r.typename];
    if (!supported) throw new ValidationError('id does not identify an Auth0 credential', [{ field: 'id', message: 'not a credential id' }]);
    const refused = Object.keys(change).filter((f) => !supported.includes(f));
    if (refused.length) {
      throw new UnsupportedChangeError('AUTH0', r.typename, refused, supported);
    }
    const [clientId, credentialId] = this.checkPath(r, 2);
    // Auth0 answers 201 with the updated credential; `null` clears the expiry.
    const updated = await this.http.request({
      method: 'PATCH',
      route: `${API}/clients/{client_id}/credentials/{credential_id}`,
      params: { client_id: clientId, credential_id: credentialId },
      json: { expires_at: change.expiresAt === null ? null : change.expiresAt!.toISOString() },
      schema: api.clientCredential,
      resource: 'client credential',
      idempotent: true, // sets an absolute value
      signal: this.scope.signal,
    });
    const record = clientCredentialRecord(this.account, clientId, updated);
    this.credential.clear([clientId, credentialId]).prime([clientId, credentialId], record);
    this.clientCredentials.clear(clientId);
    return record;
  }

  /** Not idempotent: every call retires a key. Never retried here. */
  async rotateConnectionKeys(connection: Ref, signingAlg: SigningAlg | null): Promise<RotationResult> {
    if (connection.typename !== T.connection) {
      throw new ValidationError('id does not identify an Auth0 connection', [{ field: 'connectionId', message: 'not a connection id' }]);
    }
    const [connectionId] = this.checkPath(connection, 1);
    const key = await this.http.request({
      method: 'POST',
      route: `${API}/connections/{id}/keys/rotate`,
      params: { id: connectionId },
      json: signingAlg ? { signing_alg: signingAlg } : undefined,
      schema: api.connectionKey,
      resource: 'connection',
      signal: this.scope.signal,
    });
    // Keys read later in this request must show the rotated set, not the cached one.
    this.keys.clear(connectionId);
    return { connection, newKey: connectionKeyRecord(this.account, connectionId, key) };
  }

  private clients(): Promise<Auth0ClientRecord[]> {
    this.clientsPromise ??= this.paginate('clients', `${API}/clients`, api.clientsCheckpointPage, {
      fields: 'client_id,name,description,app_type,is_first_party',
      include_fields: true,
    }).then((list) => list.map((c) => clientRecord(this.account, c)));
    return this.clientsPromise;
  }

  private connections(): Promise<Auth0ConnectionRecord[]> {
    this.connectionsPromise ??= this.paginate('connections', `${API}/connections`, api.connectionsCheckpointPage, {
      strategy: [...api.KEYED_STRATEGIES],
    }).then((list) => list.map((c) => connectionRecord(this.account, c)));
    return this.connectionsPromise;
  }

  /** Checkpoint paging (`from`/`take`) until Auth0 stops returning `next`. */
  private async paginate<K extends 'clients' | 'connections', S extends typeof api.clientsCheckpointPage | typeof api.connectionsCheckpointPage>(
    key: K,
    route: string,
    schema: S,
    query: Record<string, string | number | boolean | string[]>,
  ) {
    const all: (K extends 'clients' ? api.Client : api.Connection)[] = [];
    let from: string | undefined;
    for (let page = 0; page < 1000; page++) {
      const res = (await this.get(route, {}, schema, key, { ...query, take: PAGE_SIZE, ...(from ? { from } : {}) })) as Record<string, unknown> & {
        next?: string;
      };
      all.push(...(res[key] as typeof all));
      if (!res.next || (res[key] as unknown[]).length === 0) break;
      from = res.next;
    }
    return all;
  }

  /** The first `upstream` segments go into URLs and must look like Auth0 ids; the rest are matched locally. */
  private checkPath(r: Ref, length: 1): [string];
  private checkPath(r: Ref, length: 2, upstream?: number): [string, string];
  private checkPath(r: Ref, length: number, upstream = length): string[] {
    if (r.path.length !== length || !r.path.every((p, i) => (i < upstream ? ID.test(p) : p.length <= 255))) {
      throw new ValidationError('Malformed id: not an id issued by this gateway', [{ field: 'id', message: 'malformed' }]);
    }
    return [...r.path];
  }
}

/** A client or connection deleted between the list and its credentials: nothing to show. */
function goneAsEmpty(err: unknown): never[] {
  if (err instanceof NotFoundError) return [];
  throw err;
}
