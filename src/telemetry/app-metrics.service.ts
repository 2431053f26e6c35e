import { Injectable, OnModuleDestroy } from '@nestjs/common';
import type { Counter, Histogram, ObservableGauge, ObservableResult } from '@opentelemetry/api';
import { MetricService } from 'nestjs-otel';
import { METRIC_ATTRS, METRICS, POLL_DURATION_BUCKETS_S } from './metrics';

export type AnalysisOutcome = 'sent' | 'completed' | 'runner_down' | 'error' | 'timeout' | 'cancelled';
export type AlertOutcome = 'delivered' | 'failed' | 'disabled' | 'muted';
export type ToolOutcome = 'ok' | 'error';

/**
 * The service's metrics, named in ./metrics.ts, created through nestjs-otel's MetricService.
 * Without OTEL_EXPORTER_OTLP_ENDPOINT the global meter provider is the API's no-op one, so every
 * call here does nothing. nestjs-otel caches instruments by name, so several instances (tests,
 * the MCP tool funnel) share the same instruments.
 */
@Injectable()
export class AppMetrics implements OnModuleDestroy {
  private readonly polls: Counter;
  private readonly points: Counter;
  private readonly pollDuration: Histogram;
  private readonly activeSessions: ObservableGauge;
  private readonly analysisRuns: Counter;
  private readonly alerts: Counter;
  private readonly toolCalls: Counter;
  private readonly callbacks: Array<(result: ObservableResult) => void> = [];

  constructor(metrics: MetricService) {
    this.polls = metrics.getCounter(METRICS.polls.name, { description: METRICS.polls.description, unit: METRICS.polls.unit });
    this.points = metrics.getCounter(METRICS.pointsIngested.name, { description: METRICS.pointsIngested.description, unit: METRICS.pointsIngested.unit });
    this.pollDuration = metrics.getHistogram(METRICS.pollDuration.name, {
      description: METRICS.pollDuration.description,
      unit: METRICS.pollDuration.unit,
      advice: { explicitBucketBoundaries: POLL_DURATION_BUCKETS_S },
    });
    this.activeSessions = metrics.getObservableGauge(METRICS.activeSessions.name, { description: METRICS.activeSessions.description, unit: METRICS.activeSessions.unit });
    this.analysisRuns = metrics.getCounter(METRICS.analysisRuns.name, { description: METRICS.analysisRuns.description, unit: METRICS.analysisRuns.unit });
    this.alerts = metrics.getCounter(METRICS.alerts.name, { description: METRICS.alerts.description, unit: METRICS.alerts.unit });
    this.toolCalls = metrics.getCounter(METRICS.toolCalls.name, { description: METRICS.toolCalls.description, unit: METRICS.toolCalls.unit });
  }

  onModuleDestroy(): void {
    for (const callback of this.callbacks.splice(0)) this.activeSessions.removeCallback(callback);
  }

  /** One finished poll: its outcome (ok or the failure kind) and how long it took. */
  pollFinished(outcome: string, durationMs: number): void {
    this.polls.add(1, { [METRIC_ATTRS.outcome]: outcome });
    this.pollDuration.record(durationMs / 1000, { [METRIC_ATTRS.outcome]: outcome });
  }

  pointsIngested(count: number): void {
    if (count > 0) this.points.add(count);
  }

  /** Reports `read()` as the active-sessions gauge at every collection. */
  observeActiveSessions(read: () => number): void {
    const callback = (result: ObservableResult) => result.observe(read());
    this.callbacks.push(callback);
    this.activeSessions.addCallback(callback);
  }

  analysisRun(outcome: AnalysisOutcome): void {
    this.analysisRuns.add(1, { [METRIC_ATTRS.outcome]: outcome });
  }

  alert(field: string, outcome: AlertOutcome): void {
    this.alerts.add(1, { [METRIC_ATTRS.field]: field, [METRIC_ATTRS.outcome]: outcome });
  }

  toolCall(tool: string, outcome: ToolOutcome): void {
    this.toolCalls.add(1, { [METRIC_ATTRS.tool]: tool, [METRIC_ATTRS.outcome]: outcome });
  }
}

let shared: AppMetrics | null = null;

/** For code outside Nest's injector (the MCP tool funnel is a plain function). Same instruments. */
export function sharedAppMetrics(): AppMetrics {
  return (shared ??= new AppMetrics(new MetricService()));
}
