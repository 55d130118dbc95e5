import { randomBytes } from 'node:crypto';
import type { SimRequest } from './server.js';

/** Access tokens a simulator issued: token → expiry (epoch ms). Plain data, so tests can revoke. */
export type IssuedTokens = Map<string, number>;

export function issueToken(tokens: IssuedTokens, ttlSeconds: number): string {
  const token = randomBytes(24).toString('base64url');
  tokens.set(token, Date.now() + ttlSeconds * 1000);
  return token;
}

export function bearerToken(req: SimRequest): string | undefined {
  const h = req.headers.authorization;
  return h?.startsWith('Bearer ') ? h.slice(7) : undefined;
}

/** True when the request carries a bearer token this simulator issued and that has not expired. */
export function hasValidBearer(tokens: IssuedTokens, req: SimRequest): boolean {
  const token = bearerToken(req);
  const expiry = token ? tokens.get(token) : undefined;
  return expiry !== undefined && expiry > Date.now();
}
