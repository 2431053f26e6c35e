import { Attributes, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { INSTRUMENTATION_SCOPE } from './metrics';
import { redactTelemetryText } from './redact';

export type { Span } from '@opentelemetry/api';

export interface InSpanOptions {
  kind?: SpanKind;
  /**
   * Start a new trace. For timer-driven work: timers inherit the async context they were armed
   * in, so without this every poll of a session would join the trace of the request that
   * started tracking it, for hours.
   */
  root?: boolean;
}

/**
 * Runs `fn` inside a new active span (so HTTP calls made by `fn` become its children), marks the
 * span as an error when `fn` throws, and always ends it. With telemetry off the API's no-op tracer
 * answers: no allocation worth measuring, nothing recorded.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, options: InSpanOptions = {}): Promise<T> {
  const spanOptions = { attributes, kind: options.kind ?? SpanKind.INTERNAL, root: options.root ?? false };
  return trace.getTracer(INSTRUMENTATION_SCOPE).startActiveSpan(name, spanOptions, async (span) => {
    try {
      return await fn(span);
    } catch (error) {
      markError(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** Error status plus an exception event; the message is redacted here as well as at export. */
export function markError(span: Span, error: unknown): void {
  const message = redactTelemetryText(error instanceof Error ? error.message : String(error));
  span.recordException({ name: error instanceof Error ? error.name : 'Error', message });
  span.setStatus({ code: SpanStatusCode.ERROR, message });
}
