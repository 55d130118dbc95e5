import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { generateCertificate, type SigningAlg } from '../../sim/x509.js';
import { SecondWindow } from '../../sim/rate-window.js';
import { startSimulator, type SimRequest, type SimResponse, type SimRoute, type SimulatorHandle } from '../../sim/server.js';
import { bearerToken, hasValidBearer, issueToken, type IssuedTokens } from '../../sim/tokens.js';
import { SIGNING_ALGS, KEYED_STRATEGIES } from './api.js';

/** Vendor-side JSON, kept exactly as Auth0 would return it. */
export interface SimClient {
  client_id: string;
  tenant: string;
  name: string;
  description?: string;
  app_type: string;
  is_first_party: boolean;
  client_secret: string;
}
export interface SimCredential {
  id: string;
  name: string;
  kid: string;
  alg: 'RS256' | 'RS384' | 'PS256';
  credential_type: 'public_key' | 'cert_subject_dn' | 'x509_cert';
  subject_dn?: string;
  thumbprint_sha256: string;
  created_at: string;
  updated_at: string;
  expires_at?: string;
}
export interface SimConnection {
  id: string;
  name: string;
  display_name: string;
  strategy: string;
  realms: string[];
  is_domain_connection: boolean;
}
export interface SimKey {
  kid: string;
  cert: string;
  pkcs: string;
  current: boolean;
  next: boolean;
  previous: boolean;
  current_since?: string;
  fingerprint: string;
  thumbprint: string;
  algorithm: SigningAlg;
  key_use: 'signing';
  subject_dn: string;
}

/** The Management API scopes the gateway needs (README, "Pointing it at a real Auth0 tenant"). */
export const GATEWAY_SCOPES = [
  'read:clients',
  'read:client_credentials',
  'update:client_credentials',
  'read:connections',
  'read:connections_keys',
  'create:connections_keys',
  'update:connections_keys',
] as const;

export interface Auth0State {
  tenant: string;
  /** The M2M application the gateway authenticates as, and the scopes granted to it (default GATEWAY_SCOPES). */
  m2m: { clientId: string; clientSecret: string; scopes?: readonly string[] };
  tokenTtlSeconds: number;
  tokens: IssuedTokens;
  /** Per-tenant Management API budget per one-second window (Auth0 free: 10, paid: 50); null = none. */
  rateLimit: { perSecond: number } | null;
  clients: SimClient[];
  credentials: Map<string, SimCredential[]>;
  connections: SimConnection[];
  keys: Map<string, SimKey[]>;
}

export interface Auth0Simulator extends SimulatorHandle {
  state: Auth0State;
  /** Invalidate every issued token (the next API call gets 401). */
  revokeTokens(): void;
}

const error = (statusCode: number, message: string, errorCode?: string) => {
  const reasons: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable' };
  return { statusCode, error: reasons[statusCode] ?? 'Error', message, ...(errorCode ? { errorCode } : {}) };
};
const fail = (status: number, message: string, errorCode?: string): SimResponse => ({ status, json: error(status, message, errorCode) });

/** Auth0's list endpoints answer in one of three shapes depending on the query. */
function page<T>(items: T[], key: string, q: URLSearchParams, defaults: { perPage: number; take: number }): SimResponse {
  const int = (name: string) => (q.has(name) ? Number(q.get(name)) : undefined);
  if (q.has('from') || q.has('take')) {
    const take = int('take') ?? defaults.take;
    if (!Number.isInteger(take) || take < 1 || take > 100) return fail(400, 'Query validation error: take must be between 1 and 100', 'invalid_query_string');
    const start = q.has('from') ? Number(Buffer.from(q.get('from')!, 'base64url').toString()) : 0;
    if (!Number.isInteger(start) || start < 0) return fail(400, 'Invalid checkpoint: from', 'invalid_query_string');
    const slice = items.slice(start, start + take);
    const next = start + take < items.length ? Buffer.from(String(start + take)).toString('base64url') : undefined;
    return { status: 200, json: { ...(next ? { next } : {}), [key]: slice } };
  }
  const perPage = int('per_page') ?? defaults.perPage;
  const pageNo = int('page') ?? 0;
  if (!Number.isInteger(perPage) || perPage < 0 || perPage > 100) return fail(400, 'Query validation error: per_page must be at most 100', 'invalid_query_string');
  if (!Number.isInteger(pageNo) || pageNo < 0) return fail(400, 'Query validation error: page', 'invalid_query_string');
  const slice = items.slice(pageNo * perPage, pageNo * perPage + perPage);
  if (q.get('include_totals') === 'true') return { status: 200, json: { start: pageNo * perPage, limit: perPage, total: items.length, [key]: slice } };
  return { status: 200, json: slice };
}

function pickFields<T extends object>(items: T[], q: URLSearchParams): Partial<T>[] {
  const fields = q.get('fields');
  if (!fields) return items;
  const names = new Set(fields.split(','));
  const include = q.get('include_fields') !== 'false';
  return items.map((item) => Object.fromEntries(Object.entries(item).filter(([k]) => names.has(k) === include)) as Partial<T>);
}

export async function generateKey(tenant: string, alg: SigningAlg, role: Partial<Pick<SimKey, 'current' | 'next' | 'previous'>>, notBefore?: Date): Promise<SimKey> {
  const cert = await generateCertificate({ commonName: tenant, alg, notBefore, validDays: 365 * 2 });
  return {
    kid: randomBytes(16).toString('base64url'),
    cert: cert.cert,
    pkcs: cert.pkcs7,
    current: role.current ?? false,
    next: role.next ?? false,
    previous: role.previous ?? false,
    fingerprint: cert.fingerprint,
    thumbprint: cert.thumbprint,
    algorithm: alg,
    key_use: 'signing',
    subject_dn: cert.subjectDn,
  };
}

/** The scopes each Management API route needs, per the contract: any one of the sets. */
const NEEDS: Record<string, readonly (readonly string[])[]> = {
  'GET /api/v2/clients': [['read:clients'], ['read:client_keys'], ['read:client_credentials'], ['read:client_summary']],
  'GET /api/v2/clients/:client_id/credentials': [['read:client_credentials']],
  'GET /api/v2/clients/:client_id/credentials/:credential_id': [['read:client_credentials']],
  'PATCH /api/v2/clients/:client_id/credentials/:credential_id': [['update:client_credentials']],
  'GET /api/v2/connections': [['read:connections']],
  'GET /api/v2/connections/:id/keys': [['read:connections_keys']],
  'POST /api/v2/connections/:id/keys/rotate': [['create:connections_keys', 'update:connections_keys']],
};

const patchBody = z.object({ expires_at: z.union([z.iso.datetime({ offset: true }), z.null()]) }).strict();
const rotateBody = z.union([z.null(), z.undefined(), z.object({ signing_alg: z.enum(SIGNING_ALGS).optional() }).strict()]);

/** A loopback Auth0 tenant behaving per ../shared/vendor-apis/auth0.openapi.yaml. */
export async function startAuth0Simulator(state: Auth0State, options: { latencyMs?: number } = {}): Promise<Auth0Simulator> {
  const clientOf = (id: string) => state.clients.find((c) => c.client_id === id);
  const connectionOf = (id: string) => state.connections.find((c) => c.id === id);

  // Each token carries the scopes granted when it was issued; a route names the scopes it needs:
  // any one of the sets, all of that set (rotation needs create: and update:connections_keys).
  const scopesOf = new Map<string, readonly string[]>();
  const scoped = (needs: readonly (readonly string[])[], route: SimRoute): SimRoute => ({
    ...route,
    handle: (req) => {
      const granted = scopesOf.get(bearerToken(req) ?? '') ?? [];
      if (needs.some((set) => set.every((scope) => granted.includes(scope)))) return route.handle(req);
      return fail(403, `Insufficient scope, expected any of: ${needs.map((set) => set.join(',')).join(', ')}`, 'insufficient_scope');
    },
  });

  // PATCH and rotate take JSON only (the contract allows a form body for creating credentials alone).
  const isJson = (headers: SimRequest['headers']) => Boolean(headers['content-type']?.includes('application/json'));
  const notJson = () => fail(400, 'Payload validation error: the body must be application/json', 'invalid_body');

  // Auth0 answers every API call with its bucket state and 429s once the window's budget is spent.
  const window = new SecondWindow();
  const limited = (route: SimRoute): SimRoute =>
    route.public
      ? route
      : {
          ...route,
          handle: async (req) => {
            if (!state.rateLimit) return route.handle(req);
            const limit = state.rateLimit.perSecond;
            const count = window.take(limit);
            const headers = {
              'x-ratelimit-limit': String(limit),
              'x-ratelimit-remaining': String(count.remaining),
              'x-ratelimit-reset': String(count.resetSecond),
            };
            if (count.over) return { ...fail(429, 'Global limit has been reached', 'too_many_requests'), headers };
            const res = await route.handle(req);
            return { ...res, headers: { ...headers, ...res.headers } };
          },
        };

  const handle = await startSimulator(
    {
      name: `auth0:${state.tenant}`,
      latencyMs: options.latencyMs,
      errorBody: (status, message) => error(status, message),
      authorize: (req) => hasValidBearer(state.tokens, req),
      routes: ([
        {
          method: 'POST',
          pattern: '/oauth/token',
          public: true,
          handle: (req) => {
            const body = (req.body ?? {}) as Record<string, string>;
            if (body.grant_type !== 'client_credentials') return { status: 400, json: { error: 'unsupported_grant_type', error_description: 'Unsupported grant type' } };
            if (body.client_id !== state.m2m.clientId || body.client_secret !== state.m2m.clientSecret) {
              return { status: 401, json: { error: 'access_denied', error_description: 'Unauthorized' } };
            }
            if (body.audience !== `${handle.url}/api/v2/`) {
              return { status: 403, json: { error: 'access_denied', error_description: `Service not found: ${body.audience}` } };
            }
            const token = issueToken(state.tokens, state.tokenTtlSeconds);
            const scopes = state.m2m.scopes ?? GATEWAY_SCOPES;
            scopesOf.set(token, scopes);
            return { status: 200, json: { access_token: token, token_type: 'Bearer', expires_in: state.tokenTtlSeconds, scope: scopes.join(' ') } };
          },
        },
        {
          method: 'GET',
          pattern: '/api/v2/clients',
          handle: (req) => page(pickFields(state.clients, req.query), 'clients', req.query, { perPage: 50, take: 50 }),
        },
        {
          method: 'GET',
          pattern: '/api/v2/clients/:client_id/credentials',
          handle: ({ params }) => {
            if (!clientOf(params.client_id!)) return fail(404, 'The client does not exist', 'inexistent_client');
            return { status: 200, json: state.credentials.get(params.client_id!) ?? [] };
          },
        },
        {
          method: 'GET',
          pattern: '/api/v2/clients/:client_id/credentials/:credential_id',
          handle: ({ params }) => {
            const cred = state.credentials.get(params.client_id!)?.find((c) => c.id === params.credential_id);
            return cred ? { status: 200, json: cred } : fail(404, 'The credential does not exist', 'inexistent_credential');
          },
        },
        {
          method: 'PATCH',
          pattern: '/api/v2/clients/:client_id/credentials/:credential_id',
          handle: ({ params, body, headers }) => {
            const cred = state.credentials.get(params.client_id!)?.find((c) => c.id === params.credential_id);
            if (!cred) return fail(404, 'The credential does not exist', 'inexistent_credential');
            if (!isJson(headers)) return notJson();
            if (body === null || typeof body !== 'object' || Object.keys(body).length === 0) {
              return fail(400, 'Payload validation error: Too few properties defined (0), minimum 1', 'invalid_body');
            }
            const parsed = patchBody.safeParse(body);
            if (!parsed.success) {
              const extra = Object.keys(body).filter((k) => k !== 'expires_at');
              return fail(400, extra.length ? `Payload validation error: Additional properties not allowed: ${extra.join(',')}` : "Payload validation error: 'Object didn't pass validation for format date-time' on property expires_at", 'invalid_body');
            }
            if (parsed.data.expires_at === null) delete cred.expires_at;
            else cred.expires_at = new Date(parsed.data.expires_at).toISOString();
            cred.updated_at = new Date().toISOString();
            return { status: 201, json: cred };
          },
        },
        {
          method: 'GET',
          pattern: '/api/v2/connections',
          handle: (req) => {
            const strategies = req.query.getAll('strategy');
            const list = strategies.length ? state.connections.filter((c) => strategies.includes(c.strategy)) : state.connections;
            return page(pickFields(list, req.query), 'connections', req.query, { perPage: 100, take: 50 });
          },
        },
        {
          method: 'GET',
          pattern: '/api/v2/connections/:id/keys',
          handle: ({ params }) => {
            const conn = connectionOf(params.id!);
            if (!conn) return fail(404, 'The connection does not exist', 'inexistent_connection');
            if (!(KEYED_STRATEGIES as readonly string[]).includes(conn.strategy)) return fail(400, 'Keys are only available for okta and oidc connections', 'invalid_strategy');
            return { status: 200, json: state.keys.get(conn.id) ?? [] };
          },
        },
        {
          method: 'POST',
          pattern: '/api/v2/connections/:id/keys/rotate',
          handle: async ({ params, body, headers, rawBody }) => {
            const conn = connectionOf(params.id!);
            if (!conn) return fail(404, 'The connection does not exist', 'inexistent_connection');
            if (rawBody !== '' && !isJson(headers)) return notJson();
            if (!(KEYED_STRATEGIES as readonly string[]).includes(conn.strategy)) return fail(400, 'Key rotation is only supported for okta and oidc connections', 'invalid_strategy');
            const parsed = rotateBody.safeParse(body);
            if (!parsed.success) return fail(400, 'Payload validation error: signing_alg must be one of ' + SIGNING_ALGS.join(', '), 'invalid_body');
            const alg = parsed.data?.signing_alg ?? (state.keys.get(conn.id) ?? []).find((k) => k.current)?.algorithm ?? 'RS256';
            // The key first: generating it yields, and the keys must be read and written with no
            // yield between, or two rotations at once would both shift the same keys and one be lost.
            const fresh = await generateKey(state.tenant, alg, { next: true });
            // The vendor leaves the shift undocumented; natural reading: next → current,
            // current → previous, the old previous retires, a fresh key becomes next.
            const now = new Date().toISOString();
            const kept: SimKey[] = [];
            for (const k of state.keys.get(conn.id) ?? []) {
              if (k.previous) continue;
              if (k.current) kept.push({ ...k, current: false, previous: true, current_since: undefined });
              else if (k.next) kept.push({ ...k, next: false, current: true, current_since: now });
              else kept.push(k);
            }
            kept.push(fresh);
            state.keys.set(conn.id, kept);
            const { current: _c, previous: _p, current_since: _s, ...response } = fresh;
            return { status: 201, json: response };
          },
        },
      ] satisfies SimRoute[]).map((r) => limited(r.public ? r : scoped(NEEDS[`${r.method} ${r.pattern}`] ?? [], r))),
    },
  );

  return Object.assign(handle, {
    state,
    revokeTokens: () => state.tokens.clear(),
  });
}

export function newCredentialId(): string {
  return `cred_${randomBytes(11).toString('base64url').replace(/[-_]/g, 'x')}`;
}
