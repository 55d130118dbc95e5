import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { useCSRFPrevention } from '@graphql-yoga/plugin-csrf-prevention';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { ExecutionResult } from 'graphql';
import { createYoga, type Plugin } from 'graphql-yoga';
import { RequestCache } from '@pothos/plugin-scope-auth';
import { Admission } from './admission.js';
import { withBody } from './request-body.js';
import { withCors } from './cors.js';
import { withGraphQLHttp } from './graphql-http.js';
import { documentCache, errorCache } from './document-cache.js';
import { releaseErrorStacksPlugin } from './cached-errors.js';
import { AuditLog } from './audit.js';
import { createAuthenticator } from './auth/authenticate.js';
import { authPlugin, type RequestFacts } from './auth/plugin.js';
import { callerRateLimitPlugin } from './caller-rate-limit.js';
import type { GatewayConfig } from './config.js';
import type { Context, GatewaySettings, NodeContext } from './context.js';
import type { Vendor } from './domain/vendor.js';
import { holdRequest } from './request-end.js';
import { createRequestScope, LiveScopes, watchResponse, watchSignal } from './request-scope.js';
import { logMasked, maskError, publicError } from './error-masking.js';
import { graphiqlHandler } from './graphiql.js';
import { createLogger, type Logger } from './logger.js';
import { getSchema, getSubgraphSchema, nodeTypenames } from './schema/index.js';
import { partialErrorsPlugin } from './schema/partial-errors.js';
import { Idempotency } from './idempotency/idempotency.js';
import { Metrics } from './observability/metrics.js';
import { operationSpanPlugin } from './observability/operation-span.js';
import { LoggedResponse, requestLogPlugin, sinceArrivalMs, withRequestLog } from './observability/request-log.js';
import { createTracing } from './observability/tracing.js';
import { GRAPHQL_PATH, Ops } from './ops.js';
import { costLimitPlugin } from './page-cost.js';
import { lookupLimitPlugin } from './lookup-limit.js';
import { persistedOperationsPlugin } from './persisted-operations.js';
import { RefusedMutations } from './refused-mutations.js';
import { MemoryStore } from './store/memory.js';
import { RateBudgets } from './store/rate-budgets.js';
import { RedisStore } from './store/redis.js';
import type { SharedStore } from './store/store.js';
import { accountDeps } from './vendors/account-deps.js';
import { Sessions, type VendorFacts } from './vendors/sessions.js';
import type { AccountAdapter } from './vendors/types.js';

const DAY_MS = 86_400_000;
/** How long requests cut off at the shutdown deadline get to record how they ended (see shutdown). */
const CUT_OFF_SETTLE_MS = 1_000;
/**
 * Headers any of which marks a GET as sent on purpose (a browser adds none of them cross-site
 * without a preflight): Yoga's own, the GraphQL-over-HTTP draft's, and Apollo's, which stock
 * clients send.
 */
const CSRF_HEADERS = ['x-graphql-yoga-csrf', 'graphql-require-preflight', 'apollo-require-preflight'];
/**
 * What a browser page on an allowed origin may send: the body's type, credentials, a request id,
 * the CSRF headers, the client name and version Apollo Client sends when given them, and W3C trace context.
 */
const CORS_HEADERS = [
  'content-type',
  'authorization',
  'x-api-key',
  'x-request-id',
  ...CSRF_HEADERS,
  'apollographql-client-name',
  'apollographql-client-version',
  'traceparent',
  'tracestate',
];

export interface Gateway {
  audit: AuditLog;
  /** Set after listen(). */
  url: string;
  listen(port?: number, host?: string): Promise<string>;
  /**
   * Shuts down: for `delayMs` first, `/readyz` answers 503 while everything else is still
   * accepted and served (time for a load balancer to stop routing here); then stops accepting,
   * and in-flight requests get up to `graceMs` to finish. A second call answers the first's promise.
   */
  close(graceMs?: number, delayMs?: number): Promise<void>;
}

export interface GatewayOptions {
  logger?: Logger;
  /** Headers GraphiQL sends by default (the sandbox pre-fills its generated API key). */
  graphiqlHeaders?: Record<string, string>;
}

/**
 * Drops the operation's scope-auth cache once it has executed instead of leaving it to the GC.
 * Pothos keeps that cache in a WeakMap keyed by the context, and the cached value holds the
 * context. V8's young-generation GC visits such a value as live, so the key (and through the
 * context, the whole request) survived every scavenge and was promoted, to be freed only by full
 * collections: at concurrency 32 this was most of Q1's GC time (bench/README.md).
 */
function releaseAuthCachePlugin(): Plugin<Context> {
  return {
    onExecute({ args }) {
      return { onExecuteDone: () => RequestCache.clearForContext(args.contextValue) };
    },
  };
}

export function createGateway(config: GatewayConfig, options: GatewayOptions = {}): Gateway {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  // What may still refuse the config comes before anything opens a connection (Redis connects at
  // once): a gateway that failed to be created has no close() to release it with.
  const authenticator = createAuthenticator(config.auth, config.serviceName, (reason) =>
    logger.warn({ jwksUrl: config.auth !== 'none' ? config.auth.jwt?.jwksUrl : undefined, reason }, 'could not fetch the JWKS: tokens are verified with the last key set fetched, if any'),
  );
  const audit = new AuditLog(logger, config.audit.file);
  const store: SharedStore = config.redis ? new RedisStore({ url: config.redis.url, keyPrefix: config.redis.keyPrefix, logger }) : new MemoryStore(Date.now, { logger });
  const metrics = new Metrics();
  const tracing = createTracing(config.tracing ? { otlpEndpoint: config.tracing.otlpEndpoint, serviceName: config.serviceName } : undefined);
  const services = { logger, http: config.http, store, metrics, tracer: tracing.tracer };
  const adapters = new Map<string, AccountAdapter>();
  // A grant names a vendor as the config does (`credentials:read@vendor:auth0`); a kinds filter skips vendors without them.
  const vendors = new Map<Vendor, VendorFacts>();
  for (const { module, config: account } of config.accounts) {
    adapters.set(account.name, module.createAccount(account, accountDeps(module, account, services)));
    vendors.set(module.vendor, module);
  }
  const idempotency = new Idempotency(store, { secrets: config.secrets, logger, typenames: nodeTypenames() });
  const ops = new Ops({ store, metrics: config.metrics.enabled ? metrics : null, metricsPath: config.metrics.path, graphqlPath: GRAPHQL_PATH });
  const settings: GatewaySettings = {
    expiryWarningMs: config.expiryWarningDays * DAY_MS,
    serviceName: config.serviceName,
  };
  if (authenticator.mode === 'none') logger.warn('auth is "none": every caller may read and change every credential');
  const facts = new WeakMap<Request, RequestFacts>();
  const live = new LiveScopes();
  const { limits } = config;

  const schema = config.federation ? getSubgraphSchema({ node: config.federation === true || config.federation.node }) : getSchema();
  // A request's wait counts toward its deadline, so no request waits longer than its whole deadline.
  const admission = new Admission({ ...limits.admission, maxWaitMs: Math.min(limits.admission.maxWaitMs ?? Infinity, config.requestTimeoutMs) });
  metrics.watchAdmission(admission);
  const refused = new RefusedMutations(audit, facts, schema, { maxTokens: limits.maxTokens, batching: limits.batching });
  const yoga = createYoga<NodeContext, Context>({
    schema,
    logging: false,
    landingPage: false,
    graphqlEndpoint: GRAPHQL_PATH,
    batching: limits.batching === false ? false : { limit: limits.batching },
    // withBody reads and bounds the body before Yoga sees it; Yoga's own check would pipe every
    // body through one more stream for nothing.
    maxRequestBodySize: false,
    // Served by graphiqlHandler, in front of Yoga: rendered once, not per request.
    graphiql: false,
    // Answered in front (withCors), refusals written before Yoga included. Yoga's default would answer every origin.
    cors: false,
    // What it hides is logged below (onResultProcess), once the request's id is at hand.
    maskedErrors: { maskError: maskError(schema) },
    // Bounded by size too: Yoga's default keeps the last 1,000 documents however large (document-cache.ts).
    parserAndValidationCache: { documentCache: documentCache(), errorCache: errorCache() },
    context: ({ request, res }): Context => {
      const known = facts.get(request);
      if (!known) throw new Error('request reached GraphQL without authentication');
      const { caller } = known;
      const { scope, release } = createRequestScope({
        requestId: known.requestId,
        caller,
        // Served by the Node server: watch the response itself (see watchResponse); through fetch: the signal.
        client: res ? watchResponse(res) : watchSignal(request.signal),
        // The deadline runs from arrival: the time its body took to arrive and its wait for admission count.
        timeoutMs: config.requestTimeoutMs - (res ? sinceArrivalMs(res) : 0),
        logger,
        serviceName: settings.serviceName,
        hold: res ? () => holdRequest(res) : undefined,
        live,
      });
      known.releases.push(release);
      return { scope, caller, audit, settings, idempotency, sessions: new Sessions(adapters, vendors, scope, caller), partialErrors: [] };
    },
    plugins: [
      requestLogPlugin(),
      ...(tracing.tracer && config.tracing ? [operationSpanPlugin(tracing.tracer, config.tracing.incomingContext)] : []),
      authPlugin(authenticator, facts, logger),
      ...(limits.perCaller ? [callerRateLimitPlugin(limits.perCaller, new RateBudgets(store, logger), facts, refused.unparsed)] : []),
      // Before the limits, which stop execution: it records the mutations they refuse.
      refused.plugin(),
      // Browsers cannot send a simple (un-preflighted) cross-site request that Yoga would execute.
      useCSRFPrevention({ requestHeaders: CSRF_HEADERS }),
      EnvelopArmorPlugin({
        maxDepth: { n: limits.maxDepth },
        maxAliases: { n: limits.maxAliases },
        maxDirectives: { n: limits.maxDirectives },
        maxTokens: { n: limits.maxTokens },
        costLimit: { enabled: false }, // costLimitPlugin: it counts the pages served
        blockFieldSuggestion: { enabled: !config.introspection },
      }),
      costLimitPlugin(limits.maxCost, limits.batching !== false),
      // A router fetches the entities of a whole list at once (a page is up to 500).
      lookupLimitPlugin(limits.maxNodeLookups ?? (config.federation ? 500 : 100), limits.batching !== false),
      ...(config.introspection ? [] : [useDisableIntrospection()]),
      persistedOperationsPlugin(config.persistedOperations, refused.unparsed),
      partialErrorsPlugin(),
      releaseAuthCachePlugin(),
      // Yoga caches a document's errors with it: they must not hold the request that sent it.
      releaseErrorStacksPlugin(),
      {
        // Every error names the request id, and a masked "Unexpected error" is logged under it, so it can be found in the logs.
        onResultProcess({ request, result, setResult }) {
          const requestId = facts.get(request)?.requestId;
          const forCaller = (r: ExecutionResult): ExecutionResult =>
            r.errors?.length
              ? {
                  ...r,
                  errors: r.errors.map((e) => {
                    logMasked(logger, e, requestId);
                    return publicError(e, requestId, 'data' in r, schema);
                  }),
                }
              : r;
          if (Array.isArray(result)) setResult(result.map(forCaller));
          else if ('errors' in result) setResult(forCaller(result));
        },
        onResponse({ request, response }) {
          // Credential metadata must not sit in shared caches.
          response.headers.set('cache-control', 'no-store');
          const known = facts.get(request);
          if (!known) return;
          facts.delete(request); // at once rather than in a later GC (see releaseAuthCachePlugin)
          known.releases.forEach((release) => release());
          response.headers.set('x-request-id', known.requestId);
        },
      },
    ],
  });

  // The body first, then admission: a slot is held only by a request that can run at once.
  // A subgraph's default fits a router's fetch of 500 representations of ids as the vendors issue
  // them, in accounts of the longest names (not of the longest ids a Keycard credential may have).
  const maxBodyBytes = limits.maxBodyBytes ?? (config.federation ? 256_000 : 100_000);
  const body = { maxBytes: maxBodyBytes, timeoutMs: limits.requestBodyTimeoutMs, maxHeldBytes: Math.max(16_000_000, 16 * maxBodyBytes) };
  const bodies = withBody(body, admission.handler(yoga));
  // Method and media types first: a request refused for them is not read, authenticated or queued.
  const graphqlHttp = withGraphQLHttp(GRAPHQL_PATH, bodies);
  // Every request from here on is logged and timed, refusals included; a CORS preflight, answered in front, is not a GraphQL request.
  const logged = withRequestLog(logger, metrics, graphqlHttp);
  const api = config.cors ? withCors({ ...config.cors, allowedHeaders: CORS_HEADERS }, logged) : logged;
  // Each response carries its request's log record, and the clock started when the request arrived (LoggedResponse).
  const server = createServer({ ServerResponse: LoggedResponse }, ops.handler(config.graphiql ? graphiqlHandler(GRAPHQL_PATH, { headers: options.graphiqlHeaders }, api) : api));
  const gateway: Gateway = {
    audit,
    url: '',
    async listen(port = config.listen.port, host = config.listen.host) {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const address = server.address() as AddressInfo;
      gateway.url = `http://${host.includes(':') ? `[${host}]` : host}:${address.port}${GRAPHQL_PATH}`;
      return gateway.url;
    },
    close(graceMs = 0, delayMs = 0) {
      // A later call without a delay (SIGINT after SIGTERM) cuts a running delay short.
      if (delayMs === 0) endDelay?.();
      return (closing ??= shutdown(graceMs, delayMs));
    },
  };
  let closing: Promise<void> | undefined;
  let endDelay: (() => void) | undefined;
  const shutdown = async (graceMs: number, delayMs: number) => {
    // Unready first, still serving: until the load balancer has seen it, traffic keeps arriving.
    ops.unready();
    if (delayMs > 0) {
      logger.info({ delayMs }, 'unready; serving until the shutdown delay passes');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, delayMs);
        endDelay = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    // Stop accepting, let what is in flight finish (up to graceMs), then cut what remains.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const cutOff = await ops.drain(graceMs);
    if (cutOff > 0) {
      logger.warn({ graceMs, requestsCutOff: cutOff }, 'shutdown deadline passed with requests in flight');
      // A mutation outlives its client, so closing its connection would not stop it (see LiveScopes).
      live.cutOff(new DOMException('The gateway is shutting down', 'AbortError'));
    }
    server.closeAllConnections();
    await closed;
    // Then wait, briefly, for what was cut off to end. Every other request ends as its connection's
    // close reaches it, which cancels its calls (its client is gone): that must come before the
    // vendor pools close, or its calls fail on a destroyed pool as the vendor's fault and an
    // idempotent one is retried against it. A mutation's last writes (its idempotency record, its
    // audit line) need the store.
    if (cutOff > 0 && (await ops.drain(CUT_OFF_SETTLE_MS)) > 0) logger.warn({ requestsCutOff: cutOff }, 'requests cut off at shutdown did not end in time');
    admission.close();
    bodies.close();
    await Promise.all([...adapters.values()].map((a) => a.close()));
    await Promise.all([audit.flush(), tracing.shutdown(), store.close()]);
  };
  return gateway;
}
