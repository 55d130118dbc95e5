import { decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { SecondWindow } from '../../sim/rate-window.js';
import { startSimulator, type SimRequest, type SimResponse, type SimRoute, type SimulatorHandle } from '../../sim/server.js';
import { hasValidBearer, issueToken, type IssuedTokens } from '../../sim/tokens.js';
import { GRPC, USER_STATUSES, USER_TYPES } from './api.js';
import { ASSERTION_TYPE } from './client-auth.js';

/** Vendor-side records, shaped like ConductorOne's JSON (nulls are dropped on the wire, as proto3 JSON does). */
export interface SimUser {
  id: string;
  displayName: string;
  email: string | null;
  status: (typeof USER_STATUSES)[number];
  type: (typeof USER_TYPES)[number];
}
export interface SimServicePrincipal {
  id: string;
  displayName: string;
  createdAt: string;
  updatedAt: string;
  user: SimUser;
}
export interface SimCredential {
  id: string;
  clientId: string;
  displayName: string;
  servicePrincipalId: string;
  allowSourceCidrs: string[];
  scopedRoleIds: string[];
  requireDpop: boolean;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

export interface ConductorOneState {
  /** `acme.conductor.one`: the `aud` every client assertion must carry. */
  tenantHost: string;
  tokenTtlSeconds: number;
  tokens: IssuedTokens;
  /** Public halves of credential secrets, by client id: what verifies a client assertion. */
  publicKeys: Map<string, JWK>;
  /** Assertion nonces already accepted (an assertion is good for one token). */
  usedNonces: Set<string>;
  /** API calls allowed per one-second window; null = unlimited. */
  rateLimit: { perSecond: number } | null;
  /** Page size when `page_size` is absent or 0; larger requests are capped at maxPageSize (AIP-158). */
  defaultPageSize: number;
  maxPageSize: number;
  principals: SimServicePrincipal[];
  /** Service principal id → its credentials. */
  credentials: Map<string, SimCredential[]>;
}

export interface ConductorOneSimulator extends SimulatorHandle {
  state: ConductorOneState;
  /** Invalidate every issued access token (the next API call gets 401). */
  revokeTokens(): void;
}

type GrpcCode = keyof typeof GRPC;
const codeOfStatus = (status: number): number =>
  Object.values(GRPC).find((g) => g.status === status)?.code ?? (status >= 500 ? GRPC.INTERNAL.code : 2 /* UNKNOWN */);

/** google.rpc.Status, the body of every API error. */
const statusBody = (code: number, message: string) => ({ code, message, details: [] as unknown[] });
const fail = (name: GrpcCode, message: string, headers?: Record<string, string>): SimResponse => ({
  status: GRPC[name].status,
  json: statusBody(GRPC[name].code, message),
  ...(headers ? { headers } : {}),
});
const oauthFail = (status: number, error: string, description: string): SimResponse => ({ status, json: { error, error_description: description } });

/** proto3 JSON leaves out unpopulated fields: null, false, "" and empty lists. */
function wire<T extends object>(value: T): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v === null || v === undefined || v === false || v === '' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v && typeof v === 'object' && !Array.isArray(v) ? wire(v) : v;
  }
  return out as Partial<T>;
}

/** `page_size` / `page_token` (extrapolated from other C1 list RPCs); the token is opaque and bound to its list. */
function page<T>(items: T[], q: URLSearchParams, list: string, state: ConductorOneState): SimResponse {
  const rawSize = q.get('page_size');
  const size = rawSize === null || rawSize === '' ? 0 : Number(rawSize);
  if (!Number.isInteger(size) || size < 0) return fail('INVALID_ARGUMENT', 'invalid ListRequest.PageSize: value must be greater than or equal to 0');
  const take = Math.min(size || state.defaultPageSize, state.maxPageSize);
  let start = 0;
  const token = q.get('page_token');
  if (token) {
    const [scope, offset] = Buffer.from(token, 'base64url').toString('utf8').split('|');
    start = Number(offset);
    if (scope !== list || !Number.isInteger(start) || start < 0) return fail('INVALID_ARGUMENT', 'invalid page_token');
  }
  const slice = items.slice(start, start + take);
  const next = start + take < items.length ? Buffer.from(`${list}|${start + take}`).toString('base64url') : '';
  return { status: 200, json: wire({ list: slice.map((i) => wire(i as object)), nextPageToken: next }) };
}

const CREDENTIAL_FIELDS = [
  'id',
  'clientId',
  'displayName',
  'servicePrincipalId',
  'allowSourceCidrs',
  'scopedRoleIds',
  'requireDpop',
  'createdAt',
  'expiresAt',
  'lastUsedAt',
] as const;
const WRITABLE = new Set(['displayName']);
const camel = (path: string) => path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
const MAX_DISPLAY_NAME = 255;

/** UpdateCredential: only displayName is writable, and `credential` may hold only what the mask names. */
function applyUpdate(cred: SimCredential, body: unknown): SimResponse {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return fail('INVALID_ARGUMENT', 'invalid request body');
  const { credential, updateMask, ...extra } = body as Record<string, unknown>;
  const unknownKeys = Object.keys(extra);
  if (unknownKeys.length) return fail('INVALID_ARGUMENT', `unknown field "${unknownKeys[0]}" in ServicePrincipalServiceUpdateCredentialRequest`);
  if (!credential || typeof credential !== 'object' || Array.isArray(credential)) {
    return fail('INVALID_ARGUMENT', 'invalid ServicePrincipalServiceUpdateCredentialRequest.Credential: value is required');
  }
  if (updateMask !== undefined && updateMask !== null && typeof updateMask !== 'string') return fail('INVALID_ARGUMENT', 'updateMask must be a field-mask string');
  const sent = Object.keys(credential);
  // gRPC-gateway fills an absent mask from the fields present in the body.
  const paths = updateMask ? updateMask.split(',').map((p) => camel(p.trim())) : sent;
  if (paths.length === 0) return fail('INVALID_ARGUMENT', 'update_mask names no fields');
  for (const p of paths) {
    if (!(CREDENTIAL_FIELDS as readonly string[]).includes(p)) return fail('INVALID_ARGUMENT', `invalid field mask path "${p}"`);
    if (!WRITABLE.has(p)) return fail('INVALID_ARGUMENT', `field "${p}" is read-only and cannot be updated`);
  }
  for (const k of sent) {
    if (!paths.includes(k)) return fail('INVALID_ARGUMENT', `field "${k}" is set but not named in update_mask`);
  }
  const name = (credential as Record<string, unknown>).displayName;
  if (typeof name !== 'string' || name.trim() === '') return fail('INVALID_ARGUMENT', 'invalid ServicePrincipalCredential.DisplayName: value length must be at least 1 runes');
  if ([...name].length > MAX_DISPLAY_NAME) return fail('INVALID_ARGUMENT', `invalid ServicePrincipalCredential.DisplayName: value length must be at most ${MAX_DISPLAY_NAME} runes`);
  if (/\p{Cc}/u.test(name)) return fail('INVALID_ARGUMENT', 'invalid ServicePrincipalCredential.DisplayName: must not contain control characters');
  cred.displayName = name;
  return { status: 200, json: { credential: wire(cred) } };
}

const MAX_ASSERTION_AGE_S = 300;

/**
 * Verifies a client assertion the way the tenant does: a known client, its registered Ed25519
 * key, alg EdDSA, a fresh nonce, iss = sub = client_id, aud = the tenant host, a valid time window.
 */
async function issueForAssertion(state: ConductorOneState, req: SimRequest): Promise<SimResponse> {
  const invalid = (why: string) => oauthFail(401, 'invalid_client', why);
  if (!req.headers['content-type']?.includes('application/x-www-form-urlencoded')) return oauthFail(400, 'invalid_request', 'expected a form-encoded body');
  if (req.headers.authorization) return oauthFail(400, 'invalid_request', 'client credentials must be sent in the body');
  const form = (req.body ?? {}) as Record<string, string>;
  if (form.grant_type !== 'client_credentials') return oauthFail(400, 'unsupported_grant_type', 'unsupported grant type');
  if (form.client_assertion_type !== ASSERTION_TYPE || !form.client_assertion) return invalid('a jwt-bearer client assertion is required');
  const clientId = form.client_id ?? '';
  const key = state.publicKeys.get(clientId);
  const cred = [...state.credentials.values()].flat().find((c) => c.clientId === clientId);
  if (!key || !cred) return invalid('unknown client');

  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(form.client_assertion);
  } catch {
    return invalid('malformed client assertion');
  }
  if (header.alg !== 'EdDSA') return invalid('client assertion must be signed with EdDSA');
  const nonce = (header as { nonce?: unknown }).nonce;
  if (typeof nonce !== 'string' || nonce === '') return invalid('client assertion has no nonce');
  if (state.usedNonces.has(nonce)) return invalid('client assertion was already used');

  const now = Date.now();
  let claims: Awaited<ReturnType<typeof jwtVerify>>['payload'];
  try {
    ({ payload: claims } = await jwtVerify(form.client_assertion, await importJWK(key, 'EdDSA'), {
      algorithms: ['EdDSA'],
      issuer: clientId,
      subject: clientId,
      audience: state.tenantHost,
      currentDate: new Date(now),
      requiredClaims: ['iat', 'nbf', 'exp'],
    }));
  } catch {
    return invalid('client assertion verification failed');
  }
  const nowS = now / 1000;
  if (Math.abs(nowS - claims.iat!) > 60 || claims.exp! - claims.iat! > MAX_ASSERTION_AGE_S) return invalid('client assertion is outside its validity window');
  if (cred.expiresAt && Date.parse(cred.expiresAt) <= now) return invalid('credential has expired');
  if (cred.requireDpop && !req.headers.dpop) return oauthFail(400, 'invalid_dpop_proof', 'this credential requires a DPoP proof');
  const owner = state.principals.find((p) => p.id === cred.servicePrincipalId);
  if (!owner || owner.user.status !== 'ENABLED') return invalid('service principal is disabled');

  // Again, with no yield before it is spent: the same assertion sent twice at once passed the first check twice.
  if (state.usedNonces.has(nonce)) return invalid('client assertion was already used');
  state.usedNonces.add(nonce);
  cred.lastUsedAt = new Date(now).toISOString();
  const token = issueToken(state.tokens, state.tokenTtlSeconds);
  return { status: 200, json: { access_token: token, token_type: 'Bearer', expires_in: state.tokenTtlSeconds } };
}

/** A loopback ConductorOne tenant behaving per ../shared/vendor-apis/conductorone.openapi.yaml. */
export async function startConductorOneSimulator(
  state: ConductorOneState,
  options: { latencyMs?: number } = {},
): Promise<ConductorOneSimulator> {
  const principalOf = (id: string) => state.principals.find((p) => p.id === id);
  const credentialOf = (spId: string, id: string) => state.credentials.get(spId)?.find((c) => c.id === id);
  const noPrincipal = () => fail('NOT_FOUND', 'service principal not found');

  const window = new SecondWindow();
  const overBudget = () => state.rateLimit !== null && window.take(state.rateLimit.perSecond).over;
  const limited = (route: SimRoute): SimRoute =>
    route.public
      ? route
      : { ...route, handle: (req) => (overBudget() ? fail('RESOURCE_EXHAUSTED', 'rate limit exceeded', { 'retry-after': '1' }) : route.handle(req)) };

  const routes: SimRoute[] = [
    { method: 'POST', pattern: '/auth/v1/token', public: true, handle: (req) => issueForAssertion(state, req) },
    {
      method: 'GET',
      pattern: '/api/v1/service_principals',
      handle: (req) => page(state.principals, req.query, 'principals', state),
    },
    {
      method: 'GET',
      pattern: '/api/v1/service_principals/:id',
      handle: ({ params }) => {
        const sp = principalOf(params.id!);
        return sp ? { status: 200, json: { servicePrincipal: wire(sp) } } : noPrincipal();
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/service_principals/:service_principal_id/credentials',
      handle: ({ params, query }) => {
        if (!principalOf(params.service_principal_id!)) return noPrincipal();
        return page(state.credentials.get(params.service_principal_id!) ?? [], query, `credentials:${params.service_principal_id}`, state);
      },
    },
    {
      method: 'GET',
      pattern: '/api/v1/service_principals/:service_principal_id/credentials/:id',
      handle: ({ params }) => {
        const cred = credentialOf(params.service_principal_id!, params.id!);
        return cred ? { status: 200, json: { credential: wire(cred) } } : fail('NOT_FOUND', 'credential not found');
      },
    },
    {
      method: 'PATCH',
      pattern: '/api/v1/service_principals/:service_principal_id/credentials/:id',
      handle: ({ params, body, headers }) => {
        if (!headers['content-type']?.includes('application/json')) return fail('INVALID_ARGUMENT', 'expected a JSON body');
        const cred = credentialOf(params.service_principal_id!, params.id!);
        return cred ? applyUpdate(cred, body) : fail('NOT_FOUND', 'credential not found');
      },
    },
  ];

  const handle = await startSimulator(
    {
      name: `conductorone:${state.tenantHost}`,
      latencyMs: options.latencyMs,
      errorBody: (status, message) => statusBody(codeOfStatus(status), message),
      authorize: (req) => hasValidBearer(state.tokens, req),
      routes: routes.map(limited),
    },
  );

  return Object.assign(handle, {
    state,
    revokeTokens: () => state.tokens.clear(),
  });
}
