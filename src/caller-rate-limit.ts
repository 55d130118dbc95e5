import type { Plugin } from 'graphql-yoga';
import type { RequestFacts } from './auth/plugin.js';
import type { Caller } from './auth/grants.js';
import type { Context } from './context.js';
import { refusal } from './refusal.js';
import type { Rate, RateBudgets } from './store/rate-budgets.js';

/**
 * Each authenticated caller's own budget of GraphQL operations (config `limits.perCaller`), shared
 * by the replicas through the store: one caller in a loop cannot spend the vendors' budgets for
 * everyone. Over it, HTTP 429 with `Retry-After`: a request is refused before it is parsed, and a
 * batch, which counts as many operations as it holds, before any of them runs.
 */
export function callerRateLimitPlugin(rate: Rate, budgets: RateBudgets, facts: WeakMap<Request, RequestFacts>): Plugin<Context> {
  // Keys are per authentication method, as for idempotency: an API key and a JWT subject may share a name.
  const keyOf = (caller: Caller) => `caller-rate:${caller.via}:${caller.name}`;
  /** The wait before the caller's next slot; a slot is taken only when it is free now (maxWaitMs 0). */
  const take = async (caller: Caller) => (await budgets.reserve(keyOf(caller), rate, 0)).waitMs;

  const tooMany = ({ caller, requestId }: RequestFacts, waitMs: number, accept: string | null): Response => {
    const retryAfter = Math.ceil(waitMs / 1000);
    const message = `Too many requests from caller "${caller.name}": at most ${rate.perSecond} per second, bursts of ${rate.burst}; retry after ${retryAfter} s`;
    const { body, headers } = refusal(message, { code: 'RATE_LIMITED', retryAfter }, requestId, accept);
    return new Response(body, { status: 429, statusText: 'Too Many Requests', headers: { ...headers, 'retry-after': String(retryAfter) } });
  };

  return {
    async onRequest({ request, endResponse }) {
      const known = facts.get(request);
      if (!known) return;
      const waitMs = await take(known.caller);
      if (waitMs > 0) endResponse(tooMany(known, waitMs, request.headers.get('accept')));
    },
    onRequestParse({ request, requestParser, setRequestParser }) {
      const known = facts.get(request);
      if (!known || !requestParser) return;
      setRequestParser(async (req) => {
        const parsed = await requestParser(req);
        if (!Array.isArray(parsed)) return parsed;
        // The request's arrival paid for its first operation.
        for (let i = 1; i < parsed.length; i++) {
          const waitMs = await take(known.caller);
          if (waitMs > 0) return tooMany(known, waitMs, req.headers.get('accept'));
        }
        return parsed;
      });
    },
  };
}
