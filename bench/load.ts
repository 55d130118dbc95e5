/**
 * Load drivers. Gateway throughput runs under autocannon (HTTP, `connections` in flight). Work that
 * is not one HTTP request — the direct client's fan-out — and every concurrency-1 latency figure
 * (autocannon's histogram has 1 ms resolution, too coarse for "≤ 1 ms added") run in a closed
 * loop here, timed with hrtime: `concurrency` workers, each starting its next operation when the
 * last one finished, for `durationMs`.
 */
import autocannon from 'autocannon';
import { Pool } from 'undici';

export interface LoadResult {
  /** Completed operations per second. */
  rps: number;
  /** Latency percentiles in ms. */
  p50: number;
  p99: number;
  ok: number;
  errors: number;
  durationS: number;
}

/** The p-th percentile of an ascending array (NaN when empty). */
export const percentile = (sorted: Float64Array, p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! : NaN);

/** `concurrency` workers run `op` back to back for `durationMs`. */
export async function closedLoop(op: () => Promise<unknown>, concurrency: number, durationMs: number): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  let firstError: unknown;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        const t0 = performance.now();
        try {
          await op();
          latencies.push(performance.now() - t0);
        } catch (err) {
          errors++;
          firstError ??= err;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  if (errors && !latencies.length) throw new Error(`every operation failed: ${String((firstError as Error)?.message ?? firstError)}`);
  const sorted = Float64Array.from(latencies).sort();
  return { rps: latencies.length / elapsed, p50: percentile(sorted, 50), p99: percentile(sorted, 99), ok: latencies.length, errors, durationS: elapsed };
}

export interface GraphQLTarget {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/**
 * A GraphQL answer that is a success: no `errors`, and for a mutation its success type. A string
 * search, not a parse: the load generator must stay cheap next to the process it measures.
 */
export const answered =
  (successType?: string) =>
  (raw: string | Buffer | undefined): boolean => {
    const body = String(raw ?? '');
    return body.length > 0 && !body.includes('"errors":') && (successType === undefined || body.includes(`"${successType}"`));
  };

/**
 * Gateway throughput under autocannon. Non-2xx answers, socket errors and answers `verify` refuses
 * (an HTTP 200 can carry GraphQL errors) count as errors, not as throughput.
 */
export async function autocannonRun(target: GraphQLTarget, connections: number, durationMs: number, verify = answered()): Promise<LoadResult> {
  const result = await autocannon({
    verifyBody: verify,
    url: target.url,
    method: 'POST',
    headers: target.headers,
    body: target.body,
    connections,
    pipelining: 1,
    // Fractions of a second too: both sides of a ratio run exactly as long.
    duration: durationMs / 1000,
  });
  const ok = result['2xx'] - result.mismatches;
  return {
    rps: ok / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    errors: result.non2xx + result.errors + result.timeouts + result.mismatches,
    durationS: result.duration,
  };
}

/** One GraphQL POST over a keep-alive pool, answer checked: what the concurrency-1 loops time. */
export function graphqlCaller(target: GraphQLTarget, connections: number) {
  const url = new URL(target.url);
  const pool = new Pool(url.origin, { connections, pipelining: 1 });
  return {
    async call(): Promise<{ data?: unknown; errors?: unknown[] }> {
      const res = await pool.request({ method: 'POST', path: url.pathname, headers: target.headers, body: target.body });
      const json = (await res.body.json()) as { data?: unknown; errors?: unknown[] };
      if (res.statusCode !== 200 || json.errors?.length) throw new Error(`HTTP ${res.statusCode}: ${JSON.stringify(json.errors ?? json).slice(0, 300)}`);
      return json;
    },
    close: () => pool.close(),
  };
}
