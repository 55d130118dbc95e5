import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type TextMapGetter, type Tracer } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { saneName } from './request-log.js';

/** What a caller may say about its own trace: continue it (a router in front), or ignore it (a public edge). */
export type IncomingTraceContext = 'continue' | 'ignore';

const w3c = new W3CTraceContextPropagator();
const fromHeaders: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/**
 * One span per GraphQL operation, the parent of every upstream call it makes (handed down through
 * the request scope): a trace then shows a request and its fan-out together, not each call alone.
 * With `continue`, a caller's W3C `traceparent`/`tracestate` make it a child of the caller's span,
 * so a router's trace shows the subgraph's work in place. Only installed when tracing is configured.
 */
export function operationSpanPlugin(tracer: Tracer, incoming: IncomingTraceContext): Plugin<Context> {
  return {
    onExecute({ args }) {
      const { scope, request } = args.contextValue as Context & { request?: Request };
      // An absent or malformed traceparent extracts to nothing: the operation starts a trace of its own.
      const parent = incoming === 'continue' && request ? w3c.extract(ROOT_CONTEXT, request.headers, fromHeaders) : ROOT_CONTEXT;
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? 'unknown';
      // Bounded as in the log line: a trace backend indexes span names, and the client picks this one.
      const name = saneName(operation?.name?.value);
      const span = tracer.startSpan(name ? `${type} ${name}` : type, {
        kind: SpanKind.SERVER,
        attributes: {
          'graphql.operation.type': type,
          ...(name ? { 'graphql.operation.name': name } : {}),
          'credential_gateway.request_id': scope.requestId,
        },
      }, parent);
      scope.traceContext = trace.setSpan(ROOT_CONTEXT, span);
      return {
        onExecuteDone({ result }) {
          if ('errors' in result && result.errors?.length) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
  };
}
