import { z } from 'zod';
import { SecondWindow } from '../../sim/rate-window.js';
import { startSimulator, type SimResponse, type SimRoute, type SimulatorHandle } from '../../sim/server.js';
import { bearerToken } from '../../sim/tokens.js';
import { CREDENTIAL_TYPES, HEALTH_STATUSES, type CredentialType, type HealthStatus } from './api.js';

/** Vendor-side record: the metadata exactly as the vault returns it, plus the stored secret. */
export interface SimVaultCredential {
  uuid: string;
  name: string;
  description?: string;
  type: CredentialType;
  healthStatus: HealthStatus;
  expiresAt?: string;
  createdBy: string;
  createDate: string;
  lastOpDate: string;
  /** The secret. Stored so tests can see a rotation happen; never returned by any route. */
  value: string;
}

/** The vault's own audit trail of writes: who (operator), when, which fields. */
export interface SimOperation {
  uuid: string;
  operator: string;
  at: string;
  fields: string[];
  rotated: boolean;
}

export interface VaultState {
  /** Static API tokens the vault accepts as `Authorization: Bearer <token>`. */
  tokens: string[];
  credentials: SimVaultCredential[];
  operations: SimOperation[];
  /** Days before expiry when the vault's own healthStatus turns EXPIRING. */
  expiringWindowDays: number;
  /** Calls per one-second window before 429 + Retry-After; null = unlimited. */
  rateLimit: { perSecond: number } | null;
}

export interface VaultSimulator extends SimulatorHandle {
  state: VaultState;
}

/** gRPC-gateway's HTTP status for each google.rpc.Code it answers with. */
const GRPC_CODES: Record<number, [number, string]> = {
  400: [3, 'INVALID_ARGUMENT'],
  401: [16, 'UNAUTHENTICATED'],
  403: [7, 'PERMISSION_DENIED'],
  404: [5, 'NOT_FOUND'],
  409: [10, 'ABORTED'],
  429: [8, 'RESOURCE_EXHAUSTED'],
  500: [13, 'INTERNAL'],
  501: [12, 'UNIMPLEMENTED'],
  503: [14, 'UNAVAILABLE'],
  504: [4, 'DEADLINE_EXCEEDED'],
};

interface Violation {
  field: string;
  description: string;
}

/** google.rpc.Status as gRPC-gateway renders it; validation failures carry a BadRequest detail. */
export function vaultError(status: number, message: string, violations: Violation[] = []) {
  return {
    code: GRPC_CODES[status]?.[0] ?? 2,
    message,
    details: violations.length ? [{ '@type': 'type.googleapis.com/google.rpc.BadRequest', fieldViolations: violations }] : [],
  };
}
const fail = (status: number, message: string, violations?: Violation[]): SimResponse => ({ status, json: vaultError(status, message, violations) });

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const DAY = 86_400_000;
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 100;
const UPDATE_FIELDS = ['name', 'description', 'value', 'expiresAt', 'operator'] as const;
const runes = (s: string) => [...s].length;
const rfc3339 = z.iso.datetime({ offset: true });

/** The vault's health verdict from the expiry, with its own warning window. */
export function healthOf(expiresAt: string | undefined, windowDays: number, now = Date.now()): HealthStatus {
  if (!expiresAt) return 'CREDENTIAL_HEALTH_STATUS_VALID';
  const left = Date.parse(expiresAt) - now;
  if (left <= 0) return 'CREDENTIAL_HEALTH_STATUS_EXPIRED';
  return left <= windowDays * DAY ? 'CREDENTIAL_HEALTH_STATUS_EXPIRING' : 'CREDENTIAL_HEALTH_STATUS_VALID';
}

/** What any read returns: everything but the secret. */
function view(c: SimVaultCredential): Omit<SimVaultCredential, 'value'> {
  const { value: _secret, ...metadata } = c;
  return metadata;
}

/** Opaque page tokens (base64url JSON), as gRPC services hand out. */
const encodeToken = (offset: number) => Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
function decodeToken(token: string): number | null {
  try {
    const o = (JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown }).o;
    return typeof o === 'number' && Number.isInteger(o) && o >= 0 ? o : null;
  } catch {
    return null;
  }
}

function list(state: VaultState, q: URLSearchParams): SimResponse {
  const rawSize = q.get('pageSize');
  let size = DEFAULT_PAGE_SIZE;
  if (rawSize !== null) {
    if (!/^\d+$/.test(rawSize)) return fail(400, 'invalid pageSize: must be a non-negative integer', [{ field: 'pageSize', description: 'must be a non-negative integer' }]);
    // AIP-158: 0 means the default, above the maximum is coerced to it.
    size = Math.min(Number(rawSize) || DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE);
  }
  const token = q.get('pageToken');
  const offset = token ? decodeToken(token) : 0;
  if (offset === null) return fail(400, 'invalid page token', [{ field: 'pageToken', description: 'not a token this service issued' }]);
  const type = q.get('type');
  const health = q.get('healthStatus');
  if (type && !(CREDENTIAL_TYPES as readonly string[]).includes(type)) return fail(400, `invalid value for enum field type: "${type}"`);
  if (health && !(HEALTH_STATUSES as readonly string[]).includes(health)) return fail(400, `invalid value for enum field healthStatus: "${health}"`);
  const matching = state.credentials.filter((c) => (!type || c.type === type) && (!health || c.healthStatus === health));
  const page = matching.slice(offset, offset + size);
  const next = offset + size < matching.length ? encodeToken(offset + size) : undefined;
  return { status: 200, json: { credentials: page.map(view), ...(next ? { nextPageToken: next } : {}), totalSize: matching.length } };
}

/**
 * PUT semantics the contract leaves open, chosen strictly: the metadata is replaced (an omitted
 * description or expiry is cleared, `name` is required) and the stored value changes only when
 * `value` is given. A gateway doing read-modify-write is correct either way.
 */
function update(state: VaultState, uuid: string, body: unknown): SimResponse {
  const now = new Date();
  const cred = state.credentials.find((c) => c.uuid.toLowerCase() === uuid.toLowerCase());
  if (!cred) return fail(404, `credential ${uuid} not found`);
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return fail(400, 'invalid request body: expected a JSON object');
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !(UPDATE_FIELDS as readonly string[]).includes(k));
  if (unknown.length) return fail(400, `proto: unknown field "${unknown[0]}"`);
  const violations: Violation[] = [];
  const str = (k: string, nullable = false) => {
    const v = b[k];
    if (v === undefined || (nullable && v === null) || typeof v === 'string') return true;
    violations.push({ field: k, description: `must be a string${nullable ? ' or null' : ''}` });
    return false;
  };
  if (str('operator') && (typeof b.operator !== 'string' || b.operator.trim() === '')) violations.push({ field: 'operator', description: 'is required' });
  if (str('name') && (typeof b.name !== 'string' || runes(b.name) < 1 || runes(b.name) > 255)) violations.push({ field: 'name', description: 'value length must be between 1 and 255 runes' });
  if (str('description') && typeof b.description === 'string' && runes(b.description) > 1024) violations.push({ field: 'description', description: 'value length must be at most 1024 runes' });
  if (str('value') && typeof b.value === 'string') {
    if (b.value.length === 0) violations.push({ field: 'value', description: 'must not be empty' });
    else if (Buffer.byteLength(b.value) > 65_536) violations.push({ field: 'value', description: 'must be at most 65536 bytes' });
  }
  if (str('expiresAt', true) && typeof b.expiresAt === 'string' && !rfc3339.safeParse(b.expiresAt).success) {
    violations.push({ field: 'expiresAt', description: 'must be an RFC 3339 timestamp' });
  }
  if (violations.length) return fail(400, 'invalid UpdateCredentialRequest', violations);

  cred.name = b.name as string;
  if (b.description) cred.description = b.description as string;
  else delete cred.description;
  if (typeof b.expiresAt === 'string') cred.expiresAt = b.expiresAt;
  else delete cred.expiresAt;
  const rotated = typeof b.value === 'string';
  if (rotated) cred.value = b.value as string;
  cred.lastOpDate = now.toISOString();
  cred.healthStatus = healthOf(cred.expiresAt, state.expiringWindowDays, now.getTime());
  state.operations.push({ uuid: cred.uuid, operator: b.operator as string, at: cred.lastOpDate, fields: Object.keys(b).filter((k) => k !== 'operator'), rotated });
  return { status: 200, json: view(cred) };
}

/** A loopback vault behaving per ../shared/vendor-apis/vault.openapi.yaml (mostly extrapolated). */
export async function startVaultSimulator(state: VaultState, options: { latencyMs?: number } = {}): Promise<VaultSimulator> {
  const find = (uuid: string) => state.credentials.find((c) => c.uuid.toLowerCase() === uuid.toLowerCase());

  // One budget per one-second window; over it, 429 RESOURCE_EXHAUSTED with Retry-After.
  const window = new SecondWindow();
  const limited = (route: SimRoute): SimRoute => ({
    ...route,
    handle: (req) => {
      if (state.rateLimit) {
        if (window.take(state.rateLimit.perSecond).over) return { ...fail(429, 'rate limit exceeded, retry later'), headers: { 'retry-after': '1' } };
      }
      return route.handle(req);
    },
  });

  const routes: SimRoute[] = [
    { method: 'GET', pattern: '/api/v1/credentials', handle: (req) => list(state, req.query) },
    {
      method: 'GET',
      pattern: '/api/v1/credentials/:uuid',
      handle: ({ params }) => {
        if (!UUID.test(params.uuid!)) return fail(400, 'invalid uuid', [{ field: 'uuid', description: 'must be a UUID' }]);
        const cred = find(params.uuid!);
        return cred ? { status: 200, json: view(cred) } : fail(404, `credential ${params.uuid} not found`);
      },
    },
    {
      method: 'PUT',
      pattern: '/api/v1/credentials/:uuid',
      handle: ({ params, body, headers }) => {
        if (!UUID.test(params.uuid!)) return fail(400, 'invalid uuid', [{ field: 'uuid', description: 'must be a UUID' }]);
        if (!headers['content-type']?.includes('application/json')) return fail(400, 'content type must be application/json');
        return update(state, params.uuid!, body);
      },
    },
  ];

  const handle = await startSimulator(
    {
      name: 'vault',
      latencyMs: options.latencyMs,
      errorBody: (status, message) => vaultError(status, message),
      authorize: (req) => {
        const token = bearerToken(req);
        return token !== undefined && state.tokens.includes(token);
      },
      routes: routes.map(limited),
    },
  );
  return Object.assign(handle, { state });
}
