import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Tracer } from '@opentelemetry/api';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import { saneName } from './request-log.js';

/**
 * One span per GraphQL operation, the parent of every upstream call it makes (handed down through
 * the request scope): a trace then shows a request and its fan-out together, not each call alone.
 * Only installed when tracing is configured.
 */
export function operationSpanPlugin(tracer: Tracer): Plugin<Context> {
  return {
    onExecute({ args }) {
      const { scope } = args.contextValue as Context;
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
      });
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
