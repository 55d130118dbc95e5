import type { ResponseHeaders } from './send.js';

/**
 * Seconds to wait, from `retry-after-ms` (milliseconds, which the Stainless SDKs such as Keycard's
 * prefer; rounded up to whole seconds), `Retry-After` (delta seconds or an HTTP date) or, failing
 * those and when `rateLimitReset`, Auth0's `X-RateLimit-Reset` (Unix epoch seconds, not a delta;
 * Auth0 sends it on every answer, so it means "wait" only on a 429). Null when the vendor said
 * nothing usable.
 */
export function retryAfterSeconds(headers: ResponseHeaders, now = Date.now(), rateLimitReset = true): number | null {
  const seconds = askedSeconds(headers, now, rateLimitReset);
  // A vendor's "a century" (or a number too long to be one) is a day: a wait has to fit an Int, and end.
  return seconds === null ? null : Math.min(seconds, MAX_WAIT_S);
}

/** The longest wait a vendor's answer is taken to ask for. */
const MAX_WAIT_S = 86_400;

function askedSeconds(headers: ResponseHeaders, now: number, rateLimitReset: boolean): number | null {
  const header = (name: string) => {
    const v = headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const retryAfterMs = header('retry-after-ms')?.trim();
  if (retryAfterMs !== undefined && /^\d+(\.\d+)?$/.test(retryAfterMs)) return Math.ceil(Number(retryAfterMs) / 1000);
  const retryAfter = header('retry-after');
  if (retryAfter !== undefined) {
    // Whole seconds, as RFC 9110 writes them; a fraction ("1.5") is taken as what it plainly means,
    // rounded up, where Date.parse would read it as a day in 2001, a wait of nothing.
    if (/^\d+(\.\d+)?$/.test(retryAfter.trim())) return Math.ceil(Number(retryAfter.trim()));
    const at = Date.parse(retryAfter);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now) / 1000));
  }
  const reset = rateLimitReset ? header('x-ratelimit-reset') : undefined;
  if (reset !== undefined && /^\d+$/.test(reset.trim())) {
    return Math.max(0, Math.ceil(Number(reset.trim()) - now / 1000));
  }
  return null;
}
