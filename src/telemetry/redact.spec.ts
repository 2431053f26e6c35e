import { SpanStatusCode } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-node';
import { RedactingSpanProcessor, redactTelemetryText } from './redact';

const SHARE_TOKEN = 'ABCDEF0123456789ABCDEF0123456789';
const BOT = '123456:AAE-secret_bot';

describe('redactTelemetryText', () => {
  it('removes LiveTrack share tokens in paths, queries and percent-encoded copies', () => {
    expect(redactTelemetryText(`https://livetrack.garmin.com/session/s1/token/${SHARE_TOKEN}`)).toBe('https://livetrack.garmin.com/session/s1/token/***');
    expect(redactTelemetryText(`/api/sessions/s1?token=${SHARE_TOKEN}&begin=x`)).toBe('/api/sessions/s1?token=***&begin=x');
    expect(redactTelemetryText(`u=%2Ftoken%2F${SHARE_TOKEN}`)).not.toContain(SHARE_TOKEN);
  });

  it('removes the Telegram bot token from Bot API URLs', () => {
    expect(redactTelemetryText(`https://api.telegram.org/bot${BOT}/sendMessage`)).toBe('https://api.telegram.org/bot***/sendMessage');
  });

  it('leaves other text alone', () => {
    expect(redactTelemetryText('GET /sessions/s1/points?minutes=10')).toBe('GET /sessions/s1/points?minutes=10');
  });
});

describe('RedactingSpanProcessor', () => {
  it('redacts attributes, array attributes, event attributes, status and name before export', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new RedactingSpanProcessor(), new SimpleSpanProcessor(exporter)] });
    const span = provider.getTracer('t').startSpan(`GET /session/s1/token/${SHARE_TOKEN}`, {
      attributes: {
        'url.full': `https://livetrack.garmin.com/session/s1/token/${SHARE_TOKEN}`,
        'http.target': `/api/sessions/s1?token=${SHARE_TOKEN}`,
        'http.url': `https://api.telegram.org/bot${BOT}/sendMessage`,
        list: [`x?token=${SHARE_TOKEN}`, 'plain'],
        count: 3,
      },
    });
    span.recordException({ name: 'Error', message: `cannot reach /bot${BOT}/sendMessage` });
    span.setStatus({ code: SpanStatusCode.ERROR, message: `failed ?token=${SHARE_TOKEN}` });
    span.end();
    await provider.forceFlush();

    const [exported] = exporter.getFinishedSpans();
    const text = JSON.stringify({ name: exported.name, attributes: exported.attributes, events: exported.events, status: exported.status });
    expect(text).not.toContain(SHARE_TOKEN);
    expect(text).not.toContain(BOT);
    expect(exported.attributes['url.full']).toBe('https://livetrack.garmin.com/session/s1/token/***');
    expect(exported.attributes.list).toEqual(['x?token=***', 'plain']);
    expect(exported.attributes.count).toBe(3);
    expect(exported.status).toEqual({ code: SpanStatusCode.ERROR, message: 'failed ?token=***' });
    await provider.shutdown();
  });
});
