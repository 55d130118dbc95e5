import { GraphQLError, isEnumType, isScalarType, type GraphQLHTTPErrorExtensions, type GraphQLSchema } from 'graphql';
import { GatewayError } from './errors.js';
import type { Logger } from './logger.js';

/**
 * What each masked error hid, until logMasked logs it: Yoga masks with no request at hand, and the
 * line must carry the request id the caller is told, or the error a client reports leads nowhere.
 */
const hidden = new WeakMap<GraphQLError, { msg: string; fields: Record<string, unknown> }>();

/**
 * Domain errors become GraphQL errors with `extensions.code` (+ vendor/account); anything else is
 * masked to a generic message, and logged by logMasked, so no upstream detail or secret reaches the caller.
 */
export function maskError(schema: GraphQLSchema) {
  return (error: unknown, message: string): Error => {
    if (error instanceof GraphQLError) {
      const original = error.originalError;
      if (original instanceof GatewayError) {
        return new GraphQLError(original.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          extensions: { ...original.extensions(), code: original.code },
        });
      }
      if (!original || original instanceof GraphQLError) return withoutVariableValue(error, schema);
      const masked = new GraphQLError(message, { nodes: error.nodes, path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
      hidden.set(masked, { msg: 'unexpected resolver error', fields: { err: original, path: error.path } });
      return masked;
    }
    // Outside execution, a SyntaxError is Yoga's GET parser failing on `variables` or `extensions`:
    // the caller's mistake, not ours, and its message would quote what the caller sent.
    if (error instanceof SyntaxError) {
      return new GraphQLError('Request parameters `variables` and `extensions` must be JSON', { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
    }
    const masked = new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    hidden.set(masked, { msg: 'unexpected error', fields: { err: error } });
    return masked;
  };
}

/** Logs, for the operator, what masking hid from the caller in `error` (if anything), under the request's id. */
export function logMasked(logger: Logger, error: GraphQLError, requestId: string | undefined): void {
  const what = hidden.get(error);
  if (!what) return;
  hidden.delete(error); // once, should Yoga hand the same error on twice
  logger.error({ requestId, ...what.fields }, what.msg);
}

/**
 * graphql-js prints a whole invalid variable into its error (`Variable "$input" got invalid value
 * { id: …, value: "…" }; …`), and a variable may carry a secret (the vault's `value`): the error
 * keeps where and why, not what.
 */
function withoutVariableValue(error: GraphQLError, schema: GraphQLSchema): GraphQLError {
  const variable = /^Variable "\$(\w+)" got invalid value /.exec(error.message);
  const why = error.originalError?.message;
  if (!variable || why === undefined || !error.message.endsWith(`; ${why}`)) return error;
  const printed = error.message.slice(variable[0].length, error.message.length - why.length - 2);
  const at = / at "(\w+(?:\.\w+|\[\d+\])*)"$/.exec(printed);
  return new GraphQLError(`Variable "$${variable[1]}" got invalid value${at ? ` at "${at[1]}"` : ''}; ${valueFree(why, schema)}`, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: error.extensions,
  });
}

/**
 * Why an input value was refused, without the value. graphql-js's own words about fields and types
 * stay (they name the schema's fields and types, and an unknown field by the key the caller sent).
 * An enum's or a scalar's complaint quotes the value: only the type's name is kept, and only when
 * the schema has that type (the quoted value could imitate the wording).
 */
function valueFree(why: string, schema: GraphQLSchema): string {
  if (/^(Field "\w+" (is not defined by type|of required type)|Expected (non-nullable )?type "[^"]+" (to be an object|not to be null))/.test(why)) return why;
  const inEnum = /^[\s\S]* does not exist in "(\w+)" enum\./.exec(why)?.[1];
  if (inEnum && isEnumType(schema.getType(inEnum))) return `Value does not exist in "${inEnum}" enum.`;
  const builtIn = /^(String|Int|Float|Boolean|ID) cannot represent ([^:]*value): /.exec(why);
  if (builtIn) return `${builtIn[1]} cannot represent ${builtIn[2]}`;
  const scalar = /^(?:Expected type "(\w+)"\.|(\w+) cannot represent )/.exec(why);
  const type = scalar?.[1] ?? scalar?.[2];
  const known = type ? schema.getType(type) : undefined;
  // The scalar's specification says what would have been valid, which the refused value cannot.
  if (known) return `Expected type "${known.name}"${isScalarType(known) && known.specifiedByURL ? ` (specified by ${known.specifiedByURL})` : ''}.`;
  return 'not a valid value here';
}

/**
 * An error as the caller receives it: with a code (derived for the errors graphql-js and GraphQL
 * Armor raise without one) and the request id, and without `originalError`, where Yoga puts the
 * body parser's own error, which quotes the request body and with it any secret it carries.
 * `executed` says whether the result has `data`: when it has none, the error refused the request,
 * and GraphQL over HTTP wants that answered 4xx in `application/graphql-response+json`.
 */
export function publicError(error: GraphQLError, requestId: string | undefined, executed: boolean, schema: GraphQLSchema): GraphQLError {
  const { originalError, ...extensions } = error.extensions ?? {};
  // Yoga answers a request error with its HTTP status (400) only while `originalError` is there,
  // unless the status is marked as holding for every media type (`spec` unset): keep the status.
  if (originalError && isHttp(extensions.http)) extensions.http = { ...extensions.http, spec: false };
  const code = codeFor(extensions.code, error.message);
  if (!executed) extensions.http = requestErrorStatus(code, extensions.http);
  return new GraphQLError(callersMessage(error.message, code, schema), {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    extensions: { ...extensions, ...(code ? { code } : {}), ...(requestId ? { requestId } : {}) },
  });
}

/**
 * The message without a value the caller wrote into the document: graphql-js quotes an invalid
 * literal (`String cannot represent a non string value: sk_live_…`) and the token the parser
 * stumbled on (`Expected Name, found String "…"`), and a literal may be a secret typed into
 * GraphiQL. The location stays, which points at it.
 */
function callersMessage(message: string, code: string | undefined, schema: GraphQLSchema): string {
  if (code === 'QUERY_TOO_COMPLEX') return message.replace(/^Syntax Error: /, '');
  if (code === 'GRAPHQL_PARSE_FAILED') return message.replace(/^(Syntax Error: (?:Expected [^\n]*?, found|Unexpected) (?:Name|Int|Float|String|BlockString)) "[\s\S]*"\.$/, '$1.');
  if (code !== 'GRAPHQL_VALIDATION_FAILED') return message;
  const expected = /^Expected value of type "([^"]+)", found ([\s\S]*?)(?:\.|; [\s\S]*)$/.exec(message);
  if (expected) return expected[2] === 'null' ? message : `Expected value of type "${expected[1]}".`;
  const nonEnum = /^Enum "(\w+)" cannot represent non-enum value: /.exec(message);
  if (nonEnum) return `Enum "${nonEnum[1]}" cannot represent non-enum value.`;
  // The rule's remaining complaints about a literal: a built-in or custom scalar's, an enum's.
  return /^(?:\w+ cannot represent |Value [\s\S]* does not exist in "\w+" enum\.)/.test(message) ? valueFree(message, schema) : message;
}

/** Request errors of the operation itself, answered 200 in `application/json` (GraphQL over HTTP's examples) and 400 in the newer type. */
const OPERATION_ERRORS = new Set(['QUERY_TOO_COMPLEX', 'BAD_USER_INPUT', 'OPERATION_RESOLUTION_FAILURE', 'GRAPHQL_PARSE_FAILED', 'GRAPHQL_VALIDATION_FAILED']);

/**
 * The HTTP status of an error that refused a request, by media type (`spec`: only in
 * `application/graphql-response+json`). Yoga gives one to parse and validation errors, but not to
 * the limits that refuse a document (GraphQL Armor's, the cost and lookup limits), which it would
 * answer 200 with no `data`; and it answers a variable it cannot coerce 400 in either type.
 */
function requestErrorStatus(code: string | undefined, http: GraphQLHTTPErrorExtensions | undefined): GraphQLHTTPErrorExtensions {
  if (http?.status === undefined) return { ...http, status: code === 'INTERNAL_SERVER_ERROR' ? 500 : 400, spec: true };
  return http.status === 400 && code !== undefined && OPERATION_ERRORS.has(code) ? { ...http, spec: true } : http;
}

const isHttp = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

/** The code `error` reaches the caller with (publicError), when it has one. */
export function codeOf(error: GraphQLError): string | undefined {
  return codeFor(error.extensions?.code, error.message);
}

/**
 * Codes for errors graphql-js and GraphQL Armor raise without one, so clients can branch on them;
 * and for the token limit, which the parser enforces and Yoga reports as a syntax error, the code
 * of every other limit on a document's size.
 */
function codeFor(code: unknown, message: string): string | undefined {
  if (code === 'GRAPHQL_PARSE_FAILED' && /^Syntax Error: Token limit of \d+ exceeded/.test(message)) return 'QUERY_TOO_COMPLEX';
  if (typeof code === 'string') return code;
  // graphql-js stops coercing variables after 50 errors and says so in one more error of its own.
  if (/^Variable "\$/.test(message) || /^Too many errors processing variables/.test(message)) return 'BAD_USER_INPUT';
  if (/^Required CSRF header/.test(message)) return 'CSRF_PREVENTED';
  if (/(depth|aliases|directives|token|cost) limit/i.test(message)) return 'QUERY_TOO_COMPLEX';
  return undefined;
}
