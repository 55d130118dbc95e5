import type { Plugin } from 'graphql-yoga';
import type { RequestFacts } from './auth/plugin.js';
import type { Caller } from './auth/grants.js';
import type { Context } from './context.js';
import type { RefusedUnparsed } from './refused-mutations.js';
import { refusal } from './refusal.js';
import type { Rate, RateBudgets } from './store/rate-budgets.js';

/**
 * Each authenticated caller's own budget of GraphQL operations (config `limits.perCaller`), shared
 * by the replicas through the store: one caller in a loop cannot spend the vendors' budgets for
 * everyone. Over it, HTTP 429 with `Retry-After`: a request is refused before its document is
 * parsed, and a batch, which counts as many operations as it holds, before any of them runs. The
 * body of a refused request is read, but only to hand it to `refused`, which records the mutations
 * in it.
 */
export function callerRateLimitPlugin(rate: Rate, budgets: RateBudgets, facts: WeakMap<Request, RequestFacts>, refused: RefusedUnparsed): Plugin<Context> {
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
    // Here rather than in onRequest, which has no parser yet to read a refused request's operations with.
    async onRequestParse({ request, requestParser, setRequestParser, endResponse }) {
      const known = facts.get(request);
      if (!known) return;
      // The request's arrival pays for its first operation.
      const waitMs = await take(known.caller);
      if (waitMs > 0) {
        if (requestParser) refused(request, await paramsOf(requestParser, request), 'RATE_LIMITED');
        return endResponse(tooMany(known, waitMs, request.headers.get('accept')));
      }
      if (!requestParser) return;
      setRequestParser(async (req) => {
        const parsed = await requestParser(req);
        if (!Array.isArray(parsed)) return parsed;
        for (let i = 1; i < parsed.length; i++) {
          const waitMs = await take(known.caller);
          if (waitMs > 0) {
            refused(req, parsed, 'RATE_LIMITED');
            return tooMany(known, waitMs, req.headers.get('accept'));
          }
        }
        return parsed;
      });
    },
  };
}

/** What a refused request holds, read by Yoga's own parser; null when it cannot be read (Yoga would refuse it too). */
async function paramsOf(parser: (request: Request) => unknown, request: Request): Promise<unknown> {
  try {
    return await parser(request);
  } catch {
    return null;
  }
}
