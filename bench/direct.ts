/**
 * "The limit": the same work as Q1–Q3 done by a hand-written client with undici straight against
 * the simulators. Exactly the REST calls such a client makes (each vendor's token once, then
 * list owners, then every owner's credentials in parallel, every vendor in parallel, pages
 * followed), `JSON.parse` of each body, the `expiresBefore` filter and the expiry sort done here.
 * No schema validation, no logging, no retries: nothing a gateway adds.
 */
import { Pool } from 'undici';
import { parseClientId, parseClientSecret, signClientAssertion, signingKey, tokenRequestForm } from '../src/vendors/conductorone/client-auth.js';
import type { BenchUpstream } from './simulators.js';

interface Item {
  name: string;
  expiresAt: string | null;
}

type Json = Record<string, unknown>;

export class DirectClient {
  private readonly pools = new Map<string, Pool>();
  private readonly auth = new Map<string, string>();

  constructor(
    private readonly upstream: BenchUpstream,
    connections: number,
  ) {
    for (const { url } of Object.values(upstream.direct)) this.pools.set(url, new Pool(url, { connections, pipelining: 1, keepAliveTimeout: 30_000 }));
  }

  /** Each vendor's token, once (a real client caches it just as the gateway does). */
  async init(): Promise<void> {
    const { auth0, conductorone, keycard, vault } = this.upstream.direct;
    const a0 = (await this.call(auth0.url, 'POST', '/oauth/token', {
      'content-type': 'application/x-www-form-urlencoded',
    }, new URLSearchParams({ grant_type: 'client_credentials', client_id: auth0.clientId, client_secret: auth0.clientSecret, audience: `${auth0.url}/api/v2/` }).toString())) as Json;
    this.auth.set(auth0.url, `Bearer ${String(a0.access_token)}`);

    const client = parseClientId(conductorone.clientId);
    const assertion = await signClientAssertion(client, signingKey(parseClientSecret(conductorone.clientSecret)));
    const c1 = (await this.call(conductorone.url, 'POST', '/auth/v1/token', { 'content-type': 'application/x-www-form-urlencoded' }, new URLSearchParams(tokenRequestForm(client.clientId, assertion)).toString())) as Json;
    this.auth.set(conductorone.url, `Bearer ${String(c1.access_token)}`);

    const basic = Buffer.from(`${keycard.clientId}:${keycard.clientSecret}`).toString('base64');
    const kc = (await this.call(keycard.url, 'POST', '/service-account-token', { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials')) as Json;
    this.auth.set(keycard.url, `Bearer ${String(kc.access_token)}`);

    this.auth.set(vault.url, `Bearer ${vault.token}`);
  }

  private async call(origin: string, method: 'GET' | 'POST', path: string, headers: Record<string, string> = {}, body?: string): Promise<unknown> {
    const res = await this.pools.get(origin)!.request({ method, path, headers: { accept: 'application/json', ...headers }, body });
    const json = await res.body.json();
    if (res.statusCode >= 300) throw new Error(`${method} ${path}: HTTP ${res.statusCode}`);
    return json;
  }

  private get(origin: string, path: string): Promise<unknown> {
    return this.call(origin, 'GET', path, { authorization: this.auth.get(origin)! });
  }

  /** Q1: one credential by id. */
  async q1(): Promise<unknown> {
    const { credential } = this.upstream.fixtures;
    return this.get(this.upstream.direct.auth0.url, `/api/v2/clients/${credential.clientId}/credentials/${credential.credentialId}`);
  }

  /** Q2: the first 50 credentials of one owner, soonest expiry first. */
  async q2(): Promise<Item[]> {
    const { bigOwner } = this.upstream.fixtures;
    const list = (await this.get(this.upstream.direct.auth0.url, `/api/v2/clients/${bigOwner.clientId}/credentials`)) as Json[];
    return bySoonest(list.map((c) => ({ name: String(c.name), expiresAt: (c.expires_at as string | undefined) ?? null }))).slice(0, 50);
  }

  /** Q3: every credential of every owner in the four vendors, expiring before the cut-off. */
  async q3(): Promise<Item[]> {
    const cutoff = Date.parse(this.upstream.expiresBefore);
    const all = (await Promise.all([this.auth0All(), this.c1All(), this.keycardAll(), this.vaultAll()])).flat();
    return bySoonest(all.filter((c) => c.expiresAt !== null && Date.parse(c.expiresAt) < cutoff));
  }

  private async auth0All(): Promise<Item[]> {
    const url = this.upstream.direct.auth0.url;
    const [clients, connections] = await Promise.all([
      this.pages(async (from) => {
        const res = (await this.get(url, `/api/v2/clients?fields=client_id%2Cname%2Cdescription%2Capp_type%2Cis_first_party&include_fields=true&take=100${from ? `&from=${from}` : ''}`)) as Json;
        return { items: res.clients as Json[], next: res.next as string | undefined };
      }),
      this.pages(async (from) => {
        const res = (await this.get(url, `/api/v2/connections?strategy=okta&strategy=oidc&take=100${from ? `&from=${from}` : ''}`)) as Json;
        return { items: res.connections as Json[], next: res.next as string | undefined };
      }),
    ]);
    const [credentials, keys] = await Promise.all([
      Promise.all(clients.map((c) => this.get(url, `/api/v2/clients/${String(c.client_id)}/credentials`) as Promise<Json[]>)),
      Promise.all(connections.map((c) => this.get(url, `/api/v2/connections/${String(c.id)}/keys`) as Promise<Json[]>)),
    ]);
    return [
      ...credentials.flat().map((c) => ({ name: String(c.name), expiresAt: (c.expires_at as string | undefined) ?? null })),
      // A key expires with its certificate; parsing it is the gateway's work too, but no key has
      // an expiry before the cut-off here, so only the count matters.
      ...keys.flat().map((k) => ({ name: String(k.kid), expiresAt: null })),
    ];
  }

  private async c1All(): Promise<Item[]> {
    const url = this.upstream.direct.conductorone.url;
    const principals = await this.pages(async (token) => {
      const res = (await this.get(url, `/api/v1/service_principals?page_size=100${token ? `&page_token=${encodeURIComponent(token)}` : ''}`)) as Json;
      return { items: (res.list as Json[] | undefined) ?? [], next: res.nextPageToken as string | undefined };
    });
    const lists = await Promise.all(
      principals.map((p) =>
        this.pages(async (token) => {
          const res = (await this.get(url, `/api/v1/service_principals/${String(p.id)}/credentials?page_size=100${token ? `&page_token=${encodeURIComponent(token)}` : ''}`)) as Json;
          return { items: (res.list as Json[] | undefined) ?? [], next: res.nextPageToken as string | undefined };
        }),
      ),
    );
    return lists.flat().map((c) => ({ name: String(c.displayName), expiresAt: (c.expiresAt as string | undefined) ?? null }));
  }

  private async keycardAll(): Promise<Item[]> {
    const { url, organizationId } = this.upstream.direct.keycard;
    const list = (path: string) =>
      this.pages(async (after) => {
        const res = (await this.get(url, `${path}?limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`)) as Json;
        const info = res.page_info as { has_next_page: boolean; end_cursor?: string };
        return { items: res.items as Json[], next: info.has_next_page ? info.end_cursor : undefined };
      });
    const accounts = await list(`/organizations/${organizationId}/service-accounts`);
    const lists = await Promise.all(accounts.map((a) => list(`/organizations/${organizationId}/service-accounts/${String(a.id)}/credentials`)));
    return lists.flat().map((c) => ({ name: String(c.name), expiresAt: null }));
  }

  private async vaultAll(): Promise<Item[]> {
    const url = this.upstream.direct.vault.url;
    const all = await this.pages(async (token) => {
      const res = (await this.get(url, `/api/v1/credentials?pageSize=100${token ? `&pageToken=${encodeURIComponent(token)}` : ''}`)) as Json;
      return { items: res.credentials as Json[], next: res.nextPageToken as string | undefined };
    });
    return all.map((c) => ({ name: String(c.name), expiresAt: (c.expiresAt as string | undefined) ?? null }));
  }

  private async pages(fetchPage: (next: string | undefined) => Promise<{ items: Json[]; next: string | undefined }>): Promise<Json[]> {
    const all: Json[] = [];
    let next: string | undefined;
    do {
      const page = await fetchPage(next);
      all.push(...page.items);
      next = page.next;
    } while (next);
    return all;
  }

  async close(): Promise<void> {
    await Promise.all([...this.pools.values()].map((p) => p.close()));
  }
}

function bySoonest(items: Item[]): Item[] {
  return items.sort((a, b) => (a.expiresAt === null ? Infinity : Date.parse(a.expiresAt)) - (b.expiresAt === null ? Infinity : Date.parse(b.expiresAt)));
}
