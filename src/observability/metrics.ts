import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { BreakerState } from '../resilience/breaker.js';
import { SeriesHistogram, type Recorder } from './series-histogram.js';

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };

/**
 * The gateway's Prometheus metrics, on a registry of its own (several gateways can share a
 * process in tests). Labels are vendor, account, route templates and outcomes: never ids or
 * anything a caller sent, so no secret can reach them and cardinality stays bounded.
 */
export class Metrics {
  readonly registry = new Registry();

  /** One sample per GraphQL request, from its arrival to its answer: label sets bound once (see requestRecorder). */
  readonly requests = new SeriesHistogram(
    'graphql_request_duration_seconds',
    'GraphQL requests from arrival to answer, by operation type and outcome (ok; partial: data with errors, e.g. some accounts failed; error: the gateway or a vendor failed; refused: nothing ran, for how the client sent it or a document that does not parse, validate or fit the limits; cancelled: the client went away first).',
    ['operation_type', 'outcome'] as const,
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    this.registry,
  );

  /** One sample per upstream call: label sets bound once (see SeriesHistogram). */
  readonly upstream = new SeriesHistogram(
    'upstream_request_duration_seconds',
    'Vendor API calls (each attempt) by vendor, account, method, route template and outcome.',
    ['vendor', 'account', 'method', 'route', 'outcome'] as const,
    // Up to the default request deadline (30 s), which bounds every attempt: past the last bucket, a quantile reads as that bucket.
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15, 30],
    this.registry,
  );

  readonly retries = new Counter({
    name: 'upstream_retries_total',
    help: 'Vendor API calls repeated after a retryable failure.',
    labelNames: ['vendor', 'account'] as const,
    registers: [this.registry],
  });

  readonly retriesRefused = new Counter({
    name: 'upstream_retries_refused_total',
    help: 'Retryable vendor API failures not repeated because the account had spent its retry budget.',
    labelNames: ['vendor', 'account'] as const,
    registers: [this.registry],
  });

  readonly breaker = new Gauge({
    name: 'circuit_breaker_state',
    help: 'Per-account circuit breaker: 0 closed, 1 half-open, 2 open.',
    labelNames: ['vendor', 'account'] as const,
    registers: [this.registry],
  });

  readonly rateLimitWait = new Histogram({
    name: 'rate_limit_wait_seconds',
    help: 'Time vendor calls waited for the client-side rate limit.',
    labelNames: ['vendor', 'account'] as const,
    // A call waits up to its request's deadline (30 s by default): a large fan-out at Auth0's default budget waits that long.
    buckets: [0, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30],
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Admission state, read when scraped (see src/admission.ts). */
  watchAdmission(admission: { readonly limitNow: number; readonly waiting: number; readonly shed: number }): void {
    const registers = [this.registry];
    new Gauge({ name: 'graphql_admission_limit', help: 'GraphQL requests allowed to run at once (adaptive).', registers, collect() { this.set(admission.limitNow); } });
    new Gauge({ name: 'graphql_admission_waiting', help: 'GraphQL requests waiting to start.', registers, collect() { this.set(admission.waiting); } });
    new Counter({ name: 'graphql_admission_shed_total', help: 'GraphQL requests refused with 503: queue full or waited too long.', registers, collect() { this.reset(); this.inc(admission.shed); } });
  }

  breakerChanged(vendor: string, account: string, state: BreakerState): void {
    this.breaker.set({ vendor, account }, BREAKER_VALUE[state]);
  }
}

/** Records GraphQL request durations, each (operation type, outcome) bound once: both come from small fixed sets. */
export function requestRecorder(metrics: Metrics): (operationType: string, outcome: string, seconds: number) => void {
  const bound = new Map<string, Map<string, Recorder>>();
  return (operationType, outcome, seconds) => {
    let byOutcome = bound.get(operationType);
    if (!byOutcome) bound.set(operationType, (byOutcome = new Map()));
    let record = byOutcome.get(outcome);
    if (!record) byOutcome.set(outcome, (record = metrics.requests.bind({ operation_type: operationType, outcome })));
    record(seconds);
  };
}

/**
 * Records upstream call durations of one account, each (method, route, status) bound once: looked
 * up by the values the call already has, so a sample builds no key string and no outcome label.
 */
export function upstreamRecorder(metrics: Metrics, vendor: string, account: string): (method: string, route: string, status: number | string, seconds: number) => void {
  const bound = new Map<string, Map<string, Map<number | string, Recorder>>>();
  return (method, route, status, seconds) => {
    let byRoute = bound.get(method);
    if (!byRoute) bound.set(method, (byRoute = new Map()));
    let byStatus = byRoute.get(route);
    if (!byStatus) byRoute.set(route, (byStatus = new Map()));
    let record = byStatus.get(status);
    if (!record) byStatus.set(status, (record = metrics.upstream.bind({ vendor, account, method, route, outcome: upstreamOutcome(status) })));
    record(seconds);
  };
}

/** Outcome label of one upstream attempt. */
function upstreamOutcome(status: number | string): string {
  if (typeof status === 'string') return status === 'circuit_open' || status === 'cancelled' ? status : 'network_error';
  if (status === 429) return '429';
  return `${Math.floor(status / 100)}xx`;
}
