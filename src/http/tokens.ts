export interface IssuedToken {
  accessToken: string;
  /** Lifetime in seconds, as the token endpoint reported it. */
  expiresIn: number;
}

/**
 * Caches one upstream access token until shortly before it expires. Concurrent callers share a
 * single in-flight fetch (single-flight), and a token the API rejected with 401 is dropped once
 * so the next caller fetches a fresh one.
 */
export class TokenCache {
  private current: { token: string; expiresAt: number } | null = null;
  private inflight: Promise<string> | null = null;

  constructor(
    private readonly fetchToken: () => Promise<IssuedToken>,
    private readonly refreshSkewMs = 10_000,
    private readonly clock: () => number = Date.now,
  ) {}

  get(): Promise<string> {
    if (this.current && this.clock() < this.current.expiresAt - this.refreshSkewMs) {
      return Promise.resolve(this.current.token);
    }
    this.inflight ??= this.fetchToken()
      .then(({ accessToken, expiresIn }) => {
        this.current = { token: accessToken, expiresAt: this.clock() + expiresIn * 1000 };
        return accessToken;
      })
      .finally(() => {
        this.inflight = null;
      });
    return this.inflight;
  }

  /** Forget `token` if it is still the cached one (another caller may have refreshed already). */
  invalidate(token: string): void {
    if (this.current?.token === token) this.current = null;
  }
}
