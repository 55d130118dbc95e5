import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { Metrics } from './metrics.js';

/** Request metrics: the operation type and outcome a request ended with, timed from arrival. */
export function requestMetricsPlugin(metrics: Metrics): Plugin<Context> {
  const seen = new WeakMap<Request, { started: number; type: string; outcome: string }>();
  return {
    onRequest({ request }) {
      seen.set(request, { started: performance.now(), type: 'unknown', outcome: 'error' });
    },
    onExecute({ args }) {
      const entry = seen.get((args.contextValue as { request: Request }).request);
      if (entry) entry.type = getOperationAST(args.document, args.operationName)?.operation ?? 'unknown';
    },
    onResultProcess({ request, result }) {
      const entry = seen.get(request);
      if (!entry || Array.isArray(result) || !('data' in result || 'errors' in result)) return;
      entry.outcome = !result.errors?.length ? 'ok' : result.data ? 'partial' : 'error';
    },
    onResponse({ request }) {
      const entry = seen.get(request);
      if (!entry) return;
      seen.delete(request); // at once rather than in a later GC (see releaseAuthCachePlugin in gateway.ts)
      metrics.requests.observe({ operation_type: entry.type, outcome: entry.outcome }, (performance.now() - entry.started) / 1000);
    },
  };
}
