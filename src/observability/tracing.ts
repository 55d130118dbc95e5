import { trace, type Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  tracer: Tracer;
  /** Flushes spans still buffered. */
  shutdown(): Promise<void>;
}

/**
 * OpenTelemetry spans for upstream calls, exported as OTLP/HTTP when an endpoint is configured;
 * otherwise the API's no-op tracer, which costs next to nothing per call. The provider is not
 * registered globally, so several gateways (tests) never share or fight over it.
 */
export function createTracing(config: { otlpEndpoint: string; serviceName: string } | undefined): Tracing {
  if (!config) return { tracer: trace.getTracer('credential-gateway'), shutdown: async () => undefined };
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': config.serviceName }),
    spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${config.otlpEndpoint.replace(/\/$/, '')}/v1/traces` }), { scheduledDelayMillis: 500 })],
  });
  return { tracer: provider.getTracer('credential-gateway'), shutdown: () => provider.shutdown() };
}
