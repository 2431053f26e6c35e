import { metrics } from '@opentelemetry/api';
import { AggregationTemporality, DataPointType, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { MetricService } from 'nestjs-otel';
import { AppMetrics } from './app-metrics.service';
import { METRICS } from './metrics';

describe('AppMetrics', () => {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });

  // nestjs-otel asks the global provider when an instrument is first created (and caches it).
  beforeAll(() => metrics.setGlobalMeterProvider(provider));
  afterAll(async () => {
    await provider.shutdown();
    metrics.disable();
  });

  async function collected(): Promise<Map<string, Array<{ attributes: Record<string, unknown>; value: unknown }>>> {
    await reader.forceFlush();
    const byName = new Map<string, Array<{ attributes: Record<string, unknown>; value: unknown }>>();
    for (const rm of exporter.getMetrics().slice(-1)) {
      for (const sm of rm.scopeMetrics) {
        for (const m of sm.metrics) {
          byName.set(m.descriptor.name, m.dataPoints.map((p) => ({ attributes: p.attributes, value: m.dataPointType === DataPointType.HISTOGRAM ? (p.value as { count: number }).count : p.value })));
        }
      }
    }
    return byName;
  }

  it('records every instrument under the names of metrics.ts', async () => {
    const app = new AppMetrics(new MetricService());
    let active = 2;
    const read = jest.fn(() => active);
    app.observeActiveSessions(read);
    app.pollFinished('ok', 120);
    app.pollFinished('ok', 80);
    app.pollFinished('rate_limited', 30);
    app.pointsIngested(25);
    app.pointsIngested(0);
    app.analysisRun('sent');
    app.alert('hr_max', 'delivered');
    app.toolCall('get_tracking_status', 'ok');
    app.toolCall('get_tracking_status', 'error');

    const m = await collected();
    expect(m.get(METRICS.polls.name)).toEqual(
      expect.arrayContaining([{ attributes: { outcome: 'ok' }, value: 2 }, { attributes: { outcome: 'rate_limited' }, value: 1 }]),
    );
    expect(m.get(METRICS.pointsIngested.name)).toEqual([{ attributes: {}, value: 25 }]);
    expect(m.get(METRICS.pollDuration.name)).toEqual(expect.arrayContaining([{ attributes: { outcome: 'ok' }, value: 2 }]));
    expect(m.get(METRICS.activeSessions.name)).toEqual([{ attributes: {}, value: 2 }]);
    expect(m.get(METRICS.analysisRuns.name)).toEqual([{ attributes: { outcome: 'sent' }, value: 1 }]);
    expect(m.get(METRICS.alerts.name)).toEqual([{ attributes: { field: 'hr_max', outcome: 'delivered' }, value: 1 }]);
    expect(m.get(METRICS.toolCalls.name)).toEqual(
      expect.arrayContaining([{ attributes: { tool: 'get_tracking_status', outcome: 'ok' }, value: 1 }, { attributes: { tool: 'get_tracking_status', outcome: 'error' }, value: 1 }]),
    );

    // The gauge follows the callback; after module destroy the callback is no longer called.
    active = 1;
    expect((await collected()).get(METRICS.activeSessions.name)).toEqual([{ attributes: {}, value: 1 }]);
    app.onModuleDestroy();
    const calls = read.mock.calls.length;
    await collected();
    expect(read.mock.calls.length).toBe(calls);
  });

  it('records the poll duration in seconds', async () => {
    const app = new AppMetrics(new MetricService());
    app.pollFinished('server', 2500);
    await reader.forceFlush();
    const last = exporter.getMetrics().at(-1)!;
    const histogram = last.scopeMetrics.flatMap((s) => s.metrics).find((x) => x.descriptor.name === METRICS.pollDuration.name)!;
    expect(histogram.descriptor.unit).toBe('s');
    const point = histogram.dataPoints.find((p) => p.attributes.outcome === 'server')!;
    expect((point.value as { sum: number }).sum).toBeCloseTo(2.5);
  });
});
