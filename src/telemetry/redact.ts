import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { redactSecrets } from '../tracking/share-url';

/**
 * Removes every secret that can end up in a URL we call or log: LiveTrack share tokens (path
 * `/token/…`, `?token=…`, percent-encoded copies) and the Telegram bot token (`/bot<token>/…`).
 */
export function redactTelemetryText(text: string): string {
  return redactSecrets(text).replace(/(\/bot)[^/\s?#]+/gi, '$1***');
}

function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactTelemetryText(value);
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? redactTelemetryText(v) : v));
  return value;
}

function changed(before: unknown, after: unknown): boolean {
  return Array.isArray(before) ? (before as unknown[]).some((v, i) => v !== (after as unknown[])[i]) : before !== after;
}

/**
 * Redacts secrets from every span before it is exported, whatever created it: the HTTP
 * instrumentation records full URLs (url.full, http.url, http.target), and the Garmin share page
 * and the Telegram Bot API both carry their token in the URL. Runs in onEnding, while the span
 * is still writable, so no exporter ever sees the raw value.
 */
export class RedactingSpanProcessor implements SpanProcessor {
  onStart(_span: Span, _context: Context): void {}

  onEnding(span: Span): void {
    const name = redactTelemetryText(span.name);
    if (name !== span.name) span.updateName(name);
    for (const [key, value] of Object.entries(span.attributes)) {
      const clean = redactValue(value);
      if (changed(value, clean)) span.setAttribute(key, clean as string | string[]);
    }
    for (const event of span.events) {
      const attributes = event.attributes as Record<string, unknown> | undefined;
      if (!attributes) continue;
      for (const [key, value] of Object.entries(attributes)) attributes[key] = redactValue(value);
    }
    if (span.status.message) span.setStatus({ ...span.status, message: redactTelemetryText(span.status.message) });
  }

  onEnd(_span: ReadableSpan): void {}

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
