import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One export request as the collector received it. */
export interface OtlpRequest {
  path: string;
  contentType: string;
  /** Parsed body for JSON exports (the OTLP/HTTP JSON encoding); null for protobuf. */
  json: any;
  bytes: number;
}

/**
 * A stand-in for an OpenTelemetry collector's OTLP/HTTP receiver: POST /v1/traces, /v1/metrics
 * and /v1/logs, answered the way the collector does (200 with an empty Export*ServiceResponse in
 * the request's encoding). Records every request; anything else counts too (it should not happen).
 */
export class FakeOtlpCollector {
  readonly requests: OtlpRequest[] = [];
  private server: Server | null = null;
  private url = '';

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  get endpoint(): string {
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (!server) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  traces(): OtlpRequest[] {
    return this.requests.filter((r) => r.path === '/v1/traces');
  }

  metrics(): OtlpRequest[] {
    return this.requests.filter((r) => r.path === '/v1/metrics');
  }

  /** Every span of every JSON trace export, flattened, with its resource attributes. */
  spans(): Array<{ name: string; kind: number; attributes: Record<string, unknown>; status: { code?: number; message?: string }; resource: Record<string, unknown>; traceId: string; spanId: string; parentSpanId?: string; events: any[] }> {
    const out = [];
    for (const request of this.traces()) {
      for (const rs of request.json?.resourceSpans ?? []) {
        const resource = attributeMap(rs.resource?.attributes);
        for (const ss of rs.scopeSpans ?? []) {
          for (const span of ss.spans ?? []) {
            out.push({
              name: span.name,
              kind: span.kind,
              attributes: attributeMap(span.attributes),
              status: span.status ?? {},
              resource,
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              events: span.events ?? [],
            });
          }
        }
      }
    }
    return out;
  }

  /** Every metric data point of every JSON metric export: name, attributes, value. */
  metricPoints(): Array<{ name: string; unit: string; attributes: Record<string, unknown>; value: number; resource: Record<string, unknown> }> {
    const out = [];
    for (const request of this.metrics()) {
      for (const rm of request.json?.resourceMetrics ?? []) {
        const resource = attributeMap(rm.resource?.attributes);
        for (const sm of rm.scopeMetrics ?? []) {
          for (const metric of sm.metrics ?? []) {
            const data = metric.sum ?? metric.gauge ?? metric.histogram ?? {};
            for (const point of data.dataPoints ?? []) {
              const value = point.asInt !== undefined ? Number(point.asInt) : point.asDouble !== undefined ? Number(point.asDouble) : Number(point.count ?? 0);
              out.push({ name: metric.name, unit: metric.unit ?? '', attributes: attributeMap(point.attributes), value, resource });
            }
          }
        }
      }
    }
    return out;
  }

  private async handle(req: IncomingMessage, res: import('node:http').ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body = Buffer.concat(chunks);
    if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
    const contentType = String(req.headers['content-type'] ?? '');
    let json: unknown = null;
    if (contentType.includes('json')) {
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ code: 3, message: 'invalid JSON' }));
        return;
      }
    }
    this.requests.push({ path: (req.url ?? '').split('?')[0], contentType, json, bytes: body.length });
    if (req.method !== 'POST' || !['/v1/traces', '/v1/metrics', '/v1/logs'].includes((req.url ?? '').split('?')[0])) {
      res.writeHead(404).end();
      return;
    }
    if (contentType.includes('json')) res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    else res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
  }
}

/** OTLP JSON KeyValue list → plain object ({ stringValue } → string, { intValue } → number, …). */
export function attributeMap(list: Array<{ key: string; value: Record<string, any> }> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) out[key] = anyValue(value);
  return out;
}

function anyValue(value: Record<string, any> | undefined): unknown {
  if (!value) return undefined;
  if ('stringValue' in value) return value.stringValue;
  if ('intValue' in value) return Number(value.intValue);
  if ('doubleValue' in value) return Number(value.doubleValue);
  if ('boolValue' in value) return value.boolValue;
  if ('arrayValue' in value) return (value.arrayValue.values ?? []).map(anyValue);
  return value;
}
