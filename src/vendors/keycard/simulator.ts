import { randomBytes } from 'node:crypto';
import { SecondWindow } from '../../sim/rate-window.js';
import { startSimulator, type SimRequest, type SimResponse, type SimRoute, type SimulatorHandle } from '../../sim/server.js';
import { hasValidBearer, issueToken, type IssuedTokens } from '../../sim/tokens.js';

/** Vendor-side JSON, kept exactly as Keycard returns it (permissions live apart: only on expand). */
export interface SimServiceAccount {
  id: string;
  name: string;
  description?: string;
  created_at: string;
  updated_at: string;
}
export interface SimCredential {
  id: string;
  client_id: string;
  name: string;
  description?: string;
  created_at: string;
  last_used_at?: string;
}
export type SimPermissions = Record<string, Record<string, boolean>>;

export interface KeycardState {
  /** Paths accept the organization's id or its label. */
  organization: { id: string; label: string };
  tokenTtlSeconds: number;
  tokens: IssuedTokens;
  /** Refresh tokens handed out with access tokens; the gateway never uses or shows them. */
  refreshTokens: string[];
  /** client_id → client_secret of every credential (Keycard keeps a hash; plain here for tests). */
  secrets: Map<string, string>;
  /** Requests per one-second window before 429s; null = unlimited (Keycard publishes no limits). */
  rateLimit: { perSecond: number } | null;
  serviceAccounts: SimServiceAccount[];
  /** Credentials by service account id. */
  credentials: Map<string, SimCredential[]>;
  /** Permissions by resource id, returned only with `expand=permissions`. */
  permissions: Map<string, SimPermissions>;
}

export interface KeycardSimulator extends SimulatorHandle {
  state: KeycardState;
  /** Invalidate every issued token (the next API call gets 401). */
  revokeTokens(): void;
}

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  422: 'unprocessable_entity',
  429: 'rate_limited',
  500: 'internal_server_error',
  503: 'service_unavailable',
};
/** Keycard's error body: `{message, code, status}`. */
const keycardError = (status: number, message: string, code = CODES[status] ?? 'error') => ({ message, code, status });
const fail = (status: number, message: string, code?: string): SimResponse => ({ status, json: keycardError(status, message, code) });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXPANDABLE = ['permissions', 'total_count'];
const DEFAULT_LIMIT = 50; // not published; extrapolated
/** From the contract, kept apart from the gateway's own constant so the simulator checks it independently. */
const MAX_DESCRIPTION = 500;
const chars = (s: string) => [...s].length;

interface ListQuery {
  limit: number;
  after?: string;
  before?: string;
  expand: Set<string>;
}

/** `expand` arrives as repeated `expand=` (SDKs) or `expand[]=` (docs); both are accepted. */
function expandOf(q: URLSearchParams): Set<string> | SimResponse {
  const values = [...q.getAll('expand'), ...q.getAll('expand[]')];
  const unknown = values.filter((v) => !EXPANDABLE.includes(v));
  return unknown.length ? fail(400, `expand: unsupported value; use one of ${EXPANDABLE.join(', ')}`) : new Set(values);
}

function listQuery(q: URLSearchParams): ListQuery | SimResponse {
  const expand = expandOf(q);
  if (!(expand instanceof Set)) return expand;
  const raw = q.get('limit');
  const limit = raw === null ? DEFAULT_LIMIT : /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) return fail(400, 'limit must be an integer between 1 and 100');
  for (const name of ['after', 'before']) {
    const v = q.get(name);
    if (v !== null && (chars(v) < 1 || chars(v) > 255)) return fail(400, `${name} must be 1-255 characters`);
  }
  if (q.has('after') && q.has('before')) return fail(400, 'use either after or before');
  return { limit, expand, ...(q.has('after') ? { after: q.get('after')! } : {}), ...(q.has('before') ? { before: q.get('before')! } : {}) };
}

/** Opaque to clients; exported so tests can name the cursor a page ended with. */
export const cursorOf = (id: string) => Buffer.from(`kc1:${id}`).toString('base64url');
function indexOfCursor<T extends { id: string }>(items: T[], cursor: string): number {
  const decoded = Buffer.from(cursor, 'base64url').toString('utf8');
  return decoded.startsWith('kc1:') ? items.findIndex((i) => i.id === decoded.slice(4)) : -1;
}

/** Cursor paging: `{items, page_info}`; a forward page starts after `after`, a backward page ends before `before`. */
function page<T extends { id: string }>(items: T[], q: ListQuery, render: (item: T) => unknown): SimResponse {
  let start = 0;
  let end = Math.min(q.limit, items.length);
  const cursor = q.after ?? q.before;
  if (cursor !== undefined) {
    const at = indexOfCursor(items, cursor);
    if (at < 0) return fail(400, `${q.after !== undefined ? 'after' : 'before'}: invalid cursor`);
    if (q.after !== undefined) [start, end] = [at + 1, Math.min(at + 1 + q.limit, items.length)];
    else [start, end] = [Math.max(0, at - q.limit), at];
  }
  const slice = items.slice(start, end);
  return {
    status: 200,
    json: {
      items: slice.map(render),
      page_info: {
        has_next_page: end < items.length,
        has_prev_page: start > 0,
        ...(slice.length ? { start_cursor: cursorOf(slice[0]!.id), end_cursor: cursorOf(slice.at(-1)!.id) } : {}),
      },
    },
  };
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? null : { id: decoded.slice(0, colon), secret: decoded.slice(colon + 1) };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A loopback Keycard organization behaving per shared/vendor-apis/keycard.openapi.yaml. */
export async function startKeycardSimulator(state: KeycardState, options: { latencyMs?: number } = {}): Promise<KeycardSimulator> {
  const withPermissions = <T extends { id: string }>(item: T, expand: Set<string>) =>
    expand.has('permissions') ? { ...item, permissions: state.permissions.get(item.id) ?? {} } : item;

  // Every route: path ids 1-255, the organization by id or label, a UUID correlation id if any.
  const checked = (route: SimRoute): SimRoute => ({
    ...route,
    handle: (req) => {
      const requestId = req.headers['x-client-request-id'];
      if (requestId !== undefined && (typeof requestId !== 'string' || !UUID.test(requestId))) return fail(400, 'X-Client-Request-ID must be a UUID');
      for (const [name, value] of Object.entries(req.params)) {
        if (chars(value) > 255) return fail(400, `${name} must be 1-255 characters`);
      }
      const org = req.params.organization_id;
      if (org !== undefined && org !== state.organization.id && org !== state.organization.label) return fail(404, 'Organization not found');
      return rateLimited(route) ?? route.handle(req);
    },
  });

  const window = new SecondWindow();
  const rateLimited = (route: SimRoute): SimResponse | null => {
    if (!state.rateLimit || route.public) return null;
    const { over, msLeft } = window.take(state.rateLimit.perSecond);
    if (!over) return null;
    return { ...fail(429, 'Rate limit exceeded'), headers: { 'retry-after-ms': String(msLeft), 'retry-after': String(Math.ceil(msLeft / 1000)), 'x-should-retry': 'true' } };
  };

  const serviceAccountOf = (id: string) => state.serviceAccounts.find((s) => s.id === id);
  const credentialOf = (params: Record<string, string>) => {
    if (!serviceAccountOf(params.service_account_id!)) return undefined;
    return state.credentials.get(params.service_account_id!)?.find((c) => c.id === params.credential_id);
  };
  const getOne = <T extends { id: string }>(req: SimRequest, item: T | undefined, what: string): SimResponse => {
    const expand = expandOf(req.query);
    if (!(expand instanceof Set)) return expand;
    return item ? { status: 200, json: withPermissions(item, expand) } : fail(404, `${what} not found`);
  };

  const routes: SimRoute[] = [
    {
      method: 'POST',
      pattern: '/service-account-token',
      public: true,
      handle: (req) => {
        if (!String(req.headers['content-type']).includes('application/x-www-form-urlencoded')) return fail(400, 'Token requests must be form-encoded');
        const form = (isObject(req.body) ? req.body : {}) as Record<string, string>;
        if (form.grant_type !== 'client_credentials') return fail(400, 'grant_type must be client_credentials', 'unsupported_grant_type');
        // SDKs send HTTP Basic; the Terraform provider sends the pair in the form body.
        const client = basicCredentials(req.headers.authorization) ?? (form.client_id ? { id: form.client_id, secret: form.client_secret ?? '' } : null);
        if (!client || state.secrets.get(client.id) !== client.secret) return fail(401, 'Invalid client credentials');
        const refresh = randomBytes(24).toString('base64url');
        state.refreshTokens.push(refresh);
        return {
          status: 200,
          json: { access_token: issueToken(state.tokens, state.tokenTtlSeconds), token_type: 'Bearer', expires_in: state.tokenTtlSeconds, refresh_token: refresh },
        };
      },
    },
    {
      method: 'GET',
      pattern: '/organizations/:organization_id/service-accounts',
      handle: (req) => {
        const q = listQuery(req.query);
        return 'status' in q ? q : page(state.serviceAccounts, q, (s) => withPermissions(s, q.expand));
      },
    },
    {
      method: 'GET',
      pattern: '/organizations/:organization_id/service-accounts/:service_account_id',
      handle: (req) => getOne(req, serviceAccountOf(req.params.service_account_id!), 'Service account'),
    },
    {
      method: 'GET',
      pattern: '/organizations/:organization_id/service-accounts/:service_account_id/credentials',
      handle: (req) => {
        if (!serviceAccountOf(req.params.service_account_id!)) return fail(404, 'Service account not found');
        const q = listQuery(req.query);
        return 'status' in q ? q : page(state.credentials.get(req.params.service_account_id!) ?? [], q, (c) => withPermissions(c, q.expand));
      },
    },
    {
      method: 'GET',
      pattern: '/organizations/:organization_id/service-accounts/:service_account_id/credentials/:credential_id',
      handle: (req) => getOne(req, credentialOf(req.params), 'Credential'),
    },
    {
      method: 'PATCH',
      pattern: '/organizations/:organization_id/service-accounts/:service_account_id/credentials/:credential_id',
      handle: ({ params, body, headers }) => {
        const cred = credentialOf(params);
        if (!cred) return fail(404, 'Credential not found');
        if (!String(headers['content-type']).includes('application/json') || !isObject(body)) return fail(400, 'Request body must be a JSON object');
        const unknown = Object.keys(body).filter((k) => k !== 'name' && k !== 'description');
        if (unknown.length) return fail(400, `Unknown field(s): ${unknown.join(', ')}`);
        if ('name' in body && (typeof body.name !== 'string' || body.name.trim() === '')) return fail(400, 'name must be a non-empty string');
        if ('description' in body && typeof body.description !== 'string') return fail(400, 'description must be a string');
        if (typeof body.description === 'string' && chars(body.description) > MAX_DESCRIPTION) {
          return fail(400, `description must be at most ${MAX_DESCRIPTION} characters`);
        }
        if (typeof body.name === 'string') cred.name = body.name;
        if (typeof body.description === 'string') cred.description = body.description;
        return { status: 200, json: cred };
      },
    },
  ];

  const handle = await startSimulator(
    {
      name: `keycard:${state.organization.label}`,
      latencyMs: options.latencyMs,
      errorBody: (status, message) => keycardError(status, message),
      authorize: (req) => hasValidBearer(state.tokens, req),
      routes: routes.map(checked),
    },
  );

  return Object.assign(handle, {
    state,
    revokeTokens: () => state.tokens.clear(),
  });
}
