import type { IncomingMessage } from 'node:http';
import type { Plugin } from 'graphql-yoga';
import type { Context, NodeContext } from '../context.js';
import type { Logger } from '../logger.js';
import { loggedOf, requestIdOf } from '../observability/request-log.js';
import { refusal } from '../refusal.js';
import { requestIdFrom } from '../request-scope.js';
import type { Authenticator } from './authenticate.js';
import type { Caller } from './grants.js';

const REALM = 'credential-gateway';

/** Per-request facts established before GraphQL runs (auth, request id). */
export interface RequestFacts {
  requestId: string;
  caller: Caller;
  /** End the scopes of the request's operations (their deadline timers) once the response is out; a batch has several. */
  releases: (() => void)[];
}

function unauthenticated(description: string, error: 'missing' | 'invalid_token' | 'unavailable', requestId: string, accept: string | null): Response {
  if (error === 'unavailable') {
    // The token could not be checked, which says nothing against it: retry, do not reauthenticate.
    const { body, headers } = refusal(`Authentication unavailable: ${description}`, { code: 'AUTH_UNAVAILABLE' }, requestId, accept);
    return new Response(body, { status: 503, statusText: 'Service Unavailable', headers: { ...headers, 'retry-after': '5' } });
  }
  const challenge = error === 'missing' ? `Bearer realm="${REALM}"` : `Bearer realm="${REALM}", error="invalid_token", error_description="${description}"`;
  const { body, headers } = refusal(`Unauthenticated: ${description}`, { code: 'UNAUTHENTICATED' }, requestId, accept);
  return new Response(body, { status: 401, statusText: 'Unauthorized', headers: { ...headers, 'www-authenticate': challenge } });
}

/** Headers that carry a credential, each of which a request may send once. */
const CREDENTIAL_HEADERS = ['authorization', 'x-api-key'] as const;

/**
 * A credential header the request sends more than once. Node keeps the first `Authorization` and
 * drops the others unseen, so a proxy that checked one of them and the gateway could each take a
 * different caller for the request. (Through fetch, repeats arrive joined by a comma, which no
 * credential matches.)
 */
function repeatedCredential(req: IncomingMessage | undefined): string | undefined {
  return req && CREDENTIAL_HEADERS.find((name) => (req.headersDistinct[name]?.length ?? 0) > 1);
}

/**
 * Authenticates every GraphQL request before anything is parsed or executed, and records who
 * called in `facts` for the context. The GraphiQL page, which holds no data, never reaches Yoga:
 * graphiqlHandler serves it in front.
 */
export function authPlugin(authenticator: Authenticator, facts: WeakMap<Request, RequestFacts>, logger: Logger): Plugin<Context, NodeContext> {
  return {
    async onRequest({ request, serverContext, endResponse }) {
      const { res } = serverContext;
      // The id the request's log line carries (served through fetch, there is no log line).
      const requestId = res ? requestIdOf(res) : requestIdFrom(request.headers.get('x-request-id'));
      const repeated = repeatedCredential(serverContext.req);
      const result = repeated
        ? ({ ok: false, error: 'invalid_token', description: `send one credential: ${repeated} appears more than once` } as const)
        : await authenticator.authenticate(request.headers);
      if (!result.ok) {
        // The reason only: never the credential that was offered.
        logger.warn({ requestId, reason: result.description }, result.error === 'unavailable' ? 'could not authenticate the request' : 'unauthenticated request');
        return endResponse(unauthenticated(result.description, result.error, requestId, request.headers.get('accept')));
      }
      facts.set(request, { requestId, caller: result.caller, releases: [] });
      const logged = loggedOf(res);
      const { caller } = result;
      if (logged && caller.via !== 'none') {
        logged.caller = caller.name;
        logged.authMethod = caller.via;
      }
    },
  };
}
