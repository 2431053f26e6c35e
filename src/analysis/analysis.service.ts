import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import { SpanStatusCode } from '@opentelemetry/api';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Subscription } from 'rxjs';
import { AthletesService } from '../athletes/athletes.service';
import { ConflictError, NotFoundError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { TrackStore } from '../storage/track-store.service';
import { AppMetrics } from '../telemetry/app-metrics.service';
import { ATTRS, SPANS } from '../telemetry/metrics';
import { inSpan, Span } from '../telemetry/tracing';
import { resolveRaceConfig } from '../tracking/race-config';
import { TrackingEvents } from '../tracking/tracking-events';
import { AnalysisEntity } from '../storage/analysis.entity';
import { AnalysisPage, AnalysisStore } from '../storage/analysis-store.service';
import { StateStore } from '../storage/state-store.service';
import { redactSecrets } from '../tracking/share-url';
import { AnalysisBackend, CycleResult, emptyResult } from './backends/analysis-backend';
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

type Origin = 'schedule' | 'manual';

function timerName(sessionId: string): string {
  return `analysis:${sessionId}`;
}

/**
 * Periodic and on-demand analysis: builds the prompt from the session's last window and hands it
 * to the configured backend (claude-runner, anthropic; `off` schedules nothing). Each active
 * session has one named timeout in SchedulerRegistry, re-armed only after its run ends, so runs of
 * a session never overlap and a slow or dead backend never touches polling. Every cycle is bounded
 * by ANALYSIS_TIMEOUT_S, refused past the race's token budget, stored in the history and counted
 * on the session (analysis runs, errors, last result).
 */
@Injectable()
export class AnalysisService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AnalysisService.name);
  private readonly runs = new Map<string, RunSlot>();
  /** Sessions with an analysis schedule, and its interval once read from race_config. */
  private readonly scheduled = new Map<string, number | null>();
  private subscription: Subscription | null = null;
  private shuttingDown = false;
  /** Aborted at shutdown: cuts every backend request in flight short. */
  private readonly closing = new AbortController();

  constructor(
    private readonly store: TrackStore,
    private readonly events: TrackingEvents,
    private readonly scheduler: SchedulerRegistry,
    private readonly backend: AnalysisBackend,
    private readonly history: AnalysisStore,
    private readonly claims: StateStore,
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly metrics: AppMetrics,
    private readonly coaching: MetricsService,
    private readonly extras: StatusExtras,
    private readonly athletes: AthletesService,
  ) {}

  /** Before the tracker's onApplicationBootstrap, which emits 'resumed' for sessions already active. */
  onModuleInit(): void {
    this.subscription = this.events.lifecycle.subscribe((event) => {
      if (event.kind === 'stopped' || event.kind === 'released') this.unschedule(event.sessionId);
      else this.schedule(event.sessionId);
    });
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.shuttingDown = true;
    this.subscription?.unsubscribe();
    for (const sessionId of [...this.scheduled.keys()]) this.unschedule(sessionId);
    this.closing.abort();
    await Promise.allSettled([...this.runs.values()].map((r) => r.done));
  }

  /** Starts an analysis of a session now, in the background; answers at once with its job id. */
  async trigger(sessionId: string): Promise<{ job_id: string; session_id: string }> {
    const session = await this.store.findSession(sessionId);
    if (!session) throw new NotFoundError(`no session ${sessionId}: list sessions with GET /sessions`);
    if (this.backend.name === 'off') {
      throw new ConflictError('analysis is off on this server (ANALYSIS_BACKEND=off): set ANALYSIS_BACKEND to anthropic or claude-runner to analyse races');
    }
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
    // With analysis off no timer exists at all, so nothing can leave the server.
    if (this.scheduled.has(sessionId) || this.shuttingDown || this.backend.name === 'off') return;
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
    // A manual run in flight stands in for this cycle; so does one another replica ran in this
    // cycle (around a takeover both may hold a timer for the race).
    if (!this.runs.has(sessionId) && (await this.claimCycle(sessionId))) await this.startRun(sessionId, randomUUID(), 'schedule').done;
    if (this.scheduled.has(sessionId)) this.arm(sessionId);
  }

  /**
   * One scheduled cycle per race per interval across replicas: the cycle's claim is a lease in the
   * database for most of the interval. Renewed by the same replica every tick, so alone it always wins.
   */
  private async claimCycle(sessionId: string): Promise<boolean> {
    const intervalMs = this.scheduled.get(sessionId) ?? 0;
    try {
      return await this.claims.tryAcquireLease(`analysis:${sessionId}`, this.config.replicaId, Math.max(500, intervalMs * 0.9));
    } catch (error) {
      this.logger.warn({ msg: `analysis cycle skipped: cannot claim it (${(error as Error).message})`, sessionId });
      return false;
    }
  }

  private startRun(sessionId: string, jobId: string, origin: Origin): RunSlot {
    const slot: RunSlot = { jobId, pending: null, done: Promise.resolve() };
    this.runs.set(sessionId, slot);
    slot.done = this.analyze(sessionId, jobId, origin).finally(() => {
      this.runs.delete(sessionId);
      if (slot.pending && !this.shuttingDown) this.startRun(sessionId, slot.pending, 'manual');
    });
    return slot;
  }

  /** One analysis; never throws (failures are counted on the session, stored in the history and logged). */
  private analyze(sessionId: string, jobId: string, origin: Origin): Promise<void> {
    const attributes = { [ATTRS.sessionId]: sessionId, [ATTRS.analysisOrigin]: origin, [ATTRS.analysisBackend]: this.backend.name };
    // A scheduled cycle starts its own trace; a manual one belongs to the request that asked for it.
    return inSpan(SPANS.analysis, attributes, (span) => this.analyzeInSpan(sessionId, jobId, origin, span), { root: origin === 'schedule' });
  }

  private async analyzeInSpan(sessionId: string, jobId: string, origin: Origin, span: Span): Promise<void> {
    const startedAt = Date.now();
    let result: CycleResult;
    try {
      const cycle = await this.runCycle(sessionId);
      if (cycle === null) return; // session deleted, or cut short by shutdown before it spent anything
      result = cycle;
    } catch (error) {
      result = emptyResult('error', (error as Error).message);
    }
    const ok = result.outcome === 'sent' || result.outcome === 'completed';
    span.setAttributes({ [ATTRS.outcome]: result.outcome, [ATTRS.inputTokens]: result.inputTokens, [ATTRS.outputTokens]: result.outputTokens });
    if (!ok) span.setStatus({ code: SpanStatusCode.ERROR, message: result.detail });
    this.metrics.analysisRun(result.outcome);
    const log = {
      msg: `analysis ${result.outcome}: ${result.detail}`, sessionId, job_id: jobId, origin, backend: this.backend.name,
      tool_calls: result.toolCalls.length, input_tokens: result.inputTokens, output_tokens: result.outputTokens,
    };
    if (ok) this.logger.log(log);
    else this.logger.warn(log);
    await this.record(sessionId, jobId, origin, startedAt, result);
  }

  /**
   * Builds the prompt and hands it to the backend within ANALYSIS_TIMEOUT_S, unless the race has
   * spent its token budget. Null when there is nothing to record.
   */
  private async runCycle(sessionId: string): Promise<CycleResult | null> {
    const budget = this.config.analysisMaxTokensPerRace;
    const spent = await this.history.tokensSpent(sessionId);
    if (spent >= budget) {
      // A forgotten session must not burn money: no timer is re-armed after this cycle.
      this.unschedule(sessionId);
      return emptyResult(
        'error',
        `token budget reached: this race has spent ${spent} of ANALYSIS_MAX_TOKENS_PER_RACE=${budget} tokens, so no further analysis cycles run for it`,
      );
    }
    const prompt = await this.buildPrompt(sessionId);
    if (prompt === null) return null;

    const timeoutMs = this.config.analysisTimeoutS * 1000;
    const deadline = Date.now() + timeoutMs;
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(new Error('analysis cycle timeout')), timeoutMs);
    timer.unref?.();
    let result: CycleResult;
    try {
      result = await this.backend.run({
        sessionId, prompt, deadline, tokensLeft: budget - spent,
        signal: AbortSignal.any([timeout.signal, this.closing.signal]),
      });
    } finally {
      clearTimeout(timer);
    }
    const spentSomething = result.inputTokens + result.outputTokens > 0 || result.toolCalls.length > 0;
    if (this.closing.signal.aborted && result.outcome !== 'sent' && result.outcome !== 'completed') {
      // Shutdown, not the cycle, ended it: recorded only when it spent tokens or acted.
      return spentSomething ? { ...result, outcome: 'error', detail: `cut short by server shutdown (${result.detail})` } : null;
    }
    if (timeout.signal.aborted && result.outcome !== 'sent' && result.outcome !== 'completed') {
      return { ...result, outcome: 'timeout', detail: `the cycle did not finish within ANALYSIS_TIMEOUT_S=${this.config.analysisTimeoutS} s (${result.detail})` };
    }
    return result;
  }

  /** The cycle into the history and the session's counters; a failed write is logged, never thrown. */
  private async record(sessionId: string, jobId: string, origin: Origin, startedAt: number, result: CycleResult): Promise<void> {
    const finishedAt = Date.now();
    const ok = result.outcome === 'sent' || result.outcome === 'completed';
    try {
      await this.history.saveAnalysis(
        Object.assign(new AnalysisEntity(), {
          jobId, sessionId, origin, backend: this.backend.name, startedAt, finishedAt, outcome: result.outcome,
          detail: redactSecrets(result.detail), text: result.text, toolCalls: result.toolCalls,
          inputTokens: result.inputTokens, outputTokens: result.outputTokens,
        }),
      );
      await this.store.incrementSession(
        sessionId,
        { analysisRuns: 1, analysisErrors: ok ? 0 : 1 },
        { lastAnalysisAt: finishedAt, lastAnalysisResult: result.outcome },
      );
    } catch (error) {
      this.logger.error({ msg: `cannot record analysis outcome: ${(error as Error).message}`, sessionId, job_id: jobId });
    }
  }

  /** A page of a session's analysis history, newest first. */
  async listAnalyses(sessionId: string, limit: number, offset: number): Promise<AnalysisPage> {
    if (!(await this.store.findSession(sessionId))) throw new NotFoundError(`no session ${sessionId}: list sessions with GET /sessions`);
    return this.history.listAnalyses(sessionId, limit, offset);
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
      actions: this.backend.promptActions,
      telegramChatId: await this.athletes.telegramChatOf(session.athleteKey).catch(() => null),
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
