import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './observability/metrics.js';
import { onRequestEnd } from './request-end.js';
import type { SharedStore } from './store/store.js';

/**
 * How long `/readyz` waits for the shared store's ping. Well under Kubernetes' default probe
 * timeout (1 s): a slow or unreachable store answers "degraded" (still 200) in time, rather than
 * the probe timing out on every replica at once.
 */
const READY_PING_TIMEOUT_MS = 200;

/** Where GraphQL (and GraphiQL) is served, with and without a trailing slash. */
export const GRAPHQL_PATH = '/graphql';
/** Paths the ops endpoints answer, whatever the config says (`/health`: Yoga's own health check answered there before these existed). */
export const HEALTH_PATHS = ['/healthz', '/health'];
export const READY_PATH = '/readyz';

export interface OpsOptions {
  store: SharedStore;
  metrics: Metrics | null;
  metricsPath: string;
  /** Where GraphQL (and GraphiQL) is served; any other path is 404 before authentication. */
  graphqlPath: string;
}

/**
 * Operational endpoints beside GraphQL, answered before authentication (they carry no credential
 * data): `/healthz` says the process is alive, `/readyz` that it should get traffic (config loaded,
 * not shutting down; it also says whether the shared store answers), the metrics path serves
 * Prometheus text, and any path but GraphQL's is 404. It also counts requests in flight, so a
 * shutdown can wait for them. A shutdown first stops looking ready (`unready`) while still serving,
 * so a load balancer can stop sending traffic, then waits for what is in flight (`drain`).
 */
export class Ops {
  private draining = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly options: OpsOptions) {}

  /** Wraps the GraphQL handler; answers ops paths itself. */
  handler(next: (req: IncomingMessage, res: ServerResponse) => void) {
    return (req: IncomingMessage, res: ServerResponse) => {
      const path = (req.url ?? '/').split('?', 1)[0];
      // HEAD too: some load balancers probe with it (Node sends no body for HEAD).
      const read = req.method === 'GET' || req.method === 'HEAD';
      if (read && HEALTH_PATHS.includes(path!)) return this.json(res, 200, { status: 'ok' });
      if (read && path === READY_PATH) return void this.ready(res);
      if (read && this.options.metrics && path === this.options.metricsPath) return void this.metrics(res);
      if (path !== this.options.graphqlPath && path !== `${this.options.graphqlPath}/`) {
        return this.json(res, 404, { error: `not found; GraphQL is served at ${this.options.graphqlPath}` });
      }
      this.inFlight++;
      onRequestEnd(res, () => {
        if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
      if (this.draining) res.setHeader('connection', 'close');
      next(req, res);
    };
  }

  /**
   * Stop looking ready (`/readyz` answers 503) while everything else is still served; responses
   * then ask their clients to close the connection, so keep-alive clients reconnect elsewhere.
   */
  unready(): void {
    this.draining = true;
  }

  /**
   * Stop looking ready, then resolve once nothing is in flight or `timeoutMs` passed: with how
   * many requests were still in flight (0 when all finished).
   */
  async drain(timeoutMs: number): Promise<number> {
    this.unready();
    if (this.inFlight === 0) return 0;
    return new Promise<number>((resolve) => {
      const timer = setTimeout(() => resolve(this.inFlight), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(0);
      });
    });
  }

  private async ready(res: ServerResponse) {
    if (this.draining) return this.json(res, 503, { status: 'shutting down' });
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), READY_PING_TIMEOUT_MS);
      });
      await Promise.race([this.options.store.ping(), timeout]);
      this.json(res, 200, { status: 'ready', store: this.options.store.kind });
    } catch {
      // Still ready: reads and most changes carry on without the store (see SharedStoreUnavailableError),
      // and every replica would fail this check at once, leaving no replica to serve.
      this.json(res, 200, { status: 'degraded: shared store unreachable', store: this.options.store.kind });
    } finally {
      clearTimeout(timer);
    }
  }

  private async metrics(res: ServerResponse) {
    const { registry } = this.options.metrics!;
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' });
    res.end(await registry.metrics());
  }

  private json(res: ServerResponse, status: number, body: unknown) {
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
    res.end(JSON.stringify(body));
  }
}
