import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { AthletesService } from '../athletes/athletes.service';
import { MetricsService, physiologyOf } from '../metrics/metrics.service';
import { RaceSessionEntity } from '../storage/race-session.entity';
import { TrackStore } from '../storage/track-store.service';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { AppMetrics } from '../telemetry/app-metrics.service';
import { TelegramClient } from '../telegram/telegram.client';
import { RaceConfig, resolveRaceConfig } from '../tracking/race-config';
import { PointsIngested, TrackingEvents } from '../tracking/tracking-events';
import { AlertState, evaluateAlerts, formatAlert } from './alert-rules';
import { evaluateFuel, formatFuelReminder, FuelReminder, fuelBaseline, FuelState, initialFuelState } from './fuel-rules';
import { evaluateMetricAlerts, formatMetricAlert, MetricAlertEvent, MetricAlertState } from './metric-alert-rules';

export type AlertKind = 'threshold' | 'fuel' | 'w_bal' | 'decoupling';

/** One alert as people see it afterwards (dashboard timeline). */
export interface RecentAlert {
  /** Race time of the point that raised it (ISO). */
  at: string;
  kind: AlertKind;
  /** The race_config field behind it: a threshold (hr_max, …), fuel_every_min, w_bal_alert_pct or decoupling_alert_pct. */
  field: string;
  text: string;
  /** muted: raised while the race's alerts were muted (Telegram /mute), so not sent. */
  outcome: 'delivered' | 'failed' | 'disabled' | 'muted';
}

/** What deliver() sends, whatever the rule that raised it. */
interface Outgoing {
  kind: AlertKind;
  field: string;
  /** Race time (epoch ms). */
  at: number;
  text: string;
  /** Extra fields for the log line. */
  details: Record<string, unknown>;
  /** The session's alerts_muted_until (epoch ms) as read for this batch. */
  mutedUntil: number | null;
  /** The session's athlete's Telegram chat; null = TELEGRAM_CHAT_ID. */
  chatId: string | null;
}

/** Rule state of one session (in memory: see evaluate() for what a restart does). */
interface SessionAlertState {
  threshold: AlertState;
  fuel: FuelState;
  metric: MetricAlertState;
}

/** The state a previous holder of the session stored, when there is one. */
function storedState(session: RaceSessionEntity): SessionAlertState | undefined {
  const s = session.alertState as Partial<SessionAlertState> | null;
  return s && typeof s === 'object' && s.threshold && s.fuel && s.metric ? (s as SessionAlertState) : undefined;
}

/** Threshold and metric-alert state unchanged (the fuelling count moves every batch; see evaluate()). */
function sameRules(a: SessionAlertState | undefined, b: SessionAlertState): boolean {
  return a !== undefined && JSON.stringify([a.threshold, a.metric, a.fuel.since]) === JSON.stringify([b.threshold, b.metric, b.fuel.since]);
}

const FUEL_PERSIST_MS = 60_000;

/** Alerts kept per session for the timeline (in memory: a restart starts a fresh list). */
const RECENT_ALERTS = 50;

/**
 * Alerts within one poll: each batch of new points goes through the threshold rules, the fuelling
 * reminders and the optional metric alerts, with the session's thresholds and race_config as
 * stored now (so /control changes apply from the next poll), and each alert goes to Telegram.
 * Work is chained per session so batches are judged in order; the tracker only emits and never
 * waits on any of it.
 */
@Injectable()
export class AlertService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AlertService.name);
  /** Rule state per session (in memory: after a restart a breach simply has to last 30 s again). */
  private readonly states = new Map<string, SessionAlertState>();
  private readonly recent = new Map<string, RecentAlert[]>();
  private readonly chains = new Map<string, Promise<void>>();
  /** When each session's rule state was last written to the store. */
  private readonly persistedAt = new Map<string, number>();
  private readonly subscriptions = new Subscription();

  constructor(
    private readonly store: TrackStore,
    private readonly events: TrackingEvents,
    private readonly telegram: TelegramClient,
    private readonly metrics: AppMetrics,
    private readonly coaching: MetricsService,
    private readonly athletes: AthletesService,
  ) {}

  onModuleInit(): void {
    this.subscriptions.add(this.events.pointsIngested.subscribe((batch) => this.enqueue(batch.sessionId, () => this.evaluate(batch))));
    this.subscriptions.add(
      this.events.lifecycle.subscribe((event) => {
        // Released: another replica continues from the stored state. Stopped: the race is over, so is its state.
        if (event.kind === 'released') {
          this.enqueue(event.sessionId, async () => {
            this.states.delete(event.sessionId);
            this.persistedAt.delete(event.sessionId);
          });
        }
        if (event.kind === 'stopped') this.enqueue(event.sessionId, () => this.forget(event.sessionId));
      }),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.subscriptions.unsubscribe();
    await Promise.allSettled([...this.chains.values()]);
  }

  private enqueue(sessionId: string, task: () => Promise<void>): void {
    const next = (this.chains.get(sessionId) ?? Promise.resolve())
      .then(task)
      .catch((error) => this.logger.error({ msg: `alert evaluation failed: ${(error as Error).message}`, sessionId }));
    this.chains.set(sessionId, next);
    void next.finally(() => {
      if (this.chains.get(sessionId) === next) this.chains.delete(sessionId);
    });
  }

  private async evaluate({ sessionId, points }: PointsIngested): Promise<void> {
    if (!points.length) return;
    const session = await this.store.findSession(sessionId);
    if (!session) return;
    const now = Date.now();
    // In memory, else as stored by whichever replica polled the session before (takeover, restart).
    const known = this.states.get(sessionId) ?? storedState(session);
    const config = resolveRaceConfig(session.raceConfig);

    const threshold = evaluateAlerts(known?.threshold ?? {}, points, session.thresholds, now);

    let fuel: { state: FuelState; reminders: FuelReminder[] };
    if (!known && (await this.hasOlderPoints(sessionId, points[0]))) {
      // First batch since boot (or since the session stopped) with points stored before it: its
      // moving time is a backlog already past, so counting starts at its newest point.
      fuel = { state: fuelBaseline(points[points.length - 1]), reminders: [] };
    } else {
      fuel = evaluateFuel(known?.fuel ?? initialFuelState(), points, config.fuel_every_min);
    }

    const metric = await this.evaluateMetrics(sessionId, session, config, known?.metric ?? {}, points[points.length - 1], now);
    // Stored only once the whole batch is judged: a failure above leaves the previous state. Written
    // to the database before anything is sent, so a replica taking over never sends an alert again
    // (a crash between the two loses that alert rather than repeating it).
    const next: SessionAlertState = { threshold: threshold.state, fuel: fuel.state, metric: metric.state };
    this.states.set(sessionId, next);
    // Breach runs and alerts are written as they change; the fuelling count only once a minute
    // (a takeover may then count up to a minute of moving time again: a reminder a little late).
    const fired = threshold.alerts.length + fuel.reminders.length + metric.alerts.length > 0;
    const due = now - (this.persistedAt.get(sessionId) ?? 0) >= FUEL_PERSIST_MS;
    if (fired || due || !sameRules(known, next)) {
      await this.store.updateSession(sessionId, { alertState: next as unknown as Record<string, unknown> });
      this.persistedAt.set(sessionId, now);
    }

    // Muting (Telegram /mute) silences delivery only: the rule state above still advanced, so a
    // breach raised while muted is not sent once the mute ends.
    const mutedUntil = session.alertsMutedUntil ?? null;
    // The athlete's own chat when their profile names one (read only when something is to be sent).
    const chatId = fired
      ? await this.athletes.telegramChatOf(session.athleteKey).catch((error) => {
          this.logger.warn({ msg: `athlete chat unreadable, sending to the default chat: ${(error as Error).message}`, sessionId });
          return null;
        })
      : null;
    const reminders = fuel.reminders;
    const metricAlerts = metric.alerts;
    for (const alert of threshold.alerts) {
      this.deliver(sessionId, {
        kind: 'threshold', field: alert.field, at: alert.at, text: formatAlert(alert), mutedUntil, chatId,
        details: { value: alert.value, threshold: alert.threshold, sustained_s: alert.sustained_s },
      });
    }
    // Several reminders due in one batch means a backlog (tracking started late, a long outage):
    // the older ones are past, so only the newest is sent.
    if (reminders.length > 1) {
      this.logger.log({ msg: `fuel: ${reminders.length - 1} older reminders of a backlog skipped`, sessionId });
    }
    for (const r of reminders.slice(-1)) {
      this.deliver(sessionId, {
        kind: 'fuel', field: 'fuel_every_min', at: r.at, text: formatFuelReminder(r), mutedUntil, chatId,
        details: { leg: r.leg, moving_s: r.moving_s, every_min: r.every_min },
      });
    }
    for (const alert of metricAlerts) {
      this.deliver(sessionId, {
        kind: alert.kind, field: alert.field, at: alert.at, text: formatMetricAlert(alert), mutedUntil, chatId,
        details: { value: alert.value, limit: alert.limit, limit_pct: alert.limit_pct },
      });
    }
  }

  private async forget(sessionId: string): Promise<void> {
    this.states.delete(sessionId);
    this.persistedAt.delete(sessionId);
    await this.store.updateSession(sessionId, { alertState: null });
  }

  /** Whether the store holds points of the session older than this batch. */
  private async hasOlderPoints(sessionId: string, first: TrackpointRecord): Promise<boolean> {
    const stored = await this.store.findFirstPoint(sessionId);
    return stored !== null && stored.time < first.time;
  }

  /** W′ balance and decoupling alerts, read from the metrics only when one is switched on. */
  private async evaluateMetrics(
    sessionId: string,
    session: RaceSessionEntity,
    config: RaceConfig,
    state: MetricAlertState,
    newest: TrackpointRecord,
    now: number,
  ): Promise<{ state: MetricAlertState; alerts: MetricAlertEvent[] }> {
    const wanted = (config.w_bal_alert_pct !== null && config.cp_w !== null && config.w_prime_j !== null) || config.decoupling_alert_pct !== null;
    if (!wanted) return { state: {}, alerts: [] };
    let snapshot;
    try {
      snapshot = await this.coaching.snapshot(sessionId, physiologyOf(session.raceConfig));
    } catch (error) {
      // Metrics unreadable this time: skip these alerts (state kept), keep the rest of the batch's.
      this.logger.warn({ msg: `metric alerts skipped: ${(error as Error).message}`, sessionId });
      return { state, alerts: [] };
    }
    return evaluateMetricAlerts(state, {
      leg: newest.leg,
      at: newest.time,
      w_bal_j: snapshot.race.w_bal_now_j,
      run_decoupling_pct: snapshot.legs.find((l) => l.leg === 'run')?.decoupling_pct ?? null,
    }, config, now);
  }

  /** The newest alerts of a session, oldest first. */
  recentAlerts(sessionId: string): RecentAlert[] {
    return [...(this.recent.get(sessionId) ?? [])];
  }

  private remember(sessionId: string, alert: Outgoing, outcome: RecentAlert['outcome']): void {
    const list = this.recent.get(sessionId) ?? [];
    list.push({ at: new Date(alert.at).toISOString(), kind: alert.kind, field: alert.field, text: alert.text, outcome });
    if (list.length > RECENT_ALERTS) list.shift();
    this.recent.set(sessionId, list);
  }

  /** Sends in the background: a slow or failing Telegram must not delay the next batch's evaluation. */
  private deliver(sessionId: string, alert: Outgoing): void {
    const { text } = alert;
    // The counter's field label: the threshold field, or the kind for the other alerts (fuel, w_bal, decoupling).
    const label = alert.kind === 'threshold' ? alert.field : alert.kind;
    const log = { msg: `${alert.kind} alert: ${text}`, sessionId, kind: alert.kind, field: alert.field, ...alert.details };
    if (alert.mutedUntil !== null && alert.mutedUntil > Date.now()) {
      this.metrics.alert(label, 'muted');
      this.remember(sessionId, alert, 'muted');
      this.logger.log({ ...log, delivered: false, reason: `muted until ${new Date(alert.mutedUntil).toISOString()}` });
      return;
    }
    if (!this.telegram.enabled) {
      this.metrics.alert(label, 'disabled');
      this.remember(sessionId, alert, 'disabled');
      this.logger.log({ ...log, delivered: false, reason: 'Telegram is off (TELEGRAM_BOT_TOKEN not set)' });
      return;
    }
    this.telegram
      .send(text, alert.chatId ?? undefined)
      .then(
        (delivery) => {
          this.metrics.alert(label, 'delivered');
          this.remember(sessionId, alert, 'delivered');
          this.logger.log({ ...log, delivered: true, message_id: delivery.message_id });
          // A failed counter write is not a failed delivery: logged apart, not counted as failed.
          this.store.incrementSession(sessionId, { alertsSent: 1 }).catch((error) =>
            this.logger.error({ msg: `alerts_sent not counted: ${(error as Error).message}`, sessionId }),
          );
        },
        (error) => {
          this.metrics.alert(label, 'failed');
          this.remember(sessionId, alert, 'failed');
          this.logger.warn({ ...log, delivered: false, reason: (error as Error).message });
        },
      );
  }
}
