import type { GraphQLError } from 'graphql';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditLog } from './audit.js';
import type { Caller } from './auth/grants.js';
import type { Idempotency } from './idempotency/idempotency.js';
import type { RequestScope } from './scope.js';
import type { Sessions } from './vendors/sessions.js';

/** What Yoga is given besides the Request: the Node request and response when the Node server serves it. */
export type NodeContext = { req?: IncomingMessage; res?: ServerResponse };

export interface GatewaySettings {
  readonly expiryWarningMs: number;
  /** Recorded as the operator on vault writes when no caller is authenticated. */
  readonly serviceName: string;
}

export interface Context {
  readonly scope: RequestScope;
  readonly caller: Caller;
  readonly audit: AuditLog;
  readonly settings: GatewaySettings;
  readonly sessions: Sessions;
  readonly idempotency: Idempotency;
  /** Errors of accounts that failed while others answered; appended to the response's `errors`. */
  readonly partialErrors: GraphQLError[];
}
