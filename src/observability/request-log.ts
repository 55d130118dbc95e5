import { ServerResponse, type IncomingMessage } from 'node:http';
import { getOperationAST, type ExecutionResult, type GraphQLError } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context, NodeContext } from '../context.js';
import type { Logger } from '../logger.js';
import { onRequestEnd } from '../request-end.js';
import { requestIdFrom } from '../request-scope.js';
import { requestRecorder, type Metrics } from './metrics.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * How a request ended. What GraphQL answered: `ok`, `partial` (data with errors: some accounts
 * failed, a field was refused, a batch's operation failed), `error`, `refused` (nothing executed:
 * the document did not parse, validate or fit the limits; CSRF, a mutation by GET).
 * Without a GraphQL answer: `refused` (method, media type, body, admission, authentication, the
 * caller's budget), `error` (a 5xx but 503, a fault before GraphQL), or `cancelled` (the client
 * went away before its answer was out).
 */
type Outcome = 'ok' | 'partial' | 'error' | 'refused' | 'cancelled';

/** A client-supplied operation name is logged only as a GraphQL name of at most 64 characters. */
const OPERATION_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
/** Apollo's client-awareness headers are logged only as visible ASCII (spaces inside), at most 64 characters. */
const CLIENT_LABEL = /^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/;
const clientLabel = (value: string | string[] | undefined): string | undefined => (typeof value === 'string' && CLIENT_LABEL.test(value) ? value : undefined);
/** Logged as the status of a request whose client went away before any answer (nginx's convention). */
const CLIENT_GONE = 499;

/**
 * The Node response of every request (the server is created with it), carrying what the request's
 * log line and duration sample are made of: each layer, in front of GraphQL or in it, notes what it
 * learns on an object it already holds, with no WeakMap, closure or AsyncLocalStorage per request.
 */
export class LoggedResponse<R extends IncomingMessage = IncomingMessage> extends ServerResponse<R> {
  /** When Node handed the request to the handler: its duration includes reading the body and waiting for admission. */
  readonly arrived = performance.now();
  /** Set when the request enters the logged layers (withRequestLog), and used by every answer to it. */
  requestId = '';
  /** The authenticated caller's name, never its key or token; none when auth is off or refused. */
  caller: string | undefined = undefined;
  /** How the caller authenticated (the Caller's `via`, as the audit names it), never any part of the credential; none when auth is off or refused. */
  authMethod: 'api-key' | 'jwt' | undefined = undefined;
  operationType = 'unknown';
  operationName: string | undefined = undefined;
  /** What GraphQL's answer said (refused: nothing ran, for what the client sent); none when the request was answered without it. */
  outcome: 'ok' | 'partial' | 'error' | 'refused' | undefined = undefined;
}

/** The response as logged, when it is one (it is whenever the gateway's own server serves it). */
export function loggedOf(res: ServerResponse | undefined): LoggedResponse | undefined {
  return res instanceof LoggedResponse ? res : undefined;
}

/** How long ago the request `res` answers arrived (0 when it is not logged): its deadline runs from then. */
export function sinceArrivalMs(res: ServerResponse): number {
  return res instanceof LoggedResponse ? performance.now() - res.arrived : 0;
}

/** The id of the request `res` answers: the one its log line carries, else its sane `X-Request-Id` or a fresh one. */
export function requestIdOf(res: ServerResponse): string {
  return res instanceof LoggedResponse && res.requestId !== '' ? res.requestId : requestIdFrom(res.req.headers['x-request-id']);
}

/**
 * Logs and times every request that reaches `next` (all of GraphQL's path but the GraphiQL page
 * and CORS preflights, answered in front): one `info` line ("request") and one `graphql_request_duration_seconds` sample
 * when the request is over: once the answer is out, or once the client has gone and nothing the
 * request started still runs (a mutation outlives its client: see request-end.ts). The
 * clock started when the request arrived (LoggedResponse), so the body, the queue and refusals in
 * front of GraphQL are counted too. The root logger with a requestId field: a child logger costs
 * its bindings' serialisation per request (bench/README.md).
 */
export function withRequestLog(logger: Logger, metrics: Metrics, next: Handler): Handler {
  const record = requestRecorder(metrics);
  // One listener for every response (`this` is the response), not a closure per request.
  function ended(this: LoggedResponse): void {
    const ms = performance.now() - this.arrived;
    const status = this.headersSent ? this.statusCode : CLIENT_GONE;
    // What GraphQL answered, if it did (a mutation whose client hung up still ran to its end);
    // else the client left first, or the request was answered in front of GraphQL.
    const outcome: Outcome = this.outcome ?? (!this.writableFinished ? 'cancelled' : status >= 500 && status !== 503 ? 'error' : 'refused');
    record(this.operationType, outcome, ms / 1000);
    // Never variables, the document or headers: only what names the request and how it ended.
    logger.info(
      {
        requestId: this.requestId,
        caller: this.caller,
        authMethod: this.authMethod,
        // Which application sent it (Apollo Client's `name` and `version` options): what an operator asks first of a failing or costly operation.
        clientName: clientLabel(this.req.headers['apollographql-client-name']),
        clientVersion: clientLabel(this.req.headers['apollographql-client-version']),
        operationType: this.operationType,
        operationName: this.operationName,
        outcome,
        status,
        durationMs: Math.round(ms * 10) / 10,
      },
      'request',
    );
  }
  return (req, res) => {
    if (res instanceof LoggedResponse) {
      res.requestId = requestIdFrom(req.headers['x-request-id']);
      onRequestEnd(res, ended as (this: ServerResponse) => void);
    }
    next(req, res);
  };
}

/** The operation name as logged, and as a span names it: none unless a GraphQL name of at most 64 characters (the client picks it). */
export const saneName = (name: unknown): string | undefined => (typeof name === 'string' && OPERATION_NAME.test(name) ? name : undefined);

/**
 * What one GraphQL answer says. One without `data` refused the request before any operation
 * executed (GraphQL over HTTP's request error): a document that does not parse or validate, or
 * exceeds a limit (depth, cost, tokens…), variables it cannot take, an unknown persisted
 * operation, a GET without a CSRF header, a mutation by GET. That is `refused`, the client's doing, unless one of its errors is
 * the gateway's own fault (masked, or a 5xx): `error` stays for what the server or a vendor failed.
 */
function outcomeOf(result: ExecutionResult): 'ok' | 'partial' | 'error' | 'refused' {
  if (!('data' in result) && result.errors?.length) return result.errors.some(serverFault) ? 'error' : 'refused';
  return !result.errors?.length ? 'ok' : result.data ? 'partial' : 'error';
}

function serverFault(error: GraphQLError): boolean {
  const { code, http } = error.extensions;
  return code === 'INTERNAL_SERVER_ERROR' || ((http as { status?: number } | undefined)?.status ?? 0) >= 500;
}

/**
 * Notes on the logged response what GraphQL made of the request: the operation's type and name
 * (the client's `operationName` as soon as the request is parsed, so a document that fails
 * validation is still named; then the name of the operation that runs), and the outcome its answer
 * says. A batch is one request: its first operation names it, and it is `ok` or `error` only if
 * all of its operations are.
 */
export function requestLogPlugin(): Plugin<Context, NodeContext> {
  return {
    onParams({ params, context }) {
      const res = loggedOf(context.res);
      if (res && res.operationName === undefined) res.operationName = saneName(params.operationName);
    },
    onExecute({ args }) {
      const res = loggedOf((args.contextValue as NodeContext).res);
      if (!res || res.operationType !== 'unknown') return;
      const operation = getOperationAST(args.document, args.operationName);
      if (!operation) return;
      res.operationType = operation.operation;
      res.operationName = saneName(operation.name?.value) ?? res.operationName;
    },
    onResultProcess({ result, serverContext }) {
      const res = loggedOf(serverContext.res);
      if (!res) return;
      if (Array.isArray(result)) {
        const outcomes = new Set(result.map(outcomeOf));
        res.outcome = outcomes.size === 1 ? outcomes.values().next().value : 'partial';
      } else if ('data' in result || 'errors' in result) res.outcome = outcomeOf(result);
      else res.outcome = 'error';
    },
  };
}
