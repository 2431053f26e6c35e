// Loaded only when OTEL_EXPORTER_OTLP_ENDPOINT is set (see telemetry.ts): nothing here is
// required, instrumented or exported otherwise.
//
// Assembled from the packages @opentelemetry/sdk-node itself wires (tracer provider, meter
// provider, OTLP/HTTP exporters, instrumentations) rather than NodeSDK: NodeSDK pulls the gRPC,
// protobuf, Prometheus and Zipkin exporters in as well (tens of MB, ~150 ms more to require at
// boot) for protocols this service never uses. The exporters speak OTLP over HTTP with JSON
// bodies, which every OpenTelemetry collector accepts.
import { diag, DiagLogLevel, metrics } from '@opentelemetry/api';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { ExpressInstrumentation, ExpressLayerType } from '@opentelemetry/instrumentation-express';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { NestInstrumentation } from '@opentelemetry/instrumentation-nestjs-core';
import { defaultResource, envDetector, detectResources, processDetector, hostDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { RedactingSpanProcessor } from './redact';
import type { TelemetrySettings } from './telemetry';

/** Kubernetes probes hit these every few seconds; tracing them would drown the real requests. */
const UNTRACED_PATHS = ['/health/live', '/health/ready'];

export interface RunningSdk {
  shutdown(): Promise<void>;
}

export function startSdk(settings: TelemetrySettings): RunningSdk {
  // SDK-internal problems (collector down, export refused) as one line on stderr, never a crash.
  diag.setLogger(
    {
      error: (message: string) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'warn', context: 'OpenTelemetry', msg: message })}\n`),
      warn: () => undefined,
      info: () => undefined,
      debug: () => undefined,
      verbose: () => undefined,
    },
    DiagLogLevel.ERROR,
  );

  // Ours first, then OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES so operators can override.
  const resource = defaultResource()
    .merge(detectResources({ detectors: [processDetector, hostDetector] }))
    .merge(resourceFromAttributes({ [ATTR_SERVICE_NAME]: settings.serviceName, [ATTR_SERVICE_VERSION]: settings.serviceVersion }))
    .merge(detectResources({ detectors: [envDetector] }));

  const tracerProvider = new NodeTracerProvider({
    resource,
    spanProcessors: [
      // First: secrets are gone before any exporter sees the span.
      new RedactingSpanProcessor(),
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${settings.endpoint}/v1/traces`, timeoutMillis: settings.exportTimeoutMs })),
    ],
  });
  // Global tracer provider, W3C trace-context propagation and the AsyncLocalStorage context manager.
  tracerProvider.register();

  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${settings.endpoint}/v1/metrics`, timeoutMillis: settings.exportTimeoutMs }),
        exportIntervalMillis: settings.metricExportIntervalMs,
        exportTimeoutMillis: Math.min(settings.exportTimeoutMs, settings.metricExportIntervalMs),
      }),
    ],
  });
  // Before any instrument is created: nestjs-otel's MetricService asks the global provider.
  metrics.setGlobalMeterProvider(meterProvider);

  // Must run before express and @nestjs/core are first required (main.ts loads ./bootstrap after this).
  const unregister = registerInstrumentations({
    tracerProvider,
    meterProvider,
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (request) => UNTRACED_PATHS.some((path) => (request.url ?? '').split('?')[0] === path),
      }),
      // Express middleware layers (body parsers, CORS…) add one span each and say nothing useful.
      new ExpressInstrumentation({ ignoreLayersType: [ExpressLayerType.MIDDLEWARE] }),
      new NestInstrumentation(),
    ],
  });

  return {
    async shutdown() {
      unregister();
      // Both flush what is buffered (last spans, final metric collection) before closing.
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown()]);
    },
  };
}
