import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AlwaysOnSampler, BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

const EXPORT_TIMEOUT_MS = 2_000;

export interface Tracing {
  /** Absent when no endpoint is configured: callers then skip building spans at all. */
  tracer: Tracer | undefined;
  /** Flushes spans still buffered; never fails, and gives up after a few seconds (a collector that is down). */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry spans (per GraphQL operation, see operation-span.ts, and per upstream call), exported as OTLP/HTTP when an endpoint is configured;
 * otherwise no tracer (even the API's no-op tracer costs a span object and an attribute map per
 * call). The provider is not registered globally, so several gateways (tests) never share or
 * fight over it.
 */
export function createTracing(config: { otlpEndpoint: string; serviceName: string } | undefined): Tracing {
  if (!config) return { tracer: undefined, shutdown: async () => undefined };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    // Every operation is recorded, whatever a caller's traceparent says of its own sampling: the
    // default (parent-based) would let any client switch the gateway's tracing off for its requests.
    sampler: new AlwaysOnSampler(),
    spanProcessors: [
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint.replace(/\/$/, '')}/v1/traces`, timeoutMillis: EXPORT_TIMEOUT_MS }), {
        scheduledDelayMillis: 500,
        exportTimeoutMillis: EXPORT_TIMEOUT_MS,
      }),
    ],
  });
  return {
    tracer: provider.getTracer('credential-gateway'),
    // Spans are worth a short wait at shutdown, not a failed or late exit.
    shutdown: () => {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, EXPORT_TIMEOUT_MS)));
      return Promise.race([provider.shutdown().catch(() => undefined), late]).finally(() => clearTimeout(timer));
    },
  };
}
