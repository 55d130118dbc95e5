import { GraphQLError, type GraphQLResolveInfo, responsePathAsArray } from 'graphql';
import { GatewayError } from '../errors.js';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { Vendor } from '../domain/vendor.js';
import type { AccountSession } from '../vendors/types.js';
import { builder } from './builder.js';
import { RateLimitSource, vendorEnum } from './enums.js';

/** An account that did not answer inside a list the others answered, as data beside that list. */
export interface AccountFailureRecord {
  vendor: Vendor;
  account: string;
  code: string;
  message: string;
  retryAfter: number | null;
  /** Whether asking again may succeed (the error's `extensions.retryable`; unknown failures: false). */
  retryable: boolean;
  /** Whose rate limit stopped the account, when that is why it failed. */
  limitedBy: 'VENDOR' | 'GATEWAY' | null;
  /** The account answered in part: the credentials of the owners that answered are listed (`extensions.partial`). */
  partial: boolean;
}

export const AccountFailureType = builder.objectRef<AccountFailureRecord>('AccountFailure').implement({
  description:
    'An account that did not answer, or answered in part (`partial`): its credentials, or those of the owners that could not be read, ' +
    'are missing from the list and from `totalCount`.',
  fields: (t) => ({
    vendor: t.field({ type: vendorEnum(), description: 'The vendor of the account.', resolve: (f) => f.vendor }),
    account: t.exposeString('account', { description: 'The configured account name.' }),
    code: t.exposeString('code', { description: 'As `extensions.code` of the matching GraphQL error: UPSTREAM_ERROR, RATE_LIMITED, …' }),
    message: t.exposeString('message', { description: 'As the matching GraphQL error\'s message; a generic one when the failure was unexpected.' }),
    retryAfter: t.exposeInt('retryAfter', { nullable: true, description: 'Seconds to wait before asking again, when known.' }),
    retryable: t.exposeBoolean('retryable', { description: 'Whether asking again later may succeed.' }),
    limitedBy: t.field({
      type: RateLimitSource,
      nullable: true,
      description: 'Whose rate limit stopped the account, when `code` is RATE_LIMITED: its vendor, or the gateway\'s own budget for it.',
      resolve: (f) => f.limitedBy,
    }),
    partial: t.exposeBoolean('partial', {
      description:
        'True when the account answered in part: the credentials of the owners that answered are listed (and counted), and `message` says ' +
        'how many owners could not be read and why the first could not. False when none of its credentials are listed.',
    }),
  }),
});

/** The same failure as data (`AccountFailure`), from its GraphQL error. */
export function failureRecord(error: GraphQLError, session: AccountSession): AccountFailureRecord {
  const retryAfter = error.extensions.retryAfter;
  return {
    vendor: session.vendor,
    account: session.account,
    code: String(error.extensions.code),
    message: error.message,
    retryAfter: typeof retryAfter === 'number' ? retryAfter : null,
    retryable: error.extensions.retryable === true,
    limitedBy: limitSourceOf(error.extensions.limitedBy),
    partial: error.extensions.partial === true,
  };
}

function limitSourceOf(value: unknown): AccountFailureRecord['limitedBy'] {
  return value === 'VENDOR' || value === 'GATEWAY' ? value : null;
}

/**
 * A GraphQL error for one account that failed inside a list the other accounts still answered.
 * It names the vendor and account; unexpected errors keep only a generic message.
 */
export function accountFailure(err: unknown, session: AccountSession, info: GraphQLResolveInfo): GraphQLError {
  const known = err instanceof GatewayError;
  return new GraphQLError(
    known ? err.message : `${session.vendor} account "${session.account}" failed unexpectedly`,
    {
      // Located at the field, as graphql-js locates every error a resolver throws.
      nodes: info.fieldNodes,
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
