import { createLocalJWKSet, errors as joseErrors, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { request } from 'undici';
import { z } from 'zod';

/**
 * The identity provider's keys could not be had. The token may well be good, so this is not an
 * invalid token: the caller is told to retry, not to get a new one.
 */
export class KeysUnavailable extends Error {
  constructor() {
    super('the identity provider’s keys could not be fetched');
  }
}

export interface KeySetLimits {
  /** A key set is a few kB; anything much larger is not one, and is not read into memory. */
  maxBytes: number;
  timeoutMs: number;
  /** Refetched once this old, when a token arrives; in the background while the set still verifies. */
  freshForMs: number;
  /** A token whose key the set lacks refetches it (a key rotated in), at most this often. */
  refetchForUnknownKeyMs: number;
  /** After a failed fetch, tokens wait for no new attempt until this has passed. */
  retryAfterFailureMs: number;
  /** While fetches fail, the last set fetched keeps verifying tokens until it is this old. */
  staleForMs: number;
}

export const KEY_SET_LIMITS: KeySetLimits = {
  maxBytes: 512 * 1024,
  timeoutMs: 5_000,
  freshForMs: 10 * 60_000,
  refetchForUnknownKeyMs: 30_000,
  retryAfterFailureMs: 5_000,
  staleForMs: 24 * 3_600_000,
};

// A key jose cannot use is skipped, so a set must at least say what kind each key is.
const keySetSchema = z.object({ keys: z.array(z.looseObject({ kty: z.string() })) });

/** Why a fetch failed, for the log: no body, which is the IdP's and may be anything. */
class FetchFailed extends Error {}

async function fetchKeySet(url: URL, limits: KeySetLimits): Promise<JWTVerifyGetKey> {
  // Not AbortSignal.timeout: a signal that fires after the answer was read would error its body with no one listening.
  const timeout = new AbortController();
  const timer = setTimeout(() => timeout.abort(), limits.timeoutMs);
  const failed = (err: unknown, what: string) => (err instanceof FetchFailed ? err : new FetchFailed(timeout.signal.aborted ? `no answer within ${limits.timeoutMs} ms` : `${what} (${codeOf(err)})`));
  try {
    const answer = await request(url, { signal: timeout.signal, headers: { accept: 'application/jwk-set+json, application/json' } }).catch((err: unknown) => {
      throw failed(err, 'could not be reached');
    });
    try {
      // Redirects are not followed: whoever a redirect names would choose the keys.
      if (answer.statusCode !== 200) throw new FetchFailed(`answered ${answer.statusCode}`);
      if (Number(answer.headers['content-length']) > limits.maxBytes) throw new FetchFailed(`answered more than ${limits.maxBytes} bytes`);
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > limits.maxBytes) throw new FetchFailed(`answered more than ${limits.maxBytes} bytes`);
        chunks.push(chunk);
      }
      let json: unknown;
      try {
        json = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        throw new FetchFailed('answered something other than JSON');
      }
      const set = keySetSchema.safeParse(json);
      if (!set.success) throw new FetchFailed('answered JSON that is not a JSON Web Key Set');
      return createLocalJWKSet(set.data as JSONWebKeySet);
    } catch (err) {
      throw failed(err, 'broke off its answer');
    } finally {
      // What is left unread is dropped; the abort error that says so has no one to tell.
      answer.body.on('error', () => undefined).destroy();
    }
  } finally {
    clearTimeout(timer);
  }
}

const codeOf = (err: unknown): string => {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return (cause as { code?: unknown } | null)?.code?.toString() ?? (cause instanceof Error ? cause.name : 'unknown error');
};

/**
 * The keys that verify tokens, fetched from the IdP's JWKS URL. Unlike jose's remote set, a set
 * past `freshForMs` is refetched in the background while it goes on verifying, and a fetch that
 * fails does not refuse every token at once: the last set serves on (up to `staleForMs`) and a new
 * attempt waits `retryAfterFailureMs`, so an IdP blip neither locks callers out nor makes their
 * requests wait on it. Only a token with no usable set, or whose key the set lacks, waits for a
 * fetch. `onFailure` hears each failure.
 */
export function remoteKeySet(url: URL, onFailure: (reason: string) => void, limits: KeySetLimits = KEY_SET_LIMITS, now: () => number = Date.now): JWTVerifyGetKey {
  let keys: JWTVerifyGetKey | undefined;
  let fetchedAt = -Infinity;
  let failedAt = -Infinity;
  let pending: Promise<void> | undefined;

  const mayFetch = () => now() - failedAt >= limits.retryAfterFailureMs;
  // One fetch at a time: the tokens arriving meanwhile wait for the same one.
  const refetch = (): Promise<void> =>
    (pending ??= fetchKeySet(url, limits)
      .then(
        (fetched) => {
          keys = fetched;
          fetchedAt = now();
        },
        (err: unknown) => {
          failedAt = now();
          onFailure(err instanceof FetchFailed ? err.message : 'failed');
        },
      )
      .finally(() => (pending = undefined)));
  const isUsable = () => keys !== undefined && now() - fetchedAt < limits.staleForMs;
  const usable = () => {
    if (!keys || !isUsable()) throw new KeysUnavailable();
    return keys;
  };

  return async (header, token) => {
    if (now() - fetchedAt >= limits.freshForMs && mayFetch()) {
      // A set still usable verifies this token while the new one is fetched: an IdP that is slow
      // or blackholed must not hold up requests that the keys in hand can answer.
      const fetching = refetch();
      if (!isUsable()) await fetching;
    }
    try {
      return await usable()(header, token);
    } catch (err) {
      if (!(err instanceof joseErrors.JWKSNoMatchingKey) || now() - fetchedAt < limits.refetchForUnknownKeyMs) throw err;
      // A key the set lacks may have been rotated in since the set was fetched.
      if (mayFetch()) await refetch();
      if (now() - fetchedAt >= limits.refetchForUnknownKeyMs) throw new KeysUnavailable();
      return usable()(header, token);
    }
  };
}
