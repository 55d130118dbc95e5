import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { z } from 'zod';
import { httpsOrLoopback, withoutUserInfo } from '../loopback.js';
import { grantSchema } from './grants.js';

const sha256Hex = z
  .string()
  .regex(/^[0-9a-f]{64}$/i, 'must be the hex SHA-256 of the key, not the key')
  .transform((s) => s.toLowerCase());

const apiKeyCaller = z
  .object({
    name: z.string().min(1).max(128),
    /** Only the hash is stored: the config never holds a usable key. */
    sha256: sha256Hex,
    scopes: z.array(grantSchema).min(1),
  })
  .strict();

/**
 * Where the keys that verify every token come from. Over plain http, anyone on the path could
 * answer with keys of their own and sign tokens granting anything: https, and http only to this
 * machine (a sidecar or local proxy), as for an account's baseUrl.
 */
const jwksUrl = z
  .url({ protocol: /^https?$/ })
  // fetch refuses a URL with a user or password ("cannot be constructed from a URL that includes
  // credentials"): the gateway started, then refused every token as "could not be verified".
  .refine(withoutUserInfo, 'leave the user and password out: fetch refuses a URL that holds them, and every token would be refused')
  .refine(httpsOrLoopback, 'use https: the keys that verify every token come from this URL (plain http only to 127.0.0.1, ::1 or localhost)');

/** JWK members holding a private or secret key (RFC 7518 section 6). */
const PRIVATE_JWK_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * One key of an inline JWKS: a public key, as the identity provider publishes it. jose refuses a
 * private key (its signing key pasted by mistake, which would also let whoever reads the config
 * sign any token) and a key it cannot import only when a token comes: the gateway would start and
 * refuse every token, saying nothing more than "could not be verified". Said at start instead.
 */
const publicJwk = z.record(z.string(), z.unknown()).superRefine((jwk, ctx) => {
  if (PRIVATE_JWK_MEMBERS.some((member) => member in jwk)) {
    ctx.addIssue({ code: 'custom', message: 'a private or secret key: list only the public keys that verify tokens (whoever holds a private key can sign any token)' });
    return;
  }
  try {
    createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
  } catch {
    ctx.addIssue({ code: 'custom', message: 'not a public key the gateway can use: an RSA, EC or OKP key with its public members' });
  }
});

const jwtConfig = z
  .object({
    jwksUrl: jwksUrl.optional(),
    /** Inline JWKS (e.g. for air-gapped setups and tests). */
    jwks: z.object({ keys: z.array(publicJwk).min(1) }).optional(),
    issuer: z.string().min(1),
    audience: z.string().min(1),
    algorithms: z.array(z.enum(['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'])).min(1).default(['RS256']),
    /**
     * Claim naming the caller (audit, vault operator). Visible ASCII without `"` or `\`: a token
     * lacking it is refused naming it in WWW-Authenticate's quoted error_description (RFC 6750),
     * where anything else would break the header, or make the 401 a 500.
     */
    nameClaim: z
      .string()
      .regex(/^[\x21\x23-\x5b\x5d-\x7e]{1,256}$/, 'use at most 256 visible ASCII characters, without " or \\')
      .default('sub'),
    /** Claim holding scopes: a space-separated string or an array, in the grant string form. */
    scopesClaim: z.string().min(1).default('scope'),
    clockToleranceSeconds: z.number().int().min(0).max(300).default(30),
  })
  .strict()
  .refine((j) => (j.jwksUrl === undefined) !== (j.jwks === undefined), 'set exactly one of jwksUrl or jwks');

/**
 * A key's name is its caller: the audit log, the request log, idempotency keys and the per-caller
 * budget know it by that name. Two keys of one name would be one caller to all of them (either
 * could replay or block the other's idempotency keys, and the audit could not tell them apart); one
 * key listed twice would silently hold only its first entry's scopes.
 */
function distinctCallers(keys: readonly { name: string; sha256: string }[], ctx: z.RefinementCtx): void {
  keys.forEach((key, i) => {
    const name = keys.findIndex((k) => k.name === key.name);
    if (name < i) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: `duplicate API key name (also apiKeys.${name}): each key is a caller of its own` });
    const hash = keys.findIndex((k) => k.sha256 === key.sha256);
    if (hash < i) ctx.addIssue({ code: 'custom', path: [i, 'sha256'], message: `the same key as apiKeys.${hash}: list each key once, with all its scopes` });
  });
}

export const authSchema = z.union(
  [
    z.literal('none'),
    z
      .object({
        apiKeys: z.array(apiKeyCaller).default([]).superRefine(distinctCallers),
        jwt: jwtConfig.optional(),
      })
      .strict()
      .refine((a) => a.apiKeys.length > 0 || a.jwt !== undefined, 'list at least one API key caller or configure jwt'),
  ],
  // Said when the value is neither (`auth: None`, `auth: true`): what is accepted, never the value.
  { error: 'expected "none" (every caller may do everything) or an object listing callers: apiKeys and/or jwt (see "Security model" in the README)' },
);

export type AuthConfig = z.output<typeof authSchema>;
