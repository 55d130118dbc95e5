import { z } from 'zod';

/** Per-account retry settings (config `http.retry`). */
export const retrySettings = z
  .object({
    /** Attempts in all, the first included; 1 disables retries. */
    maxAttempts: z.number().int().min(1).max(10).default(3),
    baseDelayMs: z.number().int().min(0).max(60_000).default(200),
    maxDelayMs: z.number().int().min(0).max(300_000).default(5_000),
    /** Retry budget (see retry-budget.ts): retries allowed as a share of the account's calls… */
    budgetRatio: z.number().min(0).max(10).default(0.2),
    /** …plus this many per second, so that an account with little traffic can still retry. */
    budgetMinPerSecond: z.number().min(0).max(10_000).default(10),
  })
  .strict();
export type RetrySettings = z.output<typeof retrySettings>;
/** As a config names them: whatever it leaves out takes its default. */
export type RetryOptions = z.input<typeof retrySettings>;

/**
 * Statuses worth repeating: the vendor said "later" (429), gave up waiting for the request (408),
 * or a proxy/gateway in front failed.
 */
const RETRYABLE_STATUSES = new Set([408, 429, 502, 503, 504]);

/**
 * Whether a failed attempt may be repeated. Only idempotent calls (reads, token requests,
 * absolute-value updates) are; a rotation or create is never repeated, whatever happened.
 * `status` is null when no answer came (connection error, timeout, reset). A vendor that says
 * itself whether to repeat (`vendorSays`, from Keycard's `x-should-retry`) overrides the status.
 */
export function isRetryable(status: number | null, idempotent: boolean, vendorSays?: boolean): boolean {
  return idempotent && (vendorSays ?? (status === null || RETRYABLE_STATUSES.has(status)));
}

/**
 * How long to wait before the next attempt: what the vendor asked for (Retry-After or Auth0's
 * X-RateLimit-Reset, already turned into seconds), else exponential backoff with full jitter,
 * which spreads the retries of many concurrent callers instead of synchronising them.
 */
export function retryDelayMs(attempt: number, vendorSaysSeconds: number | null, settings: Pick<RetrySettings, 'baseDelayMs' | 'maxDelayMs'>, random: () => number = Math.random): number {
  if (vendorSaysSeconds !== null) return vendorSaysSeconds * 1000 + Math.floor(random() * 100);
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/** Resolves after `ms`, or rejects as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
