import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { RateLimitedError } from '../errors.js';
import type { Logger } from '../logger.js';
import { sleep } from '../resilience/retry.js';
import type { SharedStore } from '../store/store.js';

export interface IssuedToken {
  accessToken: string;
  /** Lifetime in seconds, as the token endpoint reported it. */
  expiresIn: number;
}

/** Where replicas share one account's token: the store, the key, and the secret that seals it. */
export interface SharedTokens {
  store: SharedStore;
  key: string;
  /** Account secrets from the config; only replicas holding them can read the stored token. */
  sealWith: readonly string[];
  logger: Logger;
}

interface Held {
  token: string;
  /** When it was issued (0 when a stored token from an older release does not say). */
  issuedAt: number;
  expiresAt: number;
  /** When to fetch anew: refreshSkewMs before expiry, or halfway through a lifetime shorter than that. */
  refreshAt: number;
}

const LOCK_TTL_MS = 15_000;
const MAX_PAUSE_MS = 300_000;
const WAIT_FOR_PEER_MS = 10_000;
/**
 * The longest lifetime a token endpoint's `expires_in` is taken to say (vendors issue hours to a
 * day). A lifetime it cannot mean (1e20 s) would be a time to live Redis refuses, which read as the
 * store being down for every caller; a day costs one more token request a day.
 */
const MAX_LIFETIME_S = 86_400;

/**
 * Caches one upstream access token until shortly before it expires. Concurrent callers share a
 * single in-flight fetch (single-flight), and a token the API rejected with 401 is dropped once
 * so the next caller fetches a fresh one. With a shared store, replicas share the token too: one
 * of them fetches (under a lock) while the others wait for it. The store holds it sealed with
 * AES-GCM under a key derived from the account's own secrets.
 */
export class TokenCache {
  private current: Held | null = null;
  private inflight: Promise<string> | null = null;
  /** The token endpoint asked to wait (429 with Retry-After): no fetch before `until`. */
  private pause: { until: number; error: RateLimitedError } | null = null;
  private readonly sealKey: Buffer | null;
  /**
   * The last token the vendor rejected. Dropping it from the shared store takes a round trip that
   * the caller retrying with a fresh token does not wait for, so reads skip it meanwhile.
   */
  private rejected: string | null = null;
  /** The replacement after a 403 being fetched, for which token, and when the last one was asked for (see newerThan). */
  private replacing: { old: Held; next: Promise<Held> } | null = null;
  private lastReplacedAt = -Infinity;

  constructor(
    private readonly fetchToken: () => Promise<IssuedToken>,
    private readonly options: { refreshSkewMs?: number; clock?: () => number; shared?: SharedTokens } = {},
  ) {
    const shared = options.shared;
    this.sealKey = shared
      ? Buffer.from(hkdfSync('sha256', shared.sealWith.join('\u0000'), 'credential-gateway', `token-cache:${shared.key}`, 32))
      : null;
  }

  private get skew() {
    return this.options.refreshSkewMs ?? 10_000;
  }

  private now() {
    return (this.options.clock ?? Date.now)();
  }

  private fresh(held: Held | null): held is Held {
    return held !== null && this.now() < held.refreshAt;
  }

  /** The cached token when it is fresh: the synchronous fast path of nearly every call. */
  peek(): string | null {
    return this.fresh(this.current) ? this.current.token : null;
  }

  get(): Promise<string> {
    if (this.fresh(this.current)) return Promise.resolve(this.current.token);
    const pause = this.pause;
    if (pause && this.now() < pause.until) {
      // Asking again before the vendor's wait is over would only be refused again.
      const { source, limitedBy, retryable } = pause.error;
      return Promise.reject(new RateLimitedError(source, Math.ceil((pause.until - this.now()) / 1000), limitedBy, retryable));
    }
    this.inflight ??= this.obtain()
      .then(
        (held) => {
          this.current = held;
          return held.token;
        },
        (err: unknown) => {
          if (err instanceof RateLimitedError && err.retryAfter !== null) {
            // At most a few minutes: one token request that late costs the vendor nothing, and a
            // wait asked for by mistake (a date far ahead) must not shut the account out for good.
            this.pause = { until: this.now() + Math.min(err.retryAfter * 1000, MAX_PAUSE_MS), error: err };
          }
          throw err;
        },
      )
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /**
   * After a 403 with `token`: a newer token to send the call with once more, or null. A token's
   * scopes are fixed when it is issued, so only a new one can carry a grant made since. A token
   * issued at least `ageMs` ago is replaced, at most once per `ageMs` (a grant that is really
   * missing must not cost a token per refused call); the old one stays in use until a new one is
   * in hand, since it is valid for everything else (a 403 is not a 401).
   */
  async newerThan(token: string, ageMs: number): Promise<string | null> {
    const held = this.current;
    if (!held) return null;
    if (held.token !== token) return this.fresh(held) ? held.token : null;
    // Callers refused with the same token while its replacement is fetched all wait for that one.
    if (this.replacing?.old !== held) {
      const now = this.now();
      if (now - held.issuedAt < ageMs || now - this.lastReplacedAt < ageMs) return null;
      this.lastReplacedAt = now;
      const replacing = { old: held, next: this.replacement(held) };
      const done = () => {
        if (this.replacing === replacing) this.replacing = null;
      };
      replacing.next.then(done, done);
      this.replacing = replacing;
    }
    try {
      const fresh = await this.replacing.next;
      if (this.current === held) this.current = fresh;
      return fresh.token;
    } catch (err) {
      this.options.shared?.logger.warn({ err: (err as Error).message }, 'could not replace the upstream token after a 403; keeping it');
      return null;
    }
  }

  /** A new token in place of `old`: a peer's, if it already stored a newer one, or else a fetch, shared. */
  private async replacement(old: Held): Promise<Held> {
    const shared = this.options.shared;
    if (!shared) return this.fetch();
    const stored = await this.read(shared).catch(() => null);
    if (this.fresh(stored) && stored.token !== old.token) return stored;
    // Peers still send the refused token until their own 403 replaces it, should the store fail.
    return this.share(shared, await this.fetch());
  }

  /**
   * Stores a token just fetched for the peers, and returns it. It is kept even if the store fails
   * (logged): only peers miss it, and they fetch their own; letting the failure through would make
   * the caller ask the vendor a second time.
   */
  private async share(shared: SharedTokens, held: Held): Promise<Held> {
    await shared.store
      .set(shared.key, this.seal(held), Math.max(1, held.expiresAt - this.now()))
      .catch((err: unknown) => shared.logger.warn({ err: (err as Error).message }, 'could not share the upstream token; keeping it'));
    return held;
  }

  /** Forget `token` if it is still the cached one (another caller may have refreshed already). */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = null;
    this.rejected = token;
    const shared = this.options.shared;
    if (!shared) return;
    void (async () => {
      const raw = await shared.store.get(shared.key);
      if (raw && this.unseal(raw)?.token === token) await shared.store.deleteIfEquals(shared.key, raw);
    })().catch((err: unknown) => shared.logger.warn({ err: (err as Error).message }, 'could not drop the shared upstream token'));
  }

  private async fetch(): Promise<Held> {
    const { accessToken, expiresIn } = await this.fetchToken();
    const now = this.now();
    const lifetime = Math.min(expiresIn, MAX_LIFETIME_S) * 1000;
    return { token: accessToken, issuedAt: now, expiresAt: now + lifetime, refreshAt: now + Math.max(lifetime - this.skew, lifetime / 2) };
  }

  private async obtain(): Promise<Held> {
    const shared = this.options.shared;
    if (!shared) return this.fetch();
    try {
      return await this.obtainShared(shared);
    } catch (err) {
      if (!(err instanceof StoreFailure)) throw err;
      // Sharing is an optimisation: with the store down, each replica fetches its own token.
      shared.logger.warn({ err: err.message }, 'shared store unavailable; fetching the upstream token locally');
      return this.fetch();
    }
  }

  private async obtainShared(shared: SharedTokens): Promise<Held> {
    const stored = await this.read(shared);
    if (this.fresh(stored)) return stored;
    const lockKey = `${shared.key}:lock`;
    const claim = randomBytes(12).toString('hex');
    const until = this.now() + WAIT_FOR_PEER_MS;
    let locked = false;
    // A peer is fetching: wait for its token rather than asking the vendor twice, and take the lock
    // once it is free (the peer's fetch failed) instead of waiting out the time given to the peer.
    for (let wait = 20; !(locked = await storeCall(() => shared.store.setIfAbsent(lockKey, claim, LOCK_TTL_MS))) && this.now() < until; wait = Math.min(wait * 2, 200)) {
      await sleep(wait);
      const peer = await this.read(shared);
      if (this.fresh(peer)) return peer;
    }
    try {
      // A peer may have stored its token and unlocked between our read and our lock.
      const peer = locked ? await this.read(shared) : null;
      if (this.fresh(peer)) return peer;
      return await this.share(shared, await this.fetch());
    } finally {
      await shared.store.deleteIfEquals(lockKey, claim).catch(() => undefined);
    }
  }

  private async read(shared: SharedTokens): Promise<Held | null> {
    const raw = await storeCall(() => shared.store.get(shared.key));
    const held = raw ? this.unseal(raw) : null;
    if (!held || held.token === this.rejected) return null;
    // Issued by whichever replica fetched it, by its clock: never younger here than when first seen.
    return { ...held, issuedAt: Math.min(held.issuedAt, this.now()) };
  }

  private seal(held: Held): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey!, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(held), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64');
  }

  /** Null for anything that does not open with our key (tampered, or sealed under old secrets). */
  private unseal(raw: string): Held | null {
    try {
      const buf = Buffer.from(raw, 'base64');
      const decipher = createDecipheriv('aes-256-gcm', this.sealKey!, buf.subarray(0, 12));
      decipher.setAuthTag(buf.subarray(12, 28));
      const held = JSON.parse(Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString('utf8')) as Held;
      if (typeof held.token !== 'string' || typeof held.expiresAt !== 'number' || typeof held.refreshAt !== 'number') return null;
      return { ...held, issuedAt: typeof held.issuedAt === 'number' ? held.issuedAt : 0 };
    } catch {
      return null;
    }
  }
}

class StoreFailure extends Error {}

async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new StoreFailure((err as Error).message);
  }
}
