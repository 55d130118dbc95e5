import { createPrivateKey, randomBytes, type KeyObject } from 'node:crypto';
import { SignJWT } from 'jose';
import { z } from 'zod';

/**
 * ConductorOne client credentials, handled exactly as the vendor's Go SDK does
 * (conductorone-sdk-go `parseClientID`, `parseSecret`, `c1TokenSource.Token`). Messages describe
 * what is wrong and never quote the input: the secret is a private signing key.
 */
export class CredentialFormatError extends Error {
  override readonly name = 'CredentialFormatError';
}

export interface ParsedClientId {
  clientId: string;
  /** Host (and port, if any) of the token endpoint: the text between `@` and `/`, normalised. */
  tokenHost: string;
  /** `aud` of the client assertion: the token host without its port. */
  audience: string;
}

const SUFFIX = '.conductor.one';
const HOST = /^[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$/;

/** `<cutename>@<tenant host>/<kind>`; a host without dots is a tenant name on conductor.one. */
export function parseClientId(clientId: string): ParsedClientId {
  const at = clientId.indexOf('@');
  const slash = at < 0 ? -1 : clientId.indexOf('/', at + 1);
  if (at <= 0 || slash < 0 || slash === at + 1 || slash === clientId.length - 1 || /\s/.test(clientId)) {
    throw new CredentialFormatError('expected <name>@<tenant>.conductor.one/spc');
  }
  const hostPort = clientId.slice(at + 1, slash);
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(hostPort);
  if (!m || !HOST.test(m[1]!)) throw new CredentialFormatError('the part between "@" and "/" is not a host name');
  const host = m[1]!.includes('.') ? m[1]! : `${m[1]!}${SUFFIX}`;
  return { clientId, tokenHost: m[2] ? `${host}:${m[2]}` : host, audience: host };
}

const b64url32 = z.string().regex(/^[A-Za-z0-9_-]{43}$/);
const ed25519PrivateJwk = z.looseObject({ kty: z.literal('OKP'), crv: z.literal('Ed25519'), x: b64url32, d: b64url32, kid: z.string().optional() });
export type Ed25519PrivateJwk = z.output<typeof ed25519PrivateJwk>;

/** Go's strings.SplitN: at most `n` parts, the last one holding the rest. */
function splitN(s: string, sep: string, n: number): string[] {
  const parts: string[] = [];
  let rest = s;
  while (parts.length < n - 1) {
    const i = rest.indexOf(sep);
    if (i < 0) break;
    parts.push(rest.slice(0, i));
    rest = rest.slice(i + sep.length);
  }
  parts.push(rest);
  return parts;
}

/**
 * `secret-token:conductorone.com:v1:<base64url JWK>`: four `:`-separated parts, the third `v1`,
 * the fourth an unpadded base64url OKP/Ed25519 private JWK. Like the SDK, the first two parts are
 * not checked.
 */
export function parseClientSecret(secret: string): Ed25519PrivateJwk {
  const parts = splitN(secret, ':', 4);
  if (parts.length !== 4) throw new CredentialFormatError('expected secret-token:conductorone.com:v1:<key>');
  if (parts[2] !== 'v1') throw new CredentialFormatError('unsupported secret version: the third part must be "v1"');
  const encoded = parts[3]!;
  if (!/^[A-Za-z0-9_-]+$/.test(encoded) || encoded.length % 4 === 1) {
    throw new CredentialFormatError('the key part is not unpadded base64url');
  }
  let jwk: unknown;
  try {
    jwk = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
  } catch {
    throw new CredentialFormatError('the key part is not a JSON Web Key');
  }
  if (!jwk || typeof jwk !== 'object' || Array.isArray(jwk)) throw new CredentialFormatError('the key part is not a JSON Web Key');
  const { kty, crv, d } = jwk as Record<string, unknown>;
  if (kty !== 'OKP' || crv !== 'Ed25519') throw new CredentialFormatError('the key is not an Ed25519 (OKP) key');
  if (d === undefined) throw new CredentialFormatError('the key is a public key; the secret must hold the private key');
  const parsed = ed25519PrivateJwk.safeParse(jwk);
  if (!parsed.success) throw new CredentialFormatError('the key is not a well-formed Ed25519 private key');
  return parsed.data;
}

/** The signing key of a parsed secret; kid travels in the JWS header when the JWK has one. */
export function signingKey(jwk: Ed25519PrivateJwk): { key: KeyObject; kid: string | undefined } {
  const key = createPrivateKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, d: jwk.d }, format: 'jwk' });
  return { key, kid: jwk.kid };
}

const ASSERTION_LIFETIME_S = 120;

/**
 * The client assertion the SDK signs: compact JWS, `alg` EdDSA, `nonce` = 16 random bytes in hex
 * (pquerna/xjwt RandomNonce), `kid` when the JWK carries one (go-jose); iss = sub = client id,
 * aud = token host without port, iat = now, nbf = now - 2 min, exp = now + 2 min.
 */
export function signClientAssertion(
  client: ParsedClientId,
  signer: { key: KeyObject; kid: string | undefined },
  now: Date = new Date(),
): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'EdDSA', ...(signer.kid ? { kid: signer.kid } : {}), nonce: randomBytes(16).toString('hex') })
    .setIssuer(client.clientId)
    .setSubject(client.clientId)
    .setAudience(client.audience)
    .setExpirationTime(iat + ASSERTION_LIFETIME_S)
    .setNotBefore(iat - ASSERTION_LIFETIME_S)
    .setIssuedAt(iat)
    .sign(signer.key);
}

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** The token request form body, credentials in the BODY (no Basic header). */
export function tokenRequestForm(clientId: string, assertion: string): Record<string, string> {
  return {
    client_id: clientId,
    grant_type: 'client_credentials',
    client_assertion_type: ASSERTION_TYPE,
    client_assertion: assertion,
  };
}
