import { describe, expect, it } from 'vitest';
import { answered } from '../../bench/load.js';
import { checks, type BenchResult, type Row } from '../../bench/run.js';

const load = { rps: 100, p50: 1, p99: 2, ok: 800, errors: 0, durationS: 8 };
const row = (scenario: string, extra: Partial<Row> = {}): Row => ({
  scenario,
  description: scenario,
  concurrency: 32,
  gateway: { ...load, peakRss: 100 * 1024 * 1024, cpuMsPerOp: 0.2, cpuShare: 1, upstreamConnections: 0 },
  ...extra,
});
const result = (rows: Row[], more: Partial<BenchResult> = {}): BenchResult =>
  ({ startedAt: '', machine: { node: '', cpus: 2, load: [] }, options: {} as BenchResult['options'], rows, latency: [], gatewayHwm: {}, checks: [], ...more }) as BenchResult;
const check = (r: BenchResult, prefix: string) => checks(r).find((c) => c.target.startsWith(prefix));

describe('the benchmark’s verdicts', () => {
  it('counts a GraphQL answer with errors, or a mutation that did not succeed, as failed, not as throughput', () => {
    expect(answered()('{"data":{"node":{"id":"x"}}}')).toBe(true);
    expect(answered()('{"errors":[{"message":"boom"}],"data":{"node":null}}')).toBe(false);
    expect(answered()('')).toBe(false);
    expect(answered('UpdateCredentialSuccess')('{"data":{"updateCredential":{"__typename":"UpstreamError"}}}')).toBe(false);
    expect(answered('UpdateCredentialSuccess')('{"data":{"updateCredential":{"__typename":"UpdateCredentialSuccess"}}}')).toBe(true);
  });

  it('fails the run’s validity when any measured operation failed, on either side, and names where', () => {
    expect(check(result([row('q1')]), 'Every measured operation')).toMatchObject({ pass: true, measured: 'none failed' });
    const bad = result([row('q1', { direct: { ...load, errors: 3, upstreamConnections: 0 } })]);
    expect(check(bad, 'Every measured operation')).toMatchObject({ pass: false, measured: 'q1 direct: 3' });
  });

  it('judges peak RSS by the most the gateway ever held, not only by its samples', () => {
    const r = result([row('q1')], { gatewayHwm: { main: 230 * 1024 * 1024 } });
    expect(check(r, 'Gateway RSS')).toMatchObject({ pass: false, measured: '230 MB peak' });
  });

  it('fails "none duplicated" when a side asks for tokens per operation', () => {
    const q3 = row('q3', { upstreamPerOp: 65, directUpstreamPerOp: 65 });
    const routes = { 'a GET /x': 1 };
    const r = result([q3], { upstream: { q3Gateway: routes, q3Direct: routes, q3GatewayTokenCalls: 4, q3DirectTokenCalls: 0 } });
    expect(check(r, 'Q3 upstream requests')).toMatchObject({ pass: false });
  });
});
