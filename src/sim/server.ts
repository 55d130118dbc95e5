import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { LOOPBACK_HOSTS } from '../loopback.js';

/** What a simulator saw: tests assert on these, not only on GraphQL responses. */
export interface RecordedRequest {
  method: string;
  /** Raw path as received, still percent-encoded. */
  path: string;
  /** The route pattern that matched, or null. */
  route: string | null;
  params: Record<string, string>;
  query: Record<string, string[]>;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface SimRequest {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
  /** Raw body text, for handlers that must reject malformed JSON themselves. */
  rawBody: string;
}

export interface SimResponse {
  status: number;
  json?: unknown;
  headers?: Record<string, string>;
}

export interface SimRoute {
  method: string;
  /** `/api/v2/clients/:client_id/credentials`; `:name` matches one decoded path segment. */
  pattern: string;
  /** Token endpoints are public; everything else passes the simulator's auth check. */
  public?: boolean;
  handle(req: SimRequest): SimResponse | Promise<SimResponse>;
}

export interface Fault {
  /** Only requests whose method / route pattern match; default all. */
  method?: string;
  route?: string;
  /** Only requests whose path parameters include these: one owner's calls on a route shared by all owners. */
  params?: Record<string, string>;
  /** How many matching requests it hits (default 1). */
  times?: number;
  status?: number;
  json?: unknown;
  headers?: Record<string, string>;
  /** Answer 200 with a body that is not JSON. */
  malformed?: boolean;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /** Extra delay before answering (for timeouts). */
  delayMs?: number;
  /** Run the real handler first (the change is applied), then answer with the fault. */
  afterApply?: boolean;
}

export interface SimulatorOptions {
  name: string;
  routes: SimRoute[];
  /** True when the request carries valid credentials. */
  authorize(req: SimRequest): boolean;
  /** The vendor's own error body for a status and message. */
  errorBody(status: number, message: string): unknown;
  latencyMs?: number;
}

export interface SimulatorHandle {
  readonly name: string;
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests excluding token calls and the control API. */
  apiRequests(): RecordedRequest[];
  inject(fault: Fault): void;
  /**
   * Holds the next request that matches (method, route pattern, path parameters) before its handler
   * runs, until `release()`; `reached` resolves once it has arrived (and been recorded). For a spec
   * that needs one call in flight while something else happens, without guessing at a latency.
   * `clearFaults` lets every hold go.
   */
  hold(match: Pick<Fault, 'method' | 'route' | 'params'>): Hold;
  clearFaults(): void;
  setLatency(ms: number): void;
  clearRequests(): void;
  /** Requests received since the last reset, by `METHOD /route/pattern` (unmatched: `METHOD ?`). */
  stats(): SimStats;
  resetStats(): void;
  /**
   * Whether full requests are kept in `requests` (default on). A benchmark turns it off: under
   * load, recording every request grows memory without bound; the counters stay on.
   */
  setRecording(on: boolean): void;
  close(): Promise<void>;
}

/** A request held by `SimulatorHandle.hold`. */
export interface Hold {
  readonly reached: Promise<void>;
  release(): void;
}

export interface SimStats {
  /** Every request but the control API, token calls included. */
  total: number;
  /** Requests to public routes (token endpoints). */
  public: number;
  byRoute: Record<string, number>;
  /** TCP connections opened (by any client): with keep-alive pools it stays flat under load. */
  connections: number;
}

interface CompiledRoute extends SimRoute {
  segments: string[];
}

function compile(route: SimRoute): CompiledRoute {
  return { ...route, segments: route.pattern.split('/').slice(1) };
}

function match(route: CompiledRoute, segments: string[]): Record<string, string> | null {
  if (route.segments.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const want = route.segments[i]!;
    const got = segments[i]!;
    if (want.startsWith(':')) {
      if (got === '') return null;
      params[want.slice(1)] = got;
    } else if (want !== got) return null;
  }
  return params;
}

function parseBody(contentType: string | undefined, raw: string): unknown {
  if (raw === '') return undefined;
  if (contentType?.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(raw));
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * A small, faithful-enough HTTP server for one vendor API on loopback. Vendor folders supply the
 * routes and state; this records requests, checks auth, injects faults and latency, and serves a
 * control API under `/__sim/` so tests and benchmarks in other processes can steer it.
 */
export async function startSimulator(options: SimulatorOptions): Promise<SimulatorHandle> {
  const routes = options.routes.map(compile);
  const requests: RecordedRequest[] = [];
  let faults: (Fault & { left: number })[] = [];
  /** Holds not yet released, whether or not their request has arrived. */
  let holds: (Pick<Fault, 'method' | 'route' | 'params'> & { taken: boolean; arrive(): void; released: Promise<void>; release(): void })[] = [];
  let latencyMs = options.latencyMs ?? 0;
  let recording = true;
  let counts = new Map<string, number>();
  let publicCount = 0;
  let connectionCount = 0;
  const sockets = new Set<Socket>();

  const send = (res: ServerResponse, r: SimResponse) => {
    const body = r.json === undefined ? '' : JSON.stringify(r.json);
    res.writeHead(r.status, { ...(body ? { 'content-type': 'application/json' } : {}), ...r.headers });
    res.end(body);
  };
  const error = (status: number, message: string): SimResponse => ({ status, json: options.errorBody(status, message) });

  const matches = (method: string, route: string | null, params: Record<string, string>) => (f: Pick<Fault, 'method' | 'route' | 'params'>) =>
    (!f.method || f.method === method) && (!f.route || f.route === route) && Object.entries(f.params ?? {}).every(([k, v]) => params[k] === v);

  const takeFault = (method: string, route: string | null, params: Record<string, string>): Fault | undefined => {
    const fault = faults.find(matches(method, route, params));
    if (fault && --fault.left <= 0) faults = faults.filter((f) => f !== fault);
    return fault;
  };

  /** Waits while a hold matching this request is not released (each hold takes one request). */
  const held = async (method: string, route: string | null, params: Record<string, string>) => {
    const hold = holds.find((h) => !h.taken && matches(method, route, params)(h));
    if (!hold) return;
    hold.taken = true;
    hold.arrive();
    await hold.released;
  };

  const control = async (req: IncomingMessage, res: ServerResponse, path: string, raw: string) => {
    const body = raw ? JSON.parse(raw) : {};
    if (path === '/__sim/requests' && req.method === 'GET') return send(res, { status: 200, json: requests });
    if (path === '/__sim/reset' && req.method === 'POST') {
      requests.length = 0;
      faults = [];
      return send(res, { status: 200, json: {} });
    }
    if (path === '/__sim/faults' && req.method === 'POST') {
      handle.inject(body as Fault);
      return send(res, { status: 200, json: {} });
    }
    if (path === '/__sim/latency' && req.method === 'POST') {
      latencyMs = Number((body as { ms?: number }).ms ?? 0);
      return send(res, { status: 200, json: {} });
    }
    if (path === '/__sim/stats' && req.method === 'GET') return send(res, { status: 200, json: handle.stats() });
    if (path === '/__sim/stats/reset' && req.method === 'POST') {
      handle.resetStats();
      return send(res, { status: 200, json: {} });
    }
    if (path === '/__sim/recording' && req.method === 'POST') {
      handle.setRecording((body as { enabled?: boolean }).enabled !== false);
      return send(res, { status: 200, json: {} });
    }
    return send(res, { status: 404, json: { error: 'unknown control endpoint' } });
  };

  const server: Server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://sim');
      const raw = await readBody(req);
      // The control API hands out every recorded request, secrets included: only to a client that
      // named this machine, not to a web page that rebound its own name to 127.0.0.1.
      if (url.pathname.startsWith('/__sim/')) {
        if (!LOOPBACK_HOSTS.test(req.headers.host ?? '')) return send(res, { status: 403, json: { error: 'the control API answers a loopback Host only' } });
        return await control(req, res, url.pathname, raw);
      }

      let segments: string[];
      try {
        segments = url.pathname.split('/').slice(1).map(decodeURIComponent);
      } catch {
        return send(res, error(400, 'invalid path encoding'));
      }
      let route: CompiledRoute | undefined;
      let params: Record<string, string> = {};
      for (const r of routes) {
        const m = r.method === req.method ? match(r, segments) : null;
        if (m) {
          route = r;
          params = m;
          break;
        }
      }
      const body = parseBody(req.headers['content-type'], raw);
      const counted = `${req.method ?? 'GET'} ${route?.pattern ?? '?'}`;
      counts.set(counted, (counts.get(counted) ?? 0) + 1);
      if (route?.public) publicCount++;
      if (recording) {
        const query: Record<string, string[]> = {};
        for (const [k, v] of url.searchParams) (query[k] ??= []).push(v);
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, route: route?.pattern ?? null, params, query, headers, body });
      }

      if (latencyMs > 0) await sleep(latencyMs);
      await held(req.method ?? 'GET', route?.pattern ?? null, params);
      const simReq: SimRequest = { method: req.method ?? 'GET', params, query: url.searchParams, headers: req.headers, body, rawBody: raw };
      const fault = takeFault(req.method ?? 'GET', route?.pattern ?? null, params);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.reset) {
        req.socket.destroy();
        return;
      }
      if (fault && !fault.afterApply) return respondFault(res, fault);
      if (!route) return send(res, error(404, 'Not Found'));
      if (!route.public && !options.authorize(simReq)) return send(res, error(401, 'Invalid token'));
      const response = await route.handle(simReq);
      if (fault) return respondFault(res, fault);
      send(res, response);
    } catch (err) {
      send(res, error(500, `simulator error: ${(err as Error).message}`));
    }
  });

  const respondFault = (res: ServerResponse, fault: Fault) => {
    if (fault.malformed) {
      res.writeHead(fault.status ?? 200, { 'content-type': 'application/json', ...fault.headers });
      return res.end('{"this is": not json');
    }
    const status = fault.status ?? 500;
    send(res, { status, json: fault.json ?? options.errorBody(status, 'injected failure'), headers: fault.headers });
  };

  server.on('connection', (socket) => {
    connectionCount++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const handle: SimulatorHandle = {
    name: options.name,
    url: `http://127.0.0.1:${port}`,
    requests,
    apiRequests: () => requests.filter((r) => !routes.find((x) => x.pattern === r.route)?.public),
    inject(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 });
    },
    hold(match) {
      let arrive!: () => void;
      let release!: () => void;
      const reached = new Promise<void>((r) => (arrive = r));
      const released = new Promise<void>((r) => (release = r));
      const hold = { ...match, taken: false, arrive, released, release };
      holds.push(hold);
      return {
        reached,
        release: () => {
          holds = holds.filter((h) => h !== hold);
          release();
        },
      };
    },
    clearFaults() {
      faults = [];
      for (const h of holds) h.release();
      holds = [];
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    clearRequests() {
      requests.length = 0;
    },
    stats() {
      let total = 0;
      for (const n of counts.values()) total += n;
      return { total, public: publicCount, byRoute: Object.fromEntries(counts), connections: connectionCount };
    },
    resetStats() {
      counts = new Map();
      publicCount = 0;
      connectionCount = 0;
    },
    setRecording(on) {
      recording = on;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  return handle;
}
