import { describe, expect, it } from 'vitest';
import { options, renderTable, runBench } from '../../bench/run.js';

/**
 * Keeps `npm run bench` working: the whole pipeline (simulator and gateway processes, load,
 * direct client, upstream counting, table) on a tiny scale. It asserts what the run did, never
 * how fast: speed is the benchmark's business, not CI's. It runs the build (`dist/`), as the
 * benchmark and production do: the only place CI runs the compiled gateway.
 */
describe('npm run bench (smoke)', () => {
  it('runs every measured path on a tiny scale and reports the same upstream calls as the direct client', { timeout: 120_000 }, async () => {
    const o = options(['--runtime', 'dist', '--duration', '0.5', '--warmup', '0.2', '--connections', '2', '--owners', '2', '--owners-large', '3', '--scenarios', 'typename,q1,q3,q4,reference,latency,large', '--quiet']);
    const r = await runBench(o);

    const row = (key: string) => r.rows.find((x) => x.scenario === key)!;
    for (const key of ['typename', 'q1', 'q3', 'q4']) {
      expect(row(key).gateway.ok, key).toBeGreaterThan(0);
      expect(row(key).gateway.errors, key).toBe(0);
      expect(Number.isFinite(row(key).gateway.cpuMsPerOp), key).toBe(true);
      expect(row(key).gateway.upstreamConnections, key).toBeGreaterThanOrEqual(0);
    }
    expect(row('q1')).toMatchObject({ upstreamPerOp: 1, directUpstreamPerOp: 1 });
    expect(row('q1').direct!.ok).toBeGreaterThan(0);
    expect(row('q4').upstreamPerOp).toBe(1);
    // Q3 with 2 owners per vendor: owner lists, each owner's credentials, and the vault list.
    expect(row('q3').upstreamPerOp).toBeGreaterThan(4);
    expect(r.upstream!.q3Gateway).toEqual(r.upstream!.q3Direct);
    expect(r.upstream).toMatchObject({ q3GatewayTokenCalls: 0, q3DirectTokenCalls: 0 });
    expect(r.checks.find((c) => c.target.startsWith('Q3 upstream requests'))?.pass).toBe(true);
    // Every operation counted answered correctly, and each gateway's lifetime peak was read.
    expect(r.checks.find((c) => c.target.startsWith('Every measured operation answered correctly'))).toMatchObject({ pass: true, measured: 'none failed' });
    expect(r.gatewayHwm.main).toBeGreaterThan(0);
    expect(r.gatewayHwm.large).toBeGreaterThan(0);

    // The bare reference server answered both of its runs.
    for (const run of [r.reference!.typename, r.reference!.q1]) {
      expect(run.ok).toBeGreaterThan(0);
      expect(run.errors).toBe(0);
    }

    // Q3 with upstream latency at both sizes, gateway then direct.
    expect(r.latency.map((l) => l.owners)).toEqual([2, 3]);
    for (const l of r.latency) {
      expect(l.gatewayOps).toBeGreaterThan(0);
      expect(l.directOps).toBeGreaterThan(0);
      expect(l.gatewayP50).toBeGreaterThan(l.latencyMs * 2); // two round trips: owners, then their credentials
    }

    const table = renderTable(r);
    expect(table).toContain('| Q1 one credential by id (node) |');
    expect(table).toMatch(/^(PASS|FAIL) {2}Q1 throughput ≥ 10% of direct REST/m);
    expect(table).toMatch(/^(PASS|FAIL) {2}Q3 latency flat from 2 to 3 owners/m);
    expect(table).toMatch(/^Reference, bare Yoga \+ Pothos \+ undici .* its Q1 = [\d.]+% of its \{ __typename \}/m);
  });
});
