import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { TrackStore } from '../storage/track-store.service';
import { AppMetrics } from '../telemetry/app-metrics.service';
import { TelegramClient } from '../telegram/telegram.client';
import { PointsIngested, TrackingEvents } from '../tracking/tracking-events';
import { AlertEvent, AlertState, evaluateAlerts, formatAlert } from './alert-rules';

/**
 * Threshold alerts within one poll: each batch of new points goes through the alert rules with
 * the session's thresholds as stored now (so /control changes apply from the next poll), and
 * each alert goes to Telegram. Work is chained per session so batches are judged in order; the
 * tracker only emits and never waits on any of it.
 */
/** One alert as people see it afterwards (dashboard timeline). */
export interface RecentAlert {
  /** Race time of the point that made the breach sustained (ISO). */
  at: string;
  field: string;
  text: string;
  outcome: 'delivered' | 'failed' | 'disabled';
}

/** Alerts kept per session for the timeline (in memory: a restart starts a fresh list). */
const RECENT_ALERTS = 50;

@Injectable()
export class AlertService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AlertService.name);
  /** Rule state per session (in memory: after a restart a breach simply has to last 30 s again). */
  private readonly states = new Map<string, AlertState>();
  private readonly recent = new Map<string, RecentAlert[]>();
  private readonly chains = new Map<string, Promise<void>>();
  private readonly subscriptions = new Subscription();

  constructor(
    private readonly store: TrackStore,
    private readonly events: TrackingEvents,
    private readonly telegram: TelegramClient,
    private readonly metrics: AppMetrics,
  ) {}

  onModuleInit(): void {
    this.subscriptions.add(this.events.pointsIngested.subscribe((batch) => this.enqueue(batch.sessionId, () => this.evaluate(batch))));
    this.subscriptions.add(
      this.events.lifecycle.subscribe((event) => {
        if (event.kind === 'stopped') this.enqueue(event.sessionId, async () => void this.states.delete(event.sessionId));
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
    const session = await this.store.findSession(sessionId);
    if (!session) return;
    const { state, alerts } = evaluateAlerts(this.states.get(sessionId) ?? {}, points, session.thresholds, Date.now());
    this.states.set(sessionId, state);
    for (const alert of alerts) this.deliver(sessionId, alert);
  }

  /** The newest alerts of a session, oldest first. */
  recentAlerts(sessionId: string): RecentAlert[] {
    return [...(this.recent.get(sessionId) ?? [])];
  }

  private remember(sessionId: string, alert: AlertEvent, text: string, outcome: RecentAlert['outcome']): void {
    const list = this.recent.get(sessionId) ?? [];
    list.push({ at: new Date(alert.at).toISOString(), field: alert.field, text, outcome });
    if (list.length > RECENT_ALERTS) list.shift();
    this.recent.set(sessionId, list);
  }

  /** Sends in the background: a slow or failing Telegram must not delay the next batch's evaluation. */
  private deliver(sessionId: string, alert: AlertEvent): void {
    const text = formatAlert(alert);
    const log = { msg: `threshold alert: ${text}`, sessionId, field: alert.field, value: alert.value, threshold: alert.threshold, sustained_s: alert.sustained_s };
    if (!this.telegram.enabled) {
      this.metrics.alert(alert.field, 'disabled');
      this.remember(sessionId, alert, text, 'disabled');
      this.logger.log({ ...log, delivered: false, reason: 'Telegram is off (TELEGRAM_BOT_TOKEN not set)' });
      return;
    }
    this.telegram
      .send(text)
      .then(async (delivery) => {
        this.metrics.alert(alert.field, 'delivered');
        this.remember(sessionId, alert, text, 'delivered');
        this.logger.log({ ...log, delivered: true, message_id: delivery.message_id });
        await this.store.incrementSession(sessionId, { alertsSent: 1 });
      })
      .catch((error) => {
        this.metrics.alert(alert.field, 'failed');
        this.remember(sessionId, alert, text, 'failed');
        this.logger.warn({ ...log, delivered: false, reason: (error as Error).message });
      });
  }
}
