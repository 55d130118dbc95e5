import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './observability/metrics.js';
import type { SharedStore } from './store/store.js';

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
 * shutdown can wait for them.
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
      // `/health` too: Yoga's own health check answered there before these endpoints existed.
      if (read && (path === '/healthz' || path === '/health')) return this.json(res, 200, { status: 'ok' });
      if (read && path === '/readyz') return void this.ready(res);
      if (read && this.options.metrics && path === this.options.metricsPath) return void this.metrics(res);
      if (path !== this.options.graphqlPath && path !== `${this.options.graphqlPath}/`) {
        return this.json(res, 404, { error: `not found; GraphQL is served at ${this.options.graphqlPath}` });
      }
      this.inFlight++;
      res.once('close', () => {
        if (--this.inFlight === 0) for (const resolve of this.idle.splice(0)) resolve();
      });
      if (this.draining) res.setHeader('connection', 'close');
      next(req, res);
    };
  }

  /** Stop looking ready, then resolve once nothing is in flight or `timeoutMs` passed. */
  async drain(timeoutMs: number): Promise<boolean> {
    this.draining = true;
    if (this.inFlight === 0) return true;
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  private async ready(res: ServerResponse) {
    if (this.draining) return this.json(res, 503, { status: 'shutting down' });
    try {
      await Promise.race([this.options.store.ping(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 1_000))]);
      this.json(res, 200, { status: 'ready', store: this.options.store.kind });
    } catch {
      // Still ready: reads and most changes carry on without the store (see SharedStoreUnavailableError),
      // and every replica would fail this check at once, leaving no replica to serve.
      this.json(res, 200, { status: 'degraded: shared store unreachable', store: this.options.store.kind });
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
