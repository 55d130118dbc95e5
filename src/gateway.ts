import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { GatewayConfig } from './config.js';
import type { Context, GatewaySettings } from './context.js';
import { GatewayError } from './errors.js';
import { createLogger, type Logger } from './logger.js';
import { DEFAULT_QUERY } from './schema/example-operations.js';
import { getSchema } from './schema/index.js';
import { Sessions } from './vendors/sessions.js';
import type { AccountAdapter } from './vendors/types.js';

const DAY_MS = 86_400_000;

export interface Gateway {
  yoga: YogaServerInstance<Record<string, never>, Context>;
  server: Server;
  /** Set after listen(). */
  url: string;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** Errors of accounts that failed inside lists the others answered; see schema/partial-errors.ts. */
function partialErrorsPlugin(): Plugin<Context> {
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

/**
 * Domain errors become GraphQL errors with `extensions.code` (+ vendor/account); anything else is
 * masked to a generic message and logged, so no upstream detail or secret reaches the caller.
 */
function maskError(logger: Logger) {
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
      if (!original || original instanceof GraphQLError) return error;
      logger.error({ err: original, path: error.path }, 'unexpected resolver error');
      return new GraphQLError(message, { nodes: error.nodes, path: error.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    }
    logger.error({ err: error }, 'unexpected error');
    return new GraphQLError(message, { extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  };
}

export function createGateway(config: GatewayConfig, options: { logger?: Logger } = {}): Gateway {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const adapters = new Map<string, AccountAdapter>();
  for (const { module, config: account } of config.accounts) {
    adapters.set(account.name, module.createAccount(account, { logger, http: config.http }));
  }
  const settings: GatewaySettings = {
    expiryWarningMs: config.expiryWarningDays * DAY_MS,
    serviceName: config.serviceName,
  };

  const yoga = createYoga<Record<string, never>, Context>({
    schema: getSchema(),
    logging: false,
    landingPage: false,
    graphqlEndpoint: '/graphql',
    graphiql: config.graphiql ? { title: 'credential-gateway', defaultQuery: DEFAULT_QUERY } : false,
    maskedErrors: { maskError: maskError(logger) },
    context: ({ request }): Context => {
      const header = request.headers.get('x-request-id');
      const requestId = header && /^[\w.-]{1,64}$/.test(header) ? header : randomUUID();
      const scope = {
        requestId,
        now: new Date(),
        signal: request.signal,
        caller: null,
        operator: settings.serviceName,
        logger: logger.child({ requestId }),
      };
      return { scope, settings, sessions: new Sessions(adapters, scope), partialErrors: [] };
    },
    plugins: [
      partialErrorsPlugin(),
      {
        onResponse({ response }) {
          // Credential metadata must not sit in shared caches.
          response.headers.set('cache-control', 'no-store');
        },
      },
    ],
  });

  const server = createServer(yoga);
  const gateway: Gateway = {
    yoga,
    server,
    url: '',
    async listen(port = config.listen.port, host = config.listen.host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      gateway.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}/graphql`;
      return gateway.url;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([...adapters.values()].map((a) => a.close()));
    },
  };
  return gateway;
}
