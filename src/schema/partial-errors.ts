import { GraphQLError, type GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import { GatewayError } from '../errors.js';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { AccountSession } from '../vendors/types.js';

/**
 * A GraphQL error for one account that failed inside a list the other accounts still answered.
 * It names the vendor and account; unexpected errors keep only a generic message.
 */
export function accountFailure(err: unknown, session: AccountSession, info: GraphQLResolveInfo): GraphQLError {
  const known = err instanceof GatewayError;
  return new GraphQLError(
    known ? err.message : `${session.vendor} account "${session.account}" failed unexpectedly`,
    {
      path: responsePathAsArray(info.path),
      extensions: {
        ...(known ? err.extensions() : {}),
        code: known ? err.code : 'UPSTREAM_ERROR',
        vendor: session.vendor,
        account: session.account,
      },
    },
  );
}

/** Adds the errors of accounts that failed inside lists the others answered (accountFailure) to the result. */
export function partialErrorsPlugin(): Plugin<Context> {
  return {
    onExecute({ args }) {
      return {
        onExecuteDone({ result, setResult }) {
          const extra = (args.contextValue as Context).partialErrors;
          if (extra.length && 'data' in result) setResult({ ...result, errors: [...(result.errors ?? []), ...extra] });
        },
      };
    },
  };
}
