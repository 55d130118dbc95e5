/**
 * Interleaved A/B of two builds of the gateway: which of two versions costs less per operation.
 *
 * A full `npm run bench` measures one build against the direct limit; between two runs this shared
 * machine drifts by ±20%, more than most single optimisations gain. Here both builds run side by
 * side on the same simulators, pinned to the same CPU, and take turns in short runs (A B, B A, …),
 * so drift hits both alike. It reports each build's gateway CPU per operation and median p50.
 *
 *   git worktree add /tmp/base HEAD~1 && (cd /tmp/base && npm ci && npx tsc -p tsconfig.build.json)
 *   npx tsc -p tsconfig.build.json
 *   npx tsx bench/ab.ts --a /tmp/base/dist --b dist --scenario q3 --concurrency 1
 *
 * Options: --a DIR, --b DIR (compiled trees, default dist), --scenario typename|q1|q2|q3 (q3),
 * --a-scenario, --b-scenario (each side its own; e.g. typename against q1 on one build reads the
 * Q1 target's ratio with drift hitting both sides alike),
 * --concurrency N (1; 32 uses autocannon), --rounds N (8), --ms N per turn (2000), --owners N (20),
 * --a-flags=F, --b-flags=F (each gateway's Node flags, default run.ts's: to compare heap sizings),
 * --a-node=PATH, --b-node=PATH (each gateway's Node binary, default this one: to compare runtimes).
 * Besides CPU and p50 it prints each gateway's GC pause time per operation (from its /metrics) and
 * peak RSS, and the spread of the rounds' own B/A ratios, which shows how noisy the comparison was.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { autocannonRun, closedLoop, graphqlCaller, percentile, type LoadResult } from './load.js';
import { cpuOf, options, QUERIES, startGateway, startSimulators, target, type GatewayHandle } from './run.js';

/** Seconds the gateway's main thread has spent in GC pauses so far (prom-client's default metrics). */
async function gcSecondsOf(gw: GatewayHandle): Promise<number> {
  const text = await (await fetch(`${gw.origin}/metrics`)).text();
  let sum = 0;
  for (const m of text.matchAll(/^nodejs_gc_duration_seconds_sum\{[^}]*\} (\S+)$/gm)) sum += Number(m[1]);
  return sum;
}

/** The most resident memory the process has had (VmHWM), in bytes. */
const peakRssOf = (pid: number) => Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;

const { values } = parseArgs({
  options: {
    a: { type: 'string', default: 'dist' },
    b: { type: 'string', default: 'dist' },
    scenario: { type: 'string', default: 'q3' },
    'a-scenario': { type: 'string' },
    'b-scenario': { type: 'string' },
    concurrency: { type: 'string', default: '1' },
    rounds: { type: 'string', default: '8' },
    ms: { type: 'string', default: '2000' },
    owners: { type: 'string', default: '20' },
    'a-flags': { type: 'string' },
    'b-flags': { type: 'string' },
    'a-node': { type: 'string' },
    'b-node': { type: 'string' },
  },
});
// The read-only scenarios, each with its variables below; the mutations are left to bench/run.ts.
const READS = ['typename', 'q1', 'q2', 'q3'] as const;
type Scenario = (typeof READS)[number];
const isRead = (s: string): s is Scenario => (READS as readonly string[]).includes(s);
const scenarios = [values['a-scenario'] ?? values.scenario, values['b-scenario'] ?? values.scenario].map((s) => {
  if (!isRead(s)) throw new Error(`scenario ${s}: one of ${READS.join(', ')}`);
  return s;
});
const concurrency = Number(values.concurrency);
const o = options(['--runtime', 'dist', '--pin']);
const dir = mkdtempSync(join(tmpdir(), 'cgw-ab-'));
const sims = await startSimulators(Number(values.owners), o);
const builds = [values.a, values.b] as const;
const gateways: GatewayHandle[] = [];
try {
  const custom = [values['a-flags'], values['b-flags']];
  const flags = custom.map((f) => (f === undefined ? o.nodeFlags : f.split(/\s+/).filter(Boolean)));
  const nodes = [values['a-node'], values['b-node']];
  for (const [i, dist] of builds.entries()) gateways.push(await startGateway(sims.upstream, { ...o, nodeFlags: flags[i]!, node: nodes[i] ?? o.node }, dir, 'ab'[i]!, dist));
  const { fixtures, expiresBefore } = sims.upstream;
  const vars: Record<Scenario, Record<string, unknown>> = { typename: {}, q1: { id: fixtures.credential.id }, q2: { owner: fixtures.bigOwner.id }, q3: { before: expiresBefore } };
  const targets = gateways.map((g, i) => target(g, QUERIES[scenarios[i]!], vars[scenarios[i]!]));
  const callers = targets.map((t) => graphqlCaller(t, concurrency));
  const run = (i: number, ms: number): Promise<LoadResult> =>
    concurrency >= 32 ? autocannonRun(targets[i]!, concurrency, ms) : closedLoop(() => callers[i]!.call(), concurrency, ms);

  for (const i of [0, 1]) await run(i, 3000); // warm-up: JIT, pools, tokens
  const totals = [0, 1].map(() => ({ cpuS: 0, gcS: 0, ops: 0, p50s: [] as number[] }));
  /** Each round's B/A CPU per operation: their spread shows how noisy the comparison was. */
  const roundRatios: number[] = [];
  for (let round = 0; round < Number(values.rounds); round++) {
    const roundPerOp = [0, 0];
    for (const i of round % 2 ? [1, 0] : [0, 1]) {
      const pid = gateways[i]!.proc.child.pid!;
      const gcBefore = await gcSecondsOf(gateways[i]!);
      const before = cpuOf(pid);
      const r = await run(i, Number(values.ms));
      const cpuS = cpuOf(pid) - before;
      totals[i]!.cpuS += cpuS;
      totals[i]!.gcS += (await gcSecondsOf(gateways[i]!)) - gcBefore;
      totals[i]!.ops += r.ok;
      totals[i]!.p50s.push(r.p50);
      roundPerOp[i] = cpuS / r.ok;
    }
    roundRatios.push(roundPerOp[1]! / roundPerOp[0]!);
  }
  const median = (xs: number[]) => percentile(Float64Array.from(xs).sort(), 50);
  const perOp = totals.map((t) => (t.cpuS * 1000) / t.ops);
  for (const [i, t] of totals.entries()) {
    const peakRss = peakRssOf(gateways[i]!.proc.child.pid!);
    console.log(`${'AB'[i]} ${builds[i]}${custom[i] !== undefined ? ` (${flags[i]!.join(' ')})` : ''}${nodes[i] !== undefined ? ` on ${nodes[i]}` : ''}: ${scenarios[i]} at concurrency ${concurrency}: ${perOp[i]!.toFixed(3)} ms CPU per operation (GC pauses ${((t.gcS * 1000) / t.ops).toFixed(3)} ms), median p50 ${median(t.p50s).toFixed(2)} ms, ${t.ops} operations, peak RSS ${(peakRss / 1024 / 1024).toFixed(0)} MB`);
  }
  const sorted = Float64Array.from(roundRatios).sort();
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  console.log(
    `B/A CPU per operation: ${pct(perOp[1]! / perOp[0]!)} ` +
      `(per round: median ${pct(percentile(sorted, 50))}, middle half ${pct(percentile(sorted, 25))}–${pct(percentile(sorted, 75))}, ${sorted.length} rounds)`,
  );
  // Both sides ran the same turns, so their operation counts compare throughputs (a Q1 target reading).
  if (scenarios[0] !== scenarios[1]) console.log(`B/A throughput (${scenarios[1]} / ${scenarios[0]}): ${pct(totals[1]!.ops / totals[0]!.ops)}`);
  await Promise.all(callers.map((c) => c.close()));
} finally {
  await Promise.all([...gateways.map((g) => g.proc.stop()), sims.proc.stop()]);
  rmSync(dir, { recursive: true, force: true });
}
