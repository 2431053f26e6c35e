// AlertService wiring with in-memory fakes: which rules run on a batch, what is sent, counted and
// listed. The rules themselves are specified in alert-rules / fuel-rules / metric-alert-rules specs.
import { Logger } from '@nestjs/common';
import type { RaceMetricsSnapshot } from '../metrics/metrics.types';
import { Leg, TrackpointRecord } from '../storage/trackpoint.types';
import { TrackingEvents } from '../tracking/tracking-events';
import { AlertService } from './alert.service';

const T0 = Date.UTC(2026, 5, 1, 7, 0, 0);
const ID = 'session-1';

function point(sec: number, leg: Leg, extra: Partial<TrackpointRecord> = {}): TrackpointRecord {
  return {
    time: T0 + sec * 1000, lat: null, lon: null, altitudeM: null, speedMps: 8, distanceM: null, durationS: null,
    heartRate: 130, cadence: null, power: null, activityType: null, leg, status: 'MOVING', ...extra,
  };
}
const series = (from: number, to: number, leg: Leg, extra: Partial<TrackpointRecord> = {}) => {
  const out: TrackpointRecord[] = [];
  for (let t = from; t <= to; t += 5) out.push(point(t, leg, extra));
  return out;
};

function setup(opts: { telegram?: boolean; firstStored?: TrackpointRecord | null } = {}) {
  const session = {
    id: ID, thresholds: {} as Record<string, number | null>, raceConfig: {} as Record<string, unknown>, alertsMutedUntil: null as number | null,
    alertState: null as Record<string, unknown> | null, athleteKey: null as string | null,
  };
  const counted: number[] = [];
  const store = {
    findSession: async () => session,
    findFirstPoint: async () => opts.firstStored ?? null,
    incrementSession: async (_id: string, c: { alertsSent?: number }) => void counted.push(c.alertsSent ?? 0),
    // As the database would: the row keeps what was written (a JSON round trip, like simple-json).
    updateSession: async (_id: string, patch: Record<string, unknown>) => void Object.assign(session, JSON.parse(JSON.stringify(patch))),
  };
  const sent: string[] = [];
  const chats: Array<string | undefined> = [];
  const telegram = {
    enabled: opts.telegram ?? true,
    send: async (text: string, chatId?: string) => (sent.push(text), chats.push(chatId), { message_id: sent.length }),
  };
  // Athlete profiles' chats by athlete key.
  const athleteChats: Record<string, string> = {};
  const athletes = { telegramChatOf: async (key: string | null) => (key ? (athleteChats[key] ?? null) : null) };
  const labels: Array<[string, string]> = [];
  const metrics = { alert: (field: string, outcome: string) => void labels.push([field, outcome]) };
  let snapshot: RaceMetricsSnapshot = { race: {} as RaceMetricsSnapshot['race'], legs: [] };
  const snapshots: unknown[] = [];
  const coaching = { snapshot: async (_id: string, physiology: unknown) => (snapshots.push(physiology), snapshot) };
  let events = new TrackingEvents();
  const make = () => {
    const created = new AlertService(store as never, events, telegram as never, metrics as never, coaching as never, athletes as never);
    created.onModuleInit();
    return created;
  };
  let service = make();
  /** Emits a batch and waits until it is judged and its sends have settled. */
  const batch = async (points: TrackpointRecord[]) => {
    events.pointsIngested.next({ sessionId: ID, points });
    await (service as unknown as { chains: Map<string, Promise<void>> }).chains.get(ID);
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  /** Another replica takes the session over: a new service with nothing in memory, the same stored row. */
  const takeover = async () => {
    await service.beforeApplicationShutdown();
    events = new TrackingEvents();
    service = make();
  };
  return {
    get service() {
      return service;
    },
    takeover, session, sent, chats, athleteChats, labels, counted, snapshots, batch,
    setSnapshot: (s: RaceMetricsSnapshot) => void (snapshot = s),
  };
}

describe('AlertService', () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterAll(() => Logger.overrideLogger(['log', 'error', 'warn', 'debug', 'verbose']));

  it('sends fuel reminders through the alert path: Telegram, counter label fuel, timeline kind, alerts_sent', async () => {
    const t = setup();
    t.session.raceConfig = { fuel_every_min: 10 };
    await t.batch([...series(0, 295, 'swim'), ...series(300, 895, 'bike')]);
    expect(t.sent).toEqual([]);
    await t.batch(series(900, 1000, 'bike'));
    await t.batch(series(1005, 1505, 'bike'));
    // Bike from 300 s: 10 moving minutes at 900 s, 20 at 1500 s.
    expect(t.sent).toEqual([
      'Bike: fuel now — 10 min moving since the start (gel + water)',
      'Bike: fuel now — 10 min moving since the last reminder (gel + water)',
    ]);
    expect(t.labels).toEqual([['fuel', 'delivered'], ['fuel', 'delivered']]);
    expect(t.counted).toEqual([1, 1]);
    expect(t.service.recentAlerts(ID)).toEqual([
      { at: new Date(T0 + 900_000).toISOString(), kind: 'fuel', field: 'fuel_every_min', text: t.sent[0], outcome: 'delivered' },
      { at: new Date(T0 + 1_500_000).toISOString(), kind: 'fuel', field: 'fuel_every_min', text: t.sent[1], outcome: 'delivered' },
    ]);
    // Metrics are not read when no metric alert is configured.
    expect(t.snapshots).toEqual([]);
  });

  it("sends to the athlete's own Telegram chat when their profile has one, else to the default chat", async () => {
    const t = setup();
    t.session.raceConfig = { fuel_every_min: 10 };
    await t.batch(series(0, 600, 'bike'));
    t.athleteChats.zoe = '-100777';
    t.session.athleteKey = 'zoe';
    await t.batch(series(605, 1200, 'bike'));
    expect(t.sent).toHaveLength(2);
    expect(t.chats).toEqual([undefined, '-100777']);
  });

  it('applies a changed fuel_every_min from the next batch and keeps the moving time counted', async () => {
    const t = setup();
    t.session.raceConfig = { fuel_every_min: 20 };
    await t.batch(series(0, 900, 'bike')); // 15 min counted
    t.session.raceConfig = { fuel_every_min: 10 };
    await t.batch(series(905, 1200, 'bike'));
    await t.batch(series(1205, 1600, 'bike'));
    expect(t.service.recentAlerts(ID).map((a) => a.at)).toEqual([new Date(T0 + 905_000).toISOString(), new Date(T0 + 1_500_000).toISOString()]);
  });

  it('after a restart (older points stored, no state in memory) counts from the newest point of the first batch', async () => {
    const t = setup({ firstStored: point(0, 'swim') });
    t.session.raceConfig = { fuel_every_min: 10 };
    // An hour of bike arriving in one batch after a restart: no burst, nothing sent.
    await t.batch(series(3600, 7200, 'bike'));
    expect(t.sent).toEqual([]);
    await t.batch(series(7205, 7900, 'bike'));
    expect(t.sent).toEqual(['Bike: fuel now — 10 min moving since tracking resumed (gel + water)']);
    expect(t.service.recentAlerts(ID)[0].at).toBe(new Date(T0 + 7800_000).toISOString());
  });

  it('sends only the newest of several reminders due in one batch (tracking started late)', async () => {
    const t = setup();
    t.session.raceConfig = { fuel_every_min: 10 };
    await t.batch(series(0, 2000, 'bike'));
    expect(t.service.recentAlerts(ID).map((a) => a.at)).toEqual([new Date(T0 + 1_800_000).toISOString()]);
    expect(t.sent).toHaveLength(1);
  });

  it('raises W′ balance and decoupling alerts from the metrics when configured, once, with their kinds', async () => {
    const t = setup({ telegram: false });
    t.session.raceConfig = { cp_w: 250, w_prime_j: 20_000, w_bal_alert_pct: 25, decoupling_alert_pct: 5 };
    t.setSnapshot({ race: { w_bal_now_j: 4000 } as RaceMetricsSnapshot['race'], legs: [] });
    await t.batch(series(0, 60, 'bike', { power: 300 }));
    await t.batch(series(65, 120, 'bike', { power: 300 }));
    expect(t.snapshots[0]).toMatchObject({ cp_w: 250, w_prime_j: 20_000 });
    t.setSnapshot({ race: { w_bal_now_j: 4000 } as RaceMetricsSnapshot['race'], legs: [{ leg: 'run', decoupling_pct: 6.2 } as RaceMetricsSnapshot['legs'][number]] });
    await t.batch(series(125, 180, 'run'));
    expect(t.service.recentAlerts(ID).map((a) => [a.kind, a.field, a.outcome, a.text])).toEqual([
      ['w_bal', 'w_bal_alert_pct', 'disabled', 'Bike: W′ balance 20 % (4.0 kJ), below 25 % — ease off under CP 250 W to refill'],
      ['decoupling', 'decoupling_alert_pct', 'disabled', 'Run: decoupling 6.2 %, above 5 % — HR drifting: ease the pace and drink'],
    ]);
    // Telegram off: counted as disabled, never as sent.
    expect(t.labels).toEqual([['w_bal', 'disabled'], ['decoupling', 'disabled']]);
    expect(t.counted).toEqual([]);
  });

  it('keeps threshold alerts as before, now with kind threshold', async () => {
    const t = setup();
    t.session.thresholds = { hr_max: 150 };
    await t.batch(series(0, 60, 'bike', { heartRate: 160 }));
    expect(t.service.recentAlerts(ID).map((a) => [a.kind, a.field])).toEqual([['threshold', 'hr_max']]);
    expect(t.labels).toEqual([['hr_max', 'delivered']]);
  });

  it('continues from the stored rule state after a takeover: a breach alerts once, wherever it was sustained', async () => {
    const t = setup();
    t.session.thresholds = { hr_max: 150 };
    // 20 s over the ceiling on the first replica: not yet sustained.
    await t.batch(series(0, 20, 'bike', { heartRate: 160 }));
    expect(t.sent).toEqual([]);
    await t.takeover();
    // The second replica sees the run continue: 30 s reached, one alert.
    await t.batch(series(25, 40, 'bike', { heartRate: 160 }));
    expect(t.sent).toHaveLength(1);
    await t.takeover();
    // A third replica knows it was sent: the same breach does not alert again.
    await t.batch(series(45, 120, 'bike', { heartRate: 160 }));
    expect(t.sent).toHaveLength(1);
    expect(t.counted).toEqual([1]);
  });

  it('forgets the stored state when the race stops', async () => {
    const t = setup();
    t.session.thresholds = { hr_max: 150 };
    await t.batch(series(0, 20, 'bike', { heartRate: 160 }));
    expect(t.session.alertState).not.toBeNull();
    (t.service as unknown as { events: TrackingEvents }).events.lifecycle.next({ sessionId: ID, kind: 'stopped' });
    await (t.service as unknown as { chains: Map<string, Promise<void>> }).chains.get(ID);
    expect(t.session.alertState).toBeNull();
  });

  it('while muted (Telegram /mute) records threshold alerts and fuel reminders as muted, sends nothing, and still advances the rules', async () => {
    const t = setup();
    t.session.thresholds = { hr_max: 150 };
    t.session.raceConfig = { fuel_every_min: 1 };
    t.session.alertsMutedUntil = Date.now() + 60_000;
    await t.batch(series(0, 60, 'bike', { heartRate: 160 }));
    expect(t.sent).toEqual([]);
    expect(t.service.recentAlerts(ID).map((a) => [a.kind, a.outcome])).toEqual([['threshold', 'muted'], ['fuel', 'muted']]);
    expect(t.labels).toEqual([['hr_max', 'muted'], ['fuel', 'muted']]);
    expect(t.counted).toEqual([]);

    // Mute over: the breach muted above is not re-sent (state advanced); the next fuel reminder is.
    t.session.alertsMutedUntil = Date.now() - 1;
    await t.batch(series(65, 125, 'bike', { heartRate: 160 }));
    expect(t.sent).toEqual(['Bike: fuel now — 1 min moving since the last reminder (gel + water)']);
    expect(t.labels.slice(2)).toEqual([['fuel', 'delivered']]);
  });
});
