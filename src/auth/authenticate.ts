import { createHash, timingSafeEqual } from 'node:crypto';
import { createLocalJWKSet, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthConfig } from './config.js';
import { ALL_GRANTS, grantString, type Caller, type Grant } from './grants.js';
import { KeysUnavailable, remoteKeySet } from './remote-key-set.js';

/** `unavailable`: the token could not be checked (the IdP's keys could not be fetched), not a bad one. */
export type AuthResult = { ok: true; caller: Caller } | { ok: false; error: 'missing' | 'invalid_token' | 'unavailable'; description: string };

export interface Authenticator {
  readonly mode: 'none' | 'callers';
  authenticate(headers: Headers): Promise<AuthResult>;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest();
const looksLikeJwt = (s: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(s);

/**
 * Turns request headers into a Caller: an API key (`X-API-Key` or bearer) or a verified JWT.
 * `onKeySetFailure` hears each failed fetch of a `jwksUrl`.
 */
export function createAuthenticator(config: AuthConfig, serviceName: string, onKeySetFailure: (reason: string) => void = () => undefined): Authenticator {
  if (config === 'none') {
    const caller: Caller = { name: serviceName, via: 'none', grants: ALL_GRANTS };
    return { mode: 'none', authenticate: async () => ({ ok: true, caller }) };
  }
  const keys = config.apiKeys.map((k) => ({ name: k.name, hash: Buffer.from(k.sha256, 'hex'), grants: k.scopes as Grant[] }));
  const jwt = config.jwt;
  let getKey: JWTVerifyGetKey | undefined;
  if (jwt) getKey = jwt.jwksUrl ? remoteKeySet(new URL(jwt.jwksUrl), onKeySetFailure) : createLocalJWKSet(jwt.jwks as never);

  const byApiKey = (presented: string): Caller | null => {
    const hash = sha256(presented);
    let found: (typeof keys)[number] | null = null;
    // Compare against every key, in constant time each, so timing reveals neither key nor position.
    for (const k of keys) if (timingSafeEqual(hash, k.hash) && !found) found = k;
    return found ? { name: found.name, via: 'api-key', grants: found.grants } : null;
  };

  const byJwt = async (token: string): Promise<AuthResult> => {
    if (!jwt || !getKey) return { ok: false, error: 'invalid_token', description: 'bearer tokens are not accepted here' };
    try {
      const { payload } = await jwtVerify(token, getKey, {
        issuer: jwt.issuer,
        audience: jwt.audience,
        algorithms: jwt.algorithms,
        clockTolerance: jwt.clockToleranceSeconds,
        requiredClaims: ['exp'],
      });
      // Refused as jose refuses a future nbf, with the same tolerance. jose checks iat (a number
      // if present) against the clock only given maxTokenAge, which would also make iat required.
      if (payload.iat !== undefined && payload.iat > Math.floor(Date.now() / 1000) + jwt.clockToleranceSeconds) {
        return { ok: false, error: 'invalid_token', description: 'token issued in the future' };
      }
      const name = payload[jwt.nameClaim];
      // Blank is no name: the audit could not say who called, and the vault refuses a blank operator.
      if (typeof name !== 'string' || !name.trim()) return { ok: false, error: 'invalid_token', description: `token has no ${jwt.nameClaim} claim` };
      const raw = payload[jwt.scopesClaim];
      const strings = typeof raw === 'string' ? raw.split(/\s+/) : Array.isArray(raw) ? raw.filter((s): s is string => typeof s === 'string') : [];
      // IdP tokens carry unrelated scopes (openid, profile…): keep only ours.
      const grants = strings.flatMap((s) => {
        const g = grantString.safeParse(s);
        return g.success ? [g.data] : [];
      });
      return { ok: true, caller: { name, via: 'jwt', grants } };
    } catch (err) {
      if (err instanceof KeysUnavailable) return { ok: false, error: 'unavailable', description: `${err.message}; retry shortly` };
      const expired = err instanceof joseErrors.JWTExpired;
      return { ok: false, error: 'invalid_token', description: expired ? 'token expired' : 'token could not be verified' };
    }
  };

  return {
    mode: 'callers',
    async authenticate(headers) {
      const apiKey = headers.get('x-api-key');
      if (apiKey) {
        const caller = byApiKey(apiKey);
        return caller ? { ok: true, caller } : { ok: false, error: 'invalid_token', description: 'unknown API key' };
      }
      const authorization = headers.get('authorization');
      if (!authorization) return { ok: false, error: 'missing', description: 'credentials required' };
      const match = /^Bearer\s+(\S+)$/i.exec(authorization);
      if (!match) return { ok: false, error: 'invalid_token', description: 'use Authorization: Bearer <token> or X-API-Key' };
      const token = match[1]!;
      if (looksLikeJwt(token)) return byJwt(token);
      const caller = byApiKey(token);
      return caller ? { ok: true, caller } : { ok: false, error: 'invalid_token', description: 'unknown API key' };
    },
  };
}
