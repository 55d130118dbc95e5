import type { Plugin } from 'graphql-yoga';
import type { RequestFacts } from './auth/plugin.js';
import type { Context } from './context.js';
import type { Rate, RateBudgets } from './store/rate-budgets.js';

/**
 * Each authenticated caller's own budget of GraphQL requests (config `limits.perCaller`), shared
 * by the replicas through the store: one caller in a loop cannot spend the vendors' budgets, or
 * the gateway's, for everyone. Over it, HTTP 429 with `Retry-After` before anything is parsed.
 */
export function callerRateLimitPlugin(rate: Rate, budgets: RateBudgets, facts: WeakMap<Request, RequestFacts>): Plugin<Context> {
  return {
    async onRequest({ request, endResponse }) {
      const known = facts.get(request);
      if (!known) return;
      const { caller, requestId } = known;
      // Keys are per authentication method, as for idempotency: an API key and a JWT subject may share a name.
      const waitMs = await budgets.reserve(`caller-rate:${caller.via}:${caller.name}`, rate, 1);
      if (waitMs <= 0) return;
      const retryAfter = Math.ceil(waitMs / 1000);
      const message = `Too many requests from caller "${caller.name}": at most ${rate.perSecond} per second, bursts of ${rate.burst}; retry after ${retryAfter} s`;
      endResponse(
        new Response(JSON.stringify({ errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfter, requestId } }] }), {
          status: 429,
          statusText: 'Too Many Requests',
          headers: { 'content-type': 'application/json', 'retry-after': String(retryAfter), 'cache-control': 'no-store', 'x-request-id': requestId },
        }),
      );
    },
  };
}
