import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { LoggedResponse, requestLogPlugin } from '../../src/observability/request-log.js';

/** The outcome the request log takes from GraphQL's answer `result`, as Yoga hands it over. */
function outcomeOf(result: ExecutionResult | ExecutionResult[]): string | undefined {
  const res = new LoggedResponse(new IncomingMessage(new Socket()));
  const onResultProcess = requestLogPlugin().onResultProcess as (payload: unknown) => void;
  onResultProcess({ result, serverContext: { res } });
  return res.outcome;
}

const error = (message: string, extensions: Record<string, unknown> = {}) => new GraphQLError(message, { extensions });
const parseFailed = error('Syntax Error: Expected Name, found <EOF>.', { code: 'GRAPHQL_PARSE_FAILED', http: { spec: true, status: 400 } });
const validationFailed = error('Cannot query field "nope" on type "Query".', { code: 'GRAPHQL_VALIDATION_FAILED', http: { spec: true, status: 400 } });

describe('the outcome of a GraphQL answer', () => {
  it('is ok with data and no errors, partial with data and errors', () => {
    expect(outcomeOf({ data: { __typename: 'Query' } })).toBe('ok');
    expect(outcomeOf({ data: { a: 1, b: null }, errors: [error('vendor down')] })).toBe('partial');
  });

  it('refuses a document that did not parse or validate: the client’s doing, nothing ran', () => {
    expect(outcomeOf({ errors: [parseFailed] })).toBe('refused');
    expect(outcomeOf({ errors: [validationFailed, validationFailed] })).toBe('refused');
  });

  it('refuses a document a limit stopped before it ran, though its error has no HTTP status yet (the cost limit’s)', () => {
    expect(outcomeOf({ errors: [error('Query Cost limit of 10 exceeded, found 20.', { code: 'QUERY_TOO_COMPLEX' })] })).toBe('refused');
  });

  it('keeps error for what failed on the gateway’s side: a masked fault before execution, a 5xx, an execution that produced no data', () => {
    expect(outcomeOf({ errors: [error('Unexpected error.', { code: 'INTERNAL_SERVER_ERROR' })] })).toBe('error');
    expect(outcomeOf({ errors: [validationFailed, error('Unavailable', { http: { status: 503 } })] })).toBe('error');
    expect(outcomeOf({ data: null, errors: [error('vendor down')] })).toBe('error');
  });

  it('makes a batch refused only when all of its operations were, else partial when they differ', () => {
    expect(outcomeOf([{ errors: [parseFailed] }, { errors: [validationFailed] }])).toBe('refused');
    expect(outcomeOf([{ data: { __typename: 'Query' } }, { errors: [validationFailed] }])).toBe('partial');
  });
});
