import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SpanStatusCode } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Subscription } from 'rxjs';
import { NotFoundError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { TrackStore } from '../storage/track-store.service';
import { AnalysisOutcome, AppMetrics } from '../telemetry/app-metrics.service';
import { ATTRS, SPANS } from '../telemetry/metrics';
import { inSpan, Span } from '../telemetry/tracing';
import { resolveRaceConfig } from '../tracking/race-config';
import { TrackingEvents } from '../tracking/tracking-events';
import { ClaudeRunnerClient } from './claude-runner.client';
import { buildAnalysisPrompt } from './prompt';
import { MetricsService, physiologyOf } from '../metrics/metrics.service';
import { StatusExtras } from '../tracking/status-extras';

/** One analysis of a session at a time: the one running and, at most, one asked for meanwhile. */
interface RunSlot {
  jobId: string;
  done: Promise<void>;
  /** Job id of a manual trigger that arrived during this run; it runs right after. */
  pending: string | null;
}

function timerName(sessionId: string): string {
  return `analysis:${sessionId}`;
}

/**
 * Periodic and on-demand analysis: builds the prompt from the session's last window and hands it
 * to the Claude runner. Each active session has one named timeout in SchedulerRegistry, re-armed
 * only after its run ends, so runs of a session never overlap and a slow or dead runner never
 * touches polling. Outcomes are counted on the session (analysis runs, errors, last result).
 */
@Injectable()
export class AnalysisService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AnalysisService.name);
  private readonly runs = new Map<string, RunSlot>();
  /** Sessions with an analysis schedule, and its interval once read from race_config. */
  private readonly scheduled = new Map<string, number | null>();
  private subscription: Subscription | null = null;
  private shuttingDown = false;

  constructor(
    private readonly store: TrackStore,
    private readonly events: TrackingEvents,
    private readonly scheduler: SchedulerRegistry,
    private readonly runner: ClaudeRunnerClient,
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: AppMetrics,
    private readonly coaching: MetricsService,
    private readonly extras: StatusExtras,
  ) {}

  /** Before the tracker's onApplicationBootstrap, which emits 'resumed' for sessions already active. */
  onModuleInit(): void {
    this.subscription = this.events.lifecycle.subscribe((event) => {
      if (event.kind === 'stopped') this.unschedule(event.sessionId);
      else this.schedule(event.sessionId);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.subscription?.unsubscribe();
    for (const sessionId of [...this.scheduled.keys()]) this.unschedule(sessionId);
    this.runner.cancelAll();
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
  }

  /** Starts an analysis of a session now, in the background; answers at once with its job id. */
  async trigger(sessionId: string): Promise<{ job_id: string; session_id: string }> {
    const session = await this.store.findSession(sessionId);
    if (!session) throw new NotFoundError(`no session ${sessionId}: list sessions with GET /sessions`);
    const running = this.runs.get(sessionId);
    if (running) {
      // Never two runs of one session at once: queue one more right after (shared by all asking now).
      running.pending ??= randomUUID();
      return { job_id: running.pending, session_id: sessionId };
    }
    const jobId = randomUUID();
    this.startRun(sessionId, jobId, 'manual');
    return { job_id: jobId, session_id: sessionId };
  }

  private schedule(sessionId: string): void {
    if (this.scheduled.has(sessionId) || this.shuttingDown) return;
    this.scheduled.set(sessionId, null);
    void this.store
      .findSession(sessionId)
      .then((session) => {
        if (!session || !this.scheduled.has(sessionId)) return; // stopped meanwhile
        this.scheduled.set(sessionId, resolveRaceConfig(session.raceConfig).analyze_interval_secs * 1000);
        this.arm(sessionId);
      })
      .catch((error) => this.logger.error({ msg: `cannot schedule analysis: ${(error as Error).message}`, sessionId }));
  }

  private unschedule(sessionId: string): void {
    this.scheduled.delete(sessionId);
    this.clearTimer(sessionId);
  }

  private arm(sessionId: string): void {
    this.clearTimer(sessionId);
    const intervalMs = this.scheduled.get(sessionId);
    if (!intervalMs || this.shuttingDown) return;
    const handle = setTimeout(() => void this.tick(sessionId), intervalMs);
    this.scheduler.addTimeout(timerName(sessionId), handle);
  }

  private clearTimer(sessionId: string): void {
    const name = timerName(sessionId);
    if (this.scheduler.doesExist('timeout', name)) this.scheduler.deleteTimeout(name);
  }

  private async tick(sessionId: string): Promise<void> {
    // A manual run in flight stands in for this cycle.
    if (!this.runs.has(sessionId)) await this.startRun(sessionId, randomUUID(), 'schedule').done;
    if (this.scheduled.has(sessionId)) this.arm(sessionId);
  }

  private startRun(sessionId: string, jobId: string, origin: 'schedule' | 'manual'): RunSlot {
    const slot: RunSlot = { jobId, pending: null, done: Promise.resolve() };
    this.runs.set(sessionId, slot);
    slot.done = this.analyze(sessionId, jobId, origin).finally(() => {
      this.runs.delete(sessionId);
      if (slot.pending && !this.shuttingDown) this.startRun(sessionId, slot.pending, 'manual');
    });
    return slot;
  }

  /** One analysis; never throws (failures are counted on the session and logged). */
  private analyze(sessionId: string, jobId: string, origin: 'schedule' | 'manual'): Promise<void> {
    const attributes = { [ATTRS.sessionId]: sessionId, [ATTRS.analysisOrigin]: origin };
    // A scheduled cycle starts its own trace; a manual one belongs to the request that asked for it.
    return inSpan(SPANS.analysis, attributes, (span) => this.analyzeInSpan(sessionId, jobId, origin, span), { root: origin === 'schedule' });
  }

  private async analyzeInSpan(sessionId: string, jobId: string, origin: 'schedule' | 'manual', span: Span): Promise<void> {
    let result: string;
    let detail: string;
    try {
      const prompt = await this.buildPrompt(sessionId);
      if (prompt === null) return; // session deleted
      const outcome = await this.runner.run(prompt);
      if (outcome.result === 'cancelled') return this.metrics.analysisRun('cancelled');
      result = outcome.result;
      detail = outcome.detail;
    } catch (error) {
      result = 'error';
      detail = (error as Error).message;
    }
    span.setAttribute(ATTRS.outcome, result);
    if (result !== 'sent') span.setStatus({ code: SpanStatusCode.ERROR, message: detail });
    this.metrics.analysisRun(result as AnalysisOutcome);
    const log = { msg: `analysis ${result}: ${detail}`, sessionId, job_id: jobId, origin };
    if (result === 'sent') this.logger.log(log);
    else this.logger.warn(log);
    try {
      await this.store.incrementSession(
        sessionId,
        { analysisRuns: 1, analysisErrors: result === 'sent' ? 0 : 1 },
        { lastAnalysisAt: Date.now(), lastAnalysisResult: result },
      );
    } catch (error) {
      this.logger.error({ msg: `cannot record analysis outcome: ${(error as Error).message}`, sessionId, job_id: jobId });
    }
  }

  private async buildPrompt(sessionId: string): Promise<string | null> {
    const session = await this.store.findSession(sessionId);
    if (!session) return null;
    const config = resolveRaceConfig(session.raceConfig);
    const windowMs = config.analyze_window_min * 60_000;
    // Anchored at the newest point, so a silent watch still shows its last data (and how old it is).
    const now = Date.now();
    const anchor = session.lastPointAt ?? now;
    const [current, previous, first] = await Promise.all([
      this.store.findWindow(sessionId, anchor - windowMs, anchor),
      this.store.findWindow(sessionId, anchor - 2 * windowMs, anchor - windowMs - 1),
      this.store.findWindow(sessionId, 0, anchor, 1),
    ]);
    return buildAnalysisPrompt({
      session: {
        id: session.id,
        raceName: config.race_name ?? session.sessionName,
        raceType: config.race_type,
        athlete: session.athlete,
        thresholdsUpdatedAt: session.thresholdsUpdatedAt,
        thresholdsUpdatedBy: session.thresholdsUpdatedBy,
      },
      windowMin: config.analyze_window_min,
      current,
      previous,
      firstPoint: first[0] ?? null,
      thresholds: session.thresholds,
      baseUrl: this.baseUrl(),
      mcpPath: this.config.mcpPath,
      authRequired: this.config.apiKey !== null,
      now,
      metrics: await this.raceMetrics(sessionId, session.raceConfig),
      course: await this.extras.courseOf(sessionId).catch(() => null),
    });
  }

  /** Metrics never block an analysis: on failure the prompt goes without them. */
  private async raceMetrics(sessionId: string, raceConfig: Record<string, unknown>) {
    const physiology = physiologyOf(raceConfig);
    try {
      return { snapshot: await this.coaching.snapshot(sessionId, physiology), physiology };
    } catch (error) {
      this.logger.warn({ msg: `metrics unavailable for the prompt: ${(error as Error).message}`, sessionId });
      return null;
    }
  }

  /** Where Claude reaches this service: the configured host (loopback for a wildcard bind) and the port actually listened on. */
  private baseUrl(): string {
    const wildcard = ['0.0.0.0', '::', '[::]'].includes(this.config.host);
    const host = wildcard ? '127.0.0.1' : this.config.host.includes(':') && !this.config.host.startsWith('[') ? `[${this.config.host}]` : this.config.host;
    const address = this.adapterHost.httpAdapter?.getHttpServer()?.address() as AddressInfo | string | null | undefined;
    const port = address && typeof address === 'object' ? address.port : this.config.port;
    return `http://${host}:${port}`;
  }
}
