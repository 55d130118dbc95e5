/**
 * `npm run bench`: the gateway against the direct REST limit, over loopback vendor simulators.
 *
 * Starts the simulators (bench/simulators.ts) and the gateway (bench/gateway.ts → src/main.ts
 * serve) as separate processes, warms up, runs bounded scenarios, prints one table with PASS/FAIL
 * lines and writes it as JSON under bench/results/. Exit code 0 unless something crashed: it is a
 * report, the targets are read from it. See bench/README.md.
 *
 * Options (flag or environment variable):
 *   --duration S        seconds per measured run (BENCH_DURATION, default 8)
 *   --warmup S          seconds of warm-up per scenario (BENCH_WARMUP, default 2)
 *   --connections N     concurrency of the throughput runs (BENCH_CONNECTIONS, default 32)
 *   --owners N          owners per vendor (BENCH_OWNERS, default 20)
 *   --owners-large N    owners per vendor of the "flat as owners grow" run (BENCH_OWNERS_LARGE, default 50)
 *   --latency MS        upstream latency of the latency runs (BENCH_LATENCY, default 20)
 *   --scenarios LIST    any of typename,q1,q2,q3,q4,q5,reference,latency,large,memory (BENCH_SCENARIOS,
 *                       default all; reference: bench/reference.ts, a bare Yoga + Pothos + undici server)
 *   --runtime R         dist (default): compile with tsc (tsconfig.build.json) and run the gateway and
 *                       simulators as plain node on dist/, as production should; tsx: run the
 *                       sources through `node --import tsx` (no build; what `npm start` does)
 *   --node-flags F      V8/Node flags of the gateway process (BENCH_NODE_FLAGS, default
 *                       DEFAULT_NODE_FLAGS below: the production flags of bench/README.md, "Memory";
 *                       "" for Node's defaults)
 *   --cpu-prof          run the gateway with --cpu-prof (profiles in bench/results/profiles/)
 *   --pin               (Linux, taskset) the gateway alone on the last CPU, the load generator and the
 *                       simulators on the others: its CPU ms/op then measure its own work rather
 *                       than its share of a contended machine (for comparing two versions)
 *   --out FILE          JSON result path (default bench/results/<timestamp>.json)
 *   --quiet             no progress lines on stderr
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, loadavg, tmpdir } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { DirectClient } from './direct.js';
import { answered, autocannonRun, closedLoop, graphqlCaller, type GraphQLTarget, type LoadResult } from './load.js';
import type { BenchUpstream } from './simulators.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The production flags: heap sizing for a container and no pretenuring (see bench/README.md, "Memory"). */
export const DEFAULT_NODE_FLAGS = '--max-semi-space-size=16 --max-old-space-size=160 --no-allocation-site-pretenuring';
const ALL_SCENARIOS = ['typename', 'q1', 'q2', 'q3', 'q4', 'q5', 'reference', 'latency', 'large', 'memory'] as const;
type Scenario = (typeof ALL_SCENARIOS)[number];

export interface BenchOptions {
  durationS: number;
  warmupS: number;
  connections: number;
  owners: number;
  ownersLarge: number;
  latencyMs: number;
  scenarios: Scenario[];
  runtime: 'dist' | 'tsx';
  nodeFlags: string[];
  /** The Node binary the gateway runs on: this one unless bench/ab.ts compares two. */
  node: string;
  cpuProf: boolean;
  pin: boolean;
  out: string | null;
  quiet: boolean;
}

export function options(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      owners: { type: 'string' },
      'owners-large': { type: 'string' },
      latency: { type: 'string' },
      scenarios: { type: 'string' },
      runtime: { type: 'string' },
      'node-flags': { type: 'string' },
      'cpu-prof': { type: 'boolean' },
      pin: { type: 'boolean' },
      out: { type: 'string' },
      quiet: { type: 'boolean' },
    },
  });
  const env = process.env;
  const num = (flag: string | undefined, name: string, fallback: number) => {
    const n = Number(flag ?? env[name] ?? fallback);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name}: not a number`);
    return n;
  };
  const list = (values.scenarios ?? env.BENCH_SCENARIOS ?? ALL_SCENARIOS.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!(ALL_SCENARIOS as readonly string[]).includes(s)) throw new Error(`unknown scenario ${s}; use ${ALL_SCENARIOS.join(',')}`);
  return {
    durationS: num(values.duration, 'BENCH_DURATION', 8),
    warmupS: num(values.warmup, 'BENCH_WARMUP', 2),
    connections: num(values.connections, 'BENCH_CONNECTIONS', 32),
    owners: num(values.owners, 'BENCH_OWNERS', 20),
    ownersLarge: num(values['owners-large'], 'BENCH_OWNERS_LARGE', 50),
    latencyMs: num(values.latency, 'BENCH_LATENCY', 20),
    scenarios: list as Scenario[],
    runtime: (() => {
      const r = values.runtime ?? env.BENCH_RUNTIME ?? 'dist';
      if (r !== 'dist' && r !== 'tsx') throw new Error('BENCH_RUNTIME: use dist or tsx');
      return r;
    })(),
    nodeFlags: (values['node-flags'] ?? env.BENCH_NODE_FLAGS ?? DEFAULT_NODE_FLAGS).split(/\s+/).filter(Boolean),
    node: process.execPath,
    cpuProf: values['cpu-prof'] ?? false,
    pin: values.pin ?? false,
    out: values.out ?? null,
    quiet: values.quiet ?? false,
  };
}

// ---------------------------------------------------------------------------------------------
// Processes

interface Proc {
  child: ChildProcess;
  stderr(): string;
  stop(): Promise<void>;
}

function spawnNode(args: string[], stdout: 'pipe' | 'ignore', node = process.execPath): Proc {
  const child = spawn(node, args, { cwd: ROOT, stdio: ['ignore', stdout, 'pipe'], env: { ...process.env, NODE_ENV: 'production' } });
  let err = '';
  child.stderr!.on('data', (d) => (err = (err + String(d)).slice(-4000)));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    child,
    stderr: () => err,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const gatewayCpu = () => String(cpus().length - 1);
/** Moves every thread of a process to the given CPUs (children started later inherit it). */
function pin(pid: number, cpuList: string): void {
  execFileSync('taskset', ['-a', '-p', '-c', cpuList, String(pid)], { stdio: 'ignore' });
}

/** How to run one of our entry points (`bench/x.ts`) in its own process. */
const entry = (o: BenchOptions, file: string, distDir = 'dist') => (o.runtime === 'dist' ? [join(distDir, file.replace(/\.ts$/, '.js'))] : ['--import', 'tsx', file]);

/** `tsc -p tsconfig.build.json`: src/ and bench/ as plain JavaScript under dist/. */
function build(): Promise<void> {
  return new Promise((resolveBuild, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d) => (out += String(d)));
    child.stderr!.on('data', (d) => (out += String(d)));
    child.once('exit', (code) => (code === 0 ? resolveBuild() : reject(new Error(`build failed:\n${out}`))));
  });
}

export async function startSimulators(owners: number, o: BenchOptions): Promise<{ proc: Proc; upstream: BenchUpstream }> {
  const proc = spawnNode([...entry(o, 'bench/simulators.ts'), '--owners', String(owners), '--per-owner', '2', '--big-owner', '50'], 'pipe');
  const line = await new Promise<string>((resolveLine, reject) => {
    let out = '';
    proc.child.stdout!.on('data', (d) => {
      out += String(d);
      const nl = out.indexOf('\n');
      if (nl >= 0) resolveLine(out.slice(0, nl));
    });
    proc.child.once('exit', (code) => reject(new Error(`simulators exited (${code}): ${proc.stderr()}`)));
  });
  return { proc, upstream: JSON.parse(line) as BenchUpstream };
}

const freePort = () =>
  new Promise<number>((resolvePort) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolvePort(port));
    });
  });

export interface GatewayHandle {
  proc: Proc;
  url: string;
  origin: string;
  apiKey: string;
}

/** Every knob the benchmark sets, and why, is in bench/README.md ("The gateway's configuration"). */
export async function startGateway(upstream: BenchUpstream, o: BenchOptions, dir: string, label: string, distDir = 'dist'): Promise<GatewayHandle> {
  const port = await freePort();
  const apiKey = `cgw_bench_${randomBytes(16).toString('hex')}`;
  const pool = Math.max(64, upstream.seed.owners + 8);
  const config = {
    listen: { host: '127.0.0.1', port },
    logLevel: 'info',
    auth: { apiKeys: [{ name: 'bench', sha256: createHash('sha256').update(apiKey).digest('hex'), scopes: ['credentials:read', 'credentials:write', 'keys:rotate'] }] },
    http: { rateLimit: false, connections: pool, concurrency: pool },
    accounts: upstream.accounts,
  };
  const file = join(dir, `gateway-${label}.json`);
  writeFileSync(file, JSON.stringify(config, null, 2));
  const profDir = join(ROOT, 'bench/results/profiles');
  if (o.cpuProf) mkdirSync(profDir, { recursive: true });
  const flags = ['--expose-gc', ...o.nodeFlags, ...(o.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', profDir] : []), ...entry(o, 'bench/gateway.ts', distDir), '--config', file];
  // Logs (one line per upstream call at info) are written, to /dev/null: pino's cost is measured, a disk's is not.
  const proc = spawnNode(flags, 'ignore', o.node);
  if (o.pin) pin(proc.child.pid!, gatewayCpu());
  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.child.exitCode !== null) throw new Error(`gateway exited: ${proc.stderr()}`);
    try {
      if ((await fetch(`${origin}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`gateway did not become ready: ${proc.stderr()}`);
    await sleep(100);
  }
  return { proc, url: `${origin}/graphql`, origin, apiKey };
}

/** bench/reference.ts on the Auth0 simulator, with the gateway's Node flags and CPU. */
export async function startReference(upstream: BenchUpstream, o: BenchOptions): Promise<{ proc: Proc; url: string }> {
  const { auth0 } = upstream.direct;
  const args = { url: auth0.url, clientId: auth0.clientId, clientSecret: auth0.clientSecret, credential: upstream.fixtures.credential };
  const proc = spawnNode([...o.nodeFlags, ...entry(o, 'bench/reference.ts'), JSON.stringify(args)], 'pipe');
  if (o.pin) pin(proc.child.pid!, gatewayCpu());
  const port = await new Promise<string>((resolvePort, reject) => {
    proc.child.stdout!.once('data', (d) => resolvePort(String(d).trim()));
    proc.child.once('exit', (code) => reject(new Error(`reference exited (${code}): ${proc.stderr()}`)));
  });
  return { proc, url: `http://127.0.0.1:${port}/graphql` };
}

// ---------------------------------------------------------------------------------------------
// Measurements beside the load

async function simControl(upstream: BenchUpstream, path: string, body?: unknown): Promise<unknown[]> {
  return Promise.all(
    upstream.sims.map(async (s) => {
      const res = await fetch(`${s.url}/__sim/${path}`, body === undefined ? {} : { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
      return res.json();
    }),
  );
}

interface Stats {
  total: number;
  public: number;
  byRoute: Record<string, number>;
  connections: number;
}

/** Each simulator's counters, by account. */
function simStats(upstream: BenchUpstream): Promise<(readonly [string, Stats])[]> {
  return Promise.all(upstream.sims.map(async (s) => [s.account, (await (await fetch(`${s.url}/__sim/stats`)).json()) as Stats] as const));
}

/**
 * Counts the TCP connections the simulators accept from a second into a run (a quarter of a short
 * one) until its end: the steady state. (The start may re-open sockets the previous run's
 * cancellations closed: when the load generator hangs up, the gateway aborts its upstream calls.)
 */
function steadyConnections(upstream: BenchUpstream, runMs: number): () => Promise<number> {
  const reset = sleep(Math.min(1000, runMs / 4)).then(() => simControl(upstream, 'stats/reset', {}));
  return async () => {
    await reset;
    return (await simStats(upstream)).reduce((sum, [, st]) => sum + st.connections, 0);
  };
}

/** Upstream API requests (token calls apart) per operation, by `account METHOD route`. */
async function upstreamPerOp(upstream: BenchUpstream, op: () => Promise<unknown>, times = 4): Promise<{ perOp: number; byRoute: Record<string, number>; tokenCalls: number }> {
  await simControl(upstream, 'stats/reset', {});
  for (let i = 0; i < times; i++) await op();
  const stats = await simStats(upstream);
  const byRoute: Record<string, number> = {};
  let total = 0;
  let tokenCalls = 0;
  for (const [account, st] of stats) {
    tokenCalls += st.public;
    for (const [route, n] of Object.entries(st.byRoute)) {
      if (/token/.test(route)) continue;
      byRoute[`${account} ${route}`] = n / times;
      total += n;
    }
  }
  return { perOp: (total - 0) / times, byRoute, tokenCalls };
}

/** Resident memory now (VmRSS), or the most the process has ever held (VmHWM), in bytes. */
function rssOf(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  return kb * 1024;
}

/** CPU seconds (user + system) a process has used so far; /proc/<pid>/stat counts clock ticks (100 Hz). */
export function cpuOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at ')'; utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Samples the gateway's RSS every 200 ms while `run` goes; returns the peak and the CPU it used. */
async function withRss<T>(gw: { proc: Proc }, run: () => Promise<T>): Promise<{ result: T; peakRss: number; cpuS: number }> {
  const cpuBefore = cpuOf(gw.proc.child.pid!);
  let peak = rssOf(gw.proc.child.pid!);
  const timer = setInterval(() => {
    try {
      peak = Math.max(peak, rssOf(gw.proc.child.pid!));
    } catch {
      // process gone; the run reports it
    }
  }, 200);
  try {
    const result = await run();
    peak = Math.max(peak, rssOf(gw.proc.child.pid!));
    return { result, peakRss: peak, cpuS: cpuOf(gw.proc.child.pid!) - cpuBefore };
  } finally {
    clearInterval(timer);
  }
}

/** Full GC in the gateway (SIGUSR2, see bench/gateway.ts), then its RSS and V8 heap in use. */
async function settledMemory(gw: GatewayHandle): Promise<{ rss: number; heapUsed: number }> {
  gw.proc.child.kill('SIGUSR2');
  await sleep(500);
  gw.proc.child.kill('SIGUSR2');
  await sleep(300);
  const text = await (await fetch(`${gw.origin}/metrics`)).text();
  const heapUsed = Number(/^nodejs_heap_size_used_bytes (\S+)/m.exec(text)?.[1] ?? NaN);
  return { rss: rssOf(gw.proc.child.pid!), heapUsed };
}

// ---------------------------------------------------------------------------------------------
// Scenarios

export const QUERIES = {
  typename: '{ __typename }',
  q1: 'query Q1($id: ID!) { node(id: $id) { __typename id ... on Credential { name kind status expiresAt } } }',
  q2: 'query Q2($owner: ID!) { credentials(filter: { owner: $owner }, first: 50) { totalCount edges { node { __typename id name kind status expiresAt } } } }',
  q3:
    'query Q3($before: DateTime!) { credentials(filter: { expiresBefore: $before }, first: 500) { totalCount ' +
    'edges { node { __typename id vendor account name status expiresAt owner { id name } } } } }',
  q4:
    'mutation Q4($id: ID!, $at: DateTime) { updateCredential(input: { id: $id, expiresAt: $at }) { __typename ' +
    '... on UpdateCredentialSuccess { credential { id expiresAt status } } ... on Error { message } } }',
  q5:
    'mutation Q5($id: ID!) { rotateConnectionKeys(input: { connectionId: $id }) { __typename ' +
    '... on RotateConnectionKeysSuccess { newKey { kid role } } ... on Error { message } } }',
};

export function target(gw: GatewayHandle, query: string, variables: Record<string, unknown> = {}): GraphQLTarget {
  return {
    url: gw.url,
    headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKey },
    body: JSON.stringify({ query, variables }),
  };
}

export interface Row {
  scenario: string;
  description: string;
  concurrency: number;
  /**
   * cpuMsPerOp: the gateway process's CPU time per operation; cpuShare: the share of one core it
   * used; upstreamConnections: TCP connections the simulators accepted in the run's steady state.
   */
  gateway: LoadResult & { peakRss: number; cpuMsPerOp: number; cpuShare: number; upstreamConnections: number };
  direct?: LoadResult & { upstreamConnections: number };
  /** gateway / direct requests per second. */
  ratio?: number;
  upstreamPerOp?: number;
  directUpstreamPerOp?: number;
}

export type ReferenceRun = LoadResult & { cpuMsPerOp: number };

export interface Check {
  target: string;
  pass: boolean;
  measured: string;
}

export interface BenchResult {
  startedAt: string;
  machine: { node: string; cpus: number; load: number[] };
  options: BenchOptions;
  rows: Row[];
  latency: {
    owners: number;
    latencyMs: number;
    gatewayP50: number;
    directP50: number;
    ratio: number;
    gatewayOps: number;
    directOps: number;
    gatewayErrors: number;
    directErrors: number;
  }[];
  q1Latency?: { gatewayP50: number; directP50: number; addedMs: number; gatewayErrors: number; directErrors: number };
  /** Q3's upstream calls per operation by route, and token requests over the same operations (0: tokens are cached). */
  upstream?: { q3Gateway: Record<string, number>; q3Direct: Record<string, number>; q3GatewayTokenCalls: number; q3DirectTokenCalls: number };
  memory?: { rssAfter: number[]; heapAfter: number[]; peakRss: number; errors: number };
  /** The most each gateway process ever held (VmHWM): no spike between samples is missed. */
  gatewayHwm: { main?: number; large?: number };
  /** bench/reference.ts under the same load: the stack with no gateway work at all. */
  reference?: { typename: ReferenceRun; q1: ReferenceRun };
  checks: Check[];
}

export async function runBench(o: BenchOptions): Promise<BenchResult> {
  const log = (msg: string) => o.quiet || process.stderr.write(`[bench] ${msg}\n`);
  const dir = mkdtempSync(join(tmpdir(), 'cgw-bench-'));
  const want = (s: Scenario) => o.scenarios.includes(s);
  const ms = (s: number) => s * 1000;
  const hwm = (g: GatewayHandle) => rssOf(g.proc.child.pid!, 'VmHWM');
  const result: BenchResult = {
    startedAt: new Date().toISOString(),
    machine: { node: process.version, cpus: cpus().length, load: loadavg() },
    options: o,
    rows: [],
    latency: [],
    gatewayHwm: {},
    checks: [],
  };
  const procs: Proc[] = [];
  if (o.pin) pin(process.pid, cpus().length > 2 ? `0-${cpus().length - 2}` : '0');
  try {
    if (o.runtime === 'dist') {
      log('build: tsc -p tsconfig.build.json');
      await build();
    }
    log(`simulators: ${o.owners} owners per vendor`);
    const { proc: simProc, upstream } = await startSimulators(o.owners, o);
    procs.push(simProc);
    const gw = await startGateway(upstream, o, dir, 'main');
    procs.push(gw.proc);
    const direct = new DirectClient(upstream, Math.max(64, o.owners + 8));
    await direct.init();
    const caller = (q: string, v?: Record<string, unknown>) => graphqlCaller(target(gw, q, v), 1);

    const fx = upstream.fixtures;
    const scenarios: {
      key: Scenario;
      description: string;
      query: string;
      vars?: Record<string, unknown>;
      direct?: () => Promise<unknown>;
      concurrency?: number;
      /**
       * Run in the closed loop (each caller sends its next operation once the last is answered)
       * instead of autocannon, whose end of run cuts off operations the gateway still completes.
       */
      closedLoop?: boolean;
      /** A mutation's success type: any other answer is an error, not throughput. */
      success?: string;
      check: (data: any) => void;
    }[] = [
      { key: 'typename', description: '{ __typename } (framework floor)', query: QUERIES.typename, check: (d) => assert(d.__typename === 'Query', 'typename') },
      { key: 'q1', description: 'Q1 one credential by id (node)', query: QUERIES.q1, vars: { id: fx.credential.id }, direct: () => direct.q1(), check: (d) => assert(d.node?.id === fx.credential.id, 'Q1 node') },
      {
        key: 'q2',
        description: 'Q2 a page of 50 credentials of one owner',
        query: QUERIES.q2,
        vars: { owner: fx.bigOwner.id },
        direct: () => direct.q2(),
        check: (d) => assert(d.credentials.edges.length === 50, 'Q2 page of 50'),
      },
      {
        key: 'q3',
        description: `Q3 inventory: 4 vendors × ${o.owners} owners, expiresBefore`,
        query: QUERIES.q3,
        vars: { before: upstream.expiresBefore },
        direct: () => direct.q3(),
        check: (d) => assert(d.credentials.totalCount > 0, 'Q3 matches'),
      },
      {
        key: 'q4',
        description: 'Q4 updateCredential (Auth0 expiresAt)',
        query: QUERIES.q4,
        vars: { id: fx.updated.id, at: new Date(Date.now() + 90 * 86_400_000).toISOString() },
        success: 'UpdateCredentialSuccess',
        check: (d) => assert(d.updateCredential.__typename === 'UpdateCredentialSuccess', `Q4 ${JSON.stringify(d)}`),
      },
      {
        key: 'q5',
        description: 'Q5 rotateConnectionKeys (Auth0; simulator mints an RSA key per call)',
        query: QUERIES.q5,
        vars: { id: fx.connection.id },
        // One at a time: the gateway refuses a rotation of a connection while another of it is in
        // flight (ChangeInProgressError), and a rotation autocannon cut off at the end of the
        // warm-up would still be in flight as the measured run starts.
        concurrency: 1,
        closedLoop: true,
        success: 'RotateConnectionKeysSuccess',
        check: (d) => assert(d.rotateConnectionKeys.__typename === 'RotateConnectionKeysSuccess', `Q5 ${JSON.stringify(d)}`),
      },
    ];

    let q3Count: number | null = null;
    for (const s of scenarios) {
      if (!want(s.key)) continue;
      const conc = s.concurrency ?? o.connections;
      const c = caller(s.query, s.vars);
      const probe = await c.call();
      s.check(probe.data);
      if (s.key === 'q3') {
        q3Count = (probe.data as any).credentials.totalCount;
        const directCount = (await direct.q3()).length;
        assert(q3Count === directCount, `Q3: gateway found ${q3Count} credentials, direct ${directCount}`);
      }
      const up = s.key === 'typename' ? null : await upstreamPerOp(upstream, () => c.call(), s.key === 'q5' ? 1 : 4);
      const upDirect = s.direct ? await upstreamPerOp(upstream, s.direct) : null;
      if (s.key === 'q3' && up && upDirect) {
        result.upstream = { q3Gateway: up.byRoute, q3Direct: upDirect.byRoute, q3GatewayTokenCalls: up.tokenCalls, q3DirectTokenCalls: upDirect.tokenCalls };
      }
      log(`${s.key}: warm-up`);
      const t = target(gw, s.query, s.vars);
      const verify = answered(s.success);
      const load = (durationMs: number) =>
        s.closedLoop
          ? closedLoop(async () => s.check((await c.call()).data), conc, durationMs)
          : autocannonRun(t, conc, durationMs, verify);
      await load(ms(o.warmupS));
      if (s.direct) await closedLoop(s.direct, conc, ms(o.warmupS));
      log(`${s.key}: gateway ×${conc}, ${o.durationS}s`);
      const steady = steadyConnections(upstream, ms(o.durationS));
      const { result: g, peakRss, cpuS } = await withRss(gw, () => load(ms(o.durationS)));
      const upstreamConnections = await steady();
      let d: Row['direct'];
      if (s.direct) {
        log(`${s.key}: direct ×${conc}, ${o.durationS}s`);
        const steadyDirect = steadyConnections(upstream, ms(o.durationS));
        d = { ...(await closedLoop(s.direct, conc, ms(o.durationS))), upstreamConnections: await steadyDirect() };
      }
      result.rows.push({
        scenario: s.key,
        description: s.description,
        concurrency: conc,
        gateway: { ...g, peakRss, cpuMsPerOp: (cpuS * 1000) / g.ok, cpuShare: cpuS / g.durationS, upstreamConnections },
        ...(d ? { direct: d, ratio: g.rps / d.rps } : {}),
        ...(up ? { upstreamPerOp: up.perOp } : {}),
        ...(upDirect ? { directUpstreamPerOp: upDirect.perOp } : {}),
      });
      if (s.key === 'q1') {
        log('q1: concurrency 1 latency, gateway and direct');
        await closedLoop(() => c.call(), 1, ms(o.warmupS));
        const gl = await closedLoop(() => c.call(), 1, ms(o.durationS));
        const dl = await closedLoop(() => direct.q1(), 1, ms(o.durationS));
        result.q1Latency = { gatewayP50: gl.p50, directP50: dl.p50, addedMs: gl.p50 - dl.p50, gatewayErrors: gl.errors, directErrors: dl.errors };
      }
      await c.close();
    }

    if (want('reference')) {
      log('reference: a bare Yoga + Pothos + undici server, { __typename } and Q1');
      const ref = await startReference(upstream, o);
      procs.push(ref.proc);
      const run = async (query: string, variables: Record<string, unknown> | undefined, check: (data: any) => void): Promise<ReferenceRun> => {
        const t = { url: ref.url, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query, variables }) };
        // A failed upstream call would still be an HTTP 200 (with `node: null`): check one answer first.
        const c = graphqlCaller(t, 1);
        check((await c.call()).data);
        await c.close();
        await autocannonRun(t, o.connections, ms(o.warmupS));
        const { result: r, cpuS } = await withRss(ref, () => autocannonRun(t, o.connections, ms(o.durationS)));
        return { ...r, cpuMsPerOp: (cpuS * 1000) / r.ok };
      };
      result.reference = {
        typename: await run(QUERIES.typename, undefined, (d) => assert(d.__typename === 'Query', 'reference typename')),
        q1: await run(QUERIES.q1, { id: fx.credential.id }, (d) => assert(d.node?.id === fx.credential.id, 'reference Q1 node')),
      };
      await ref.proc.stop();
    }

    if (want('memory')) {
      log('memory: Q3 load three times, full GC after each');
      const t = target(gw, QUERIES.q3, { before: upstream.expiresBefore });
      const rssAfter: number[] = [];
      const heapAfter: number[] = [];
      let peakRss = 0;
      let errors = 0;
      for (let i = 0; i < 3; i++) {
        const { result: load, peakRss: p } = await withRss(gw, () => autocannonRun(t, o.connections, ms(o.durationS)));
        peakRss = Math.max(peakRss, p);
        errors += load.errors;
        const m = await settledMemory(gw);
        rssAfter.push(m.rss);
        heapAfter.push(m.heapUsed);
      }
      result.memory = { rssAfter, heapAfter, peakRss, errors };
    }

    const latencyRun = async (up: BenchUpstream, g: GatewayHandle, d: DirectClient, owners: number) => {
      await simControl(up, 'latency', { ms: o.latencyMs });
      const c = graphqlCaller(target(g, QUERIES.q3, { before: up.expiresBefore }), 1);
      await closedLoop(() => c.call(), 1, ms(o.warmupS));
      await closedLoop(() => d.q3(), 1, ms(o.warmupS));
      log(`latency: Q3 at ${o.latencyMs} ms upstream, ${owners} owners, concurrency 1`);
      const gl = await closedLoop(() => c.call(), 1, ms(o.durationS));
      const dl = await closedLoop(() => d.q3(), 1, ms(o.durationS));
      await c.close();
      await simControl(up, 'latency', { ms: 0 });
      result.latency.push({
        owners,
        latencyMs: o.latencyMs,
        gatewayP50: gl.p50,
        directP50: dl.p50,
        ratio: gl.p50 / dl.p50,
        gatewayOps: gl.ok,
        directOps: dl.ok,
        gatewayErrors: gl.errors,
        directErrors: dl.errors,
      });
    };
    if (want('latency')) await latencyRun(upstream, gw, direct, o.owners);
    await direct.close();
    result.gatewayHwm.main = hwm(gw);
    await gw.proc.stop();
    await simProc.stop();

    if (want('large')) {
      log(`simulators: ${o.ownersLarge} owners per vendor`);
      const large = await startSimulators(o.ownersLarge, o);
      procs.push(large.proc);
      const gwLarge = await startGateway(large.upstream, o, dir, 'large');
      procs.push(gwLarge.proc);
      const directLarge = new DirectClient(large.upstream, Math.max(64, o.ownersLarge + 8));
      await directLarge.init();
      // The 20-owner gateway has run every scenario by now: this one gets a like history before
      // its latency is compared with that one's, or "flat" would compare a warm gateway with a cold one.
      log(`large: Q3 load ×${o.connections} first, as the main gateway had`);
      await autocannonRun(target(gwLarge, QUERIES.q3, { before: large.upstream.expiresBefore }), o.connections, ms(o.warmupS + o.durationS));
      await latencyRun(large.upstream, gwLarge, directLarge, o.ownersLarge);
      await directLarge.close();
      result.gatewayHwm.large = hwm(gwLarge);
      await gwLarge.proc.stop();
      await large.proc.stop();
    }
    result.checks = checks(result);
    return result;
  } finally {
    await Promise.all(procs.map((p) => p.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

function assert(ok: unknown, what: string): asserts ok {
  if (!ok) throw new Error(`wrong answer: ${what}`);
}

// ---------------------------------------------------------------------------------------------
// Targets (issue 7), computed from this run's figures only

const MB = 1024 * 1024;
const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function checks(r: BenchResult): Check[] {
  const out: Check[] = [];
  const row = (k: string) => r.rows.find((x) => x.scenario === k);
  const q1 = row('q1');
  const tn = row('typename');
  const q3 = row('q3');
  if (q1?.ratio !== undefined) out.push({ target: 'Q1 throughput ≥ 10% of direct REST', pass: q1.ratio >= 0.1, measured: pct(q1.ratio) });
  if (q1 && tn) {
    const x = q1.gateway.rps / tn.gateway.rps;
    out.push({ target: 'Q1 throughput ≥ 60% of { __typename }', pass: x >= 0.6, measured: pct(x) });
  }
  if (r.q1Latency) {
    out.push({ target: 'Q1 added p50 latency at concurrency 1 ≤ 1 ms', pass: r.q1Latency.addedMs <= 1, measured: `${r.q1Latency.addedMs.toFixed(2)} ms (${r.q1Latency.gatewayP50.toFixed(2)} vs ${r.q1Latency.directP50.toFixed(2)})` });
  }
  if (q3?.ratio !== undefined) out.push({ target: `Q3 throughput ≥ 50% of direct at concurrency ${q3.concurrency}`, pass: q3.ratio >= 0.5, measured: pct(q3.ratio) });
  for (const l of r.latency) {
    out.push({
      target: `Q3 p50 ≤ 1.15× direct critical path (${l.latencyMs} ms upstream, ${l.owners} owners, concurrency 1)`,
      pass: l.ratio <= 1.15,
      measured: `${l.ratio.toFixed(3)}× (${l.gatewayP50.toFixed(1)} vs ${l.directP50.toFixed(1)} ms)`,
    });
  }
  if (r.latency.length === 2) {
    const [a, b] = r.latency as [BenchResult['latency'][0], BenchResult['latency'][0]];
    // Flat: the gateway's p50 grows by no more than the direct path's, plus 2 ms.
    const growth = b.gatewayP50 - a.gatewayP50 - (b.directP50 - a.directP50);
    out.push({ target: `Q3 latency flat from ${a.owners} to ${b.owners} owners (gateway growth ≤ direct growth + 2 ms)`, pass: growth <= 2, measured: `${growth >= 0 ? '+' : ''}${growth.toFixed(1)} ms beyond direct` });
  }
  if (q3?.upstreamPerOp !== undefined && q3.directUpstreamPerOp !== undefined && r.upstream) {
    const same = JSON.stringify(sorted(r.upstream.q3Gateway)) === JSON.stringify(sorted(r.upstream.q3Direct));
    // Token requests too: none per operation on either side once tokens are cached.
    const tokens = r.upstream.q3GatewayTokenCalls + r.upstream.q3DirectTokenCalls;
    out.push({
      target: 'Q3 upstream requests exactly the direct path’s (none duplicated)',
      pass: same && tokens === 0,
      measured: `${q3.upstreamPerOp} vs ${q3.directUpstreamPerOp} per operation${same ? ', same routes' : ', routes differ'}, token requests ${r.upstream.q3GatewayTokenCalls} / ${r.upstream.q3DirectTokenCalls}`,
    });
  }
  const peak = Math.max(0, ...r.rows.map((x) => x.gateway.peakRss), r.memory?.peakRss ?? 0, r.gatewayHwm.main ?? 0, r.gatewayHwm.large ?? 0);
  if (peak > 0) out.push({ target: 'Gateway RSS under load ≤ 200 MB', pass: peak <= 200 * MB, measured: `${(peak / MB).toFixed(0)} MB peak` });
  if (r.memory) {
    const [, second, third] = r.memory.rssAfter;
    const [, h2, h3] = r.memory.heapAfter;
    // After the first run (warm caches, JIT), a further run must not leave more behind.
    const rssGrowth = (third! - second!) / MB;
    const heapGrowth = (h3! - h2!) / MB;
    out.push({
      target: 'No memory growth across repeated runs (after GC: run 3 vs run 2, heap ≤ +2 MB, RSS ≤ +10 MB)',
      pass: heapGrowth <= 2 && rssGrowth <= 10,
      measured: `heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB, RSS ${rssGrowth >= 0 ? '+' : ''}${rssGrowth.toFixed(1)} MB`,
    });
  }
  // Every figure above counts successes only: a failed or wrong answer (an HTTP 200 can carry GraphQL
  // errors) would read as fast. Any at all, on either side, and the run says so.
  const counted: [string, number][] = [
    ...r.rows.flatMap((x): [string, number][] => [
      [`${x.scenario} gateway`, x.gateway.errors],
      [`${x.scenario} direct`, x.direct?.errors ?? 0],
    ]),
    ['Q1 latency gateway', r.q1Latency?.gatewayErrors ?? 0],
    ['Q1 latency direct', r.q1Latency?.directErrors ?? 0],
    ...r.latency.flatMap((l): [string, number][] => [
      [`Q3 latency ${l.owners} owners gateway`, l.gatewayErrors],
      [`Q3 latency ${l.owners} owners direct`, l.directErrors],
    ]),
    ['memory runs', r.memory?.errors ?? 0],
    ['reference', (r.reference?.typename.errors ?? 0) + (r.reference?.q1.errors ?? 0)],
  ];
  const failed = counted.filter(([, n]) => n > 0);
  out.push({
    target: 'Every measured operation answered correctly (no errors, no wrong answers)',
    pass: failed.length === 0,
    measured: failed.length === 0 ? 'none failed' : failed.map(([what, n]) => `${what}: ${n}`).join(', '),
  });
  return out;
}

const o20 = (r: BenchResult) => r.options.owners;
const sorted = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));

// ---------------------------------------------------------------------------------------------
// Report

export function renderTable(r: BenchResult): string {
  const f0 = (n: number) => (Number.isFinite(n) ? n.toFixed(0) : '–');
  const f1 = (n: number) => (Number.isFinite(n) ? n.toFixed(1) : '–');
  const lines: string[] = [];
  lines.push(
    `credential-gateway benchmark — ${r.startedAt} — node ${r.machine.node}, ${r.machine.cpus} CPUs, load ${r.machine.load.map((x) => x.toFixed(2)).join(' ')}`,
  );
  lines.push(`${r.options.owners} owners per vendor, ${r.options.durationS}s per run, upstream latency 0 ms unless stated; gateway: ${r.options.runtime}, node ${r.options.nodeFlags.join(' ') || '(default flags)'}${r.options.pin ? ', pinned to its own CPU' : ''}`);
  lines.push('');
  lines.push('| scenario | conc. | gateway req/s | p50 ms | p99 ms | direct req/s | direct p50 | gateway/direct | upstream req/op (gw / direct) | gateway CPU ms/op (core) | gateway RSS MB | failed (gw / direct) |');
  lines.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
  for (const x of r.rows) {
    lines.push(
      `| ${x.description} | ${x.concurrency} | ${f0(x.gateway.rps)} | ${f1(x.gateway.p50)} | ${f1(x.gateway.p99)} | ${x.direct ? f0(x.direct.rps) : '–'} | ${x.direct ? f1(x.direct.p50) : '–'} | ${x.ratio !== undefined ? pct(x.ratio) : '–'} | ${x.upstreamPerOp ?? '–'}${x.directUpstreamPerOp !== undefined ? ` / ${x.directUpstreamPerOp}` : ''} | ${x.gateway.cpuMsPerOp.toFixed(3)} (${pct(x.gateway.cpuShare)}) | ${f0(x.gateway.peakRss / MB)} | ${x.gateway.errors}${x.direct ? ` / ${x.direct.errors}` : ''} |`,
    );
  }
  lines.push('');
  const conns = (x: Row) => `${x.scenario} ${x.gateway.upstreamConnections}${x.direct ? ` (direct ${x.direct.upstreamConnections})` : ''}`;
  lines.push(`Upstream connections opened in each measured run's steady state (keep-alive pools: ~0): ${r.rows.map(conns).join(', ')}`);
  if (r.q1Latency) {
    lines.push(`Q1 at concurrency 1: gateway p50 ${r.q1Latency.gatewayP50.toFixed(2)} ms, direct p50 ${r.q1Latency.directP50.toFixed(2)} ms, added ${r.q1Latency.addedMs.toFixed(2)} ms`);
  }
  if (r.reference) {
    const { typename: rt, q1: rq } = r.reference;
    const gq = r.rows.find((x) => x.scenario === 'q1');
    const gt = r.rows.find((x) => x.scenario === 'typename');
    const vs = (g: Row | undefined, ref: ReferenceRun) => (g ? ` (the gateway: ${pct(g.gateway.rps / ref.rps)} of it)` : '');
    lines.push(
      `Reference, bare Yoga + Pothos + undici (bench/reference.ts): { __typename } ${f0(rt.rps)} req/s, ${rt.cpuMsPerOp.toFixed(3)} ms/op${vs(gt, rt)}; ` +
        `Q1 ${f0(rq.rps)} req/s, ${rq.cpuMsPerOp.toFixed(3)} ms/op${vs(gq, rq)}; its Q1 = ${pct(rq.rps / rt.rps)} of its { __typename }, ` +
        `Q1 costs ${(rq.cpuMsPerOp - rt.cpuMsPerOp).toFixed(3)} ms more${gq && gt ? ` (the gateway: ${(gq.gateway.cpuMsPerOp - gt.gateway.cpuMsPerOp).toFixed(3)})` : ''}`,
    );
  }
  for (const l of r.latency) {
    lines.push(`Q3 at ${l.latencyMs} ms upstream latency, ${l.owners} owners, concurrency 1: gateway p50 ${l.gatewayP50.toFixed(1)} ms, direct p50 ${l.directP50.toFixed(1)} ms → ${l.ratio.toFixed(3)}×`);
  }
  if (r.gatewayHwm.main !== undefined || r.gatewayHwm.large !== undefined) {
    const mb = (b: number | undefined) => (b === undefined ? '–' : `${f0(b / MB)} MB`);
    lines.push(`Gateway peak RSS over its whole life (VmHWM): ${o20(r)} owners ${mb(r.gatewayHwm.main)}, ${r.options.ownersLarge} owners ${mb(r.gatewayHwm.large)}`);
  }
  if (r.memory) {
    lines.push(
      `Memory after Q3 runs 1-3 and full GC: RSS ${r.memory.rssAfter.map((b) => f0(b / MB)).join(' / ')} MB, heap ${r.memory.heapAfter.map((b) => f1(b / MB)).join(' / ')} MB`,
    );
  }
  lines.push('');
  for (const c of r.checks) lines.push(`${c.pass ? 'PASS' : 'FAIL'}  ${c.target}: ${c.measured}`);
  return lines.join('\n');
}

const isMain = process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const o = options(process.argv.slice(2));
  runBench(o)
    .then((r) => {
      const table = renderTable(r);
      process.stdout.write(`${table}\n`);
      const out = o.out ?? join(ROOT, 'bench/results', `${r.startedAt.replace(/[:.]/g, '-')}.json`);
      mkdirSync(dirname(out), { recursive: true });
      writeFileSync(out, `${JSON.stringify({ ...r, table }, null, 2)}\n`);
      process.stdout.write(`\nwritten: ${out}\n`);
    })
    .catch((err: unknown) => {
      process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
}
