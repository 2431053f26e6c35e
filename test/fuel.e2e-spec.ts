// Fuelling reminders and the optional W′ balance alert, end to end: the real app polls the
// simulator, alerts go to a fake Telegram, and the due times are computed here independently from
// the generated points.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium } from 'playwright-core';
import { AlertService, RecentAlert } from '../src/analysis/alert.service';
import { GeneratedRace, generateSingleSport, generateTriathlon, LiveTrackSimulator } from '../src/simulator';
import { GarminTrackPoint } from '../src/tracking/garmin.types';
import { RunningApp, startApp, tempDir, waitFor } from './support/app';
import { FakeRunner } from './support/fake-runner';
import { FakeTelegram } from './support/fake-telegram';
import { simulatorEnv, startTracking, status, waitForExactly } from './support/tracking';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const FUEL_EVERY_MIN = 3;

const timeOf = (p: GarminTrackPoint) => Date.parse(String(p.dateTime));
const legAt = (race: GeneratedRace, ms: number) => race.legs.find((l) => ms >= l.from.getTime() && ms < l.to.getTime())?.leg ?? race.legs[race.legs.length - 1].leg;

/**
 * When reminders are due, written from the doc rather than from fuel-rules.ts: list every moving
 * second of the 1 Hz series on the counted legs (a second takes the newest point at or before it;
 * none inside a silence > 30 s); the k-th reminder goes with the first point after the
 * (k × period)-th such second, i.e. the point that completes it.
 */
function dueTimes(race: GeneratedRace, everyMin: number, countedLegs: string[]): Array<{ at: number; leg: string }> {
  const pts = race.points.map((p) => ({ t: timeOf(p), speed: p.speedMetersPerSec ?? null, leg: legAt(race, timeOf(p)) }));
  const movingSeconds: Array<{ second: number; leg: string }> = [];
  for (let i = 0; i + 1 < pts.length; i++) {
    const a = pts[i];
    const b = pts[i + 1];
    if (b.t - a.t > 30_000) continue;
    if (!countedLegs.includes(a.leg) || a.speed === null || !(a.speed > 0.5)) continue;
    for (let s = Math.ceil(a.t / 1000); s < Math.ceil(b.t / 1000); s++) movingSeconds.push({ second: s, leg: a.leg });
  }
  const out: Array<{ at: number; leg: string }> = [];
  for (let k = 1; k * everyMin * 60 <= movingSeconds.length; k++) {
    const nth = movingSeconds[k * everyMin * 60 - 1];
    const completing = pts.find((p) => Math.ceil(p.t / 1000) > nth.second)!;
    out.push({ at: completing.t, leg: nth.leg });
  }
  return out;
}

describe('fuelling reminders and metric alerts', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let telegram: FakeTelegram;
  let runner: FakeRunner;
  let running: RunningApp;
  let alerts: AlertService;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 77 });
    await sim.start();
    telegram = new FakeTelegram('123456:TEST', ['42']);
    await telegram.start();
    runner = new FakeRunner();
    await runner.start();
    running = await startApp({
      DB_PATH: join(tmp.dir, 'fuel.db'),
      ...simulatorEnv(sim),
      CLAUDE_RUNNER_URL: runner.origin,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: '42',
      TELEGRAM_API_BASE: telegram.origin,
    });
    alerts = running.app.get(AlertService);
  });
  afterAll(async () => {
    await running?.close();
    await telegram?.stop();
    await runner?.stop();
    await sim?.stop();
    tmp.cleanup();
  });
  beforeEach(() => telegram.reset());

  it('sends reminders at the due moving minutes of bike and run, none for swim or transitions, and shows them in the timeline', async () => {
    // About 6 min swim, 22 min bike, 13 min run; points every 5 s.
    const race = generateTriathlon({ seed: 9, start: START, pointIntervalS: 5, scale: 0.15 });
    const expected = dueTimes(race, FUEL_EVERY_MIN, ['bike', 'run']);
    // The test can tell: counting swim and transitions too would give other times.
    expect(dueTimes(race, FUEL_EVERY_MIN, ['swim', 't1', 'bike', 't2', 'run']).map((d) => d.at)).not.toEqual(expected.map((d) => d.at));
    expect(expected.filter((d) => d.leg === 'bike').length).toBeGreaterThanOrEqual(5);
    expect(expected.filter((d) => d.leg === 'run').length).toBeGreaterThanOrEqual(3);

    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), {
      race_type: 'triathlon', fuel_every_min: FUEL_EVERY_MIN, analyze_interval_secs: 600, min_elapsed_min: 600,
    });
    // 3 race minutes per poll: at most one reminder per batch, as in a live race.
    const CHUNK = 36;
    for (let released = 0; released < race.points.length; released += CHUNK) {
      sim.release(s.sessionId, CHUNK);
      await waitForExactly(running.baseUrl, sim, s.sessionId);
    }
    await waitFor(async () => (await status(running.baseUrl, s.sessionId)).state === 'finished', 10000, 'race end');
    await waitFor(() => telegram.messages.length >= expected.length, 5000, `${expected.length} reminders`);
    // Let any extra (wrong) message arrive before counting.
    await new Promise((r) => setTimeout(r, 300));

    const fuel = alerts.recentAlerts(s.sessionId).filter((a) => a.kind === 'fuel');
    expect(fuel.map((a) => a.at)).toEqual(expected.map((d) => new Date(d.at).toISOString()));
    expect(telegram.messages).toHaveLength(expected.length);
    const LABEL: Record<string, string> = { bike: 'Bike', run: 'Run' };
    expect(telegram.messages.map((m) => m.text)).toEqual(
      expected.map((d, i) => `${LABEL[d.leg]}: fuel now — ${FUEL_EVERY_MIN} min moving since the ${i === 0 ? 'start' : 'last reminder'} (gel + water)`),
    );
    // Each reminder closes an interval of bike or run time: the point before it is never swim or a transition.
    const times = race.points.map(timeOf);
    for (const a of fuel) {
      const i = times.indexOf(Date.parse(a.at));
      expect(['bike', 'run']).toContain(legAt(race, times[i - 1]));
      expect(a).toMatchObject({ field: 'fuel_every_min', outcome: 'delivered' });
    }
    expect((await status(running.baseUrl, s.sessionId)).alerts_sent).toBe(expected.length);

    // The race page lists them as fuel reminders, styled apart from warnings.
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
    let browser: Browser | null = null;
    try {
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
      const page = await browser.newPage();
      await page.goto(`${running.baseUrl}/dashboard/${s.sessionId}`);
      await page.waitForFunction((n) => document.querySelectorAll('#timeline li[data-alert-kind="fuel"]').length === n, expected.length, { timeout: 10000 });
      const items = await page.$$eval('#timeline li[data-alert-kind="fuel"]', (lis) => lis.map((li) => ({ cls: li.className, text: li.textContent ?? '' })));
      for (const item of items) {
        expect(item.cls).toBe('kind-fuel');
        expect(item.text).toMatch(/Fuel reminder: (Bike|Run): fuel now — 3 min moving/);
      }
    } finally {
      await browser?.close();
    }
  });

  it('alerts once when W′ balance drops below the set share on the bike, and not at all when unset', async () => {
    // 5 s points: 200 W (below CP) for the first 2 minutes, then 320 W, 70 W above CP 250.
    const make = () => {
      const race = generateSingleSport({ seed: 4, start: START, sport: 'bike', durationMin: 12 });
      race.points.forEach((p, i) => {
        if (p.totalDistanceMeters !== undefined) p.powerWatts = i < 24 ? 200 : 320;
      });
      return race;
    };
    const physiology = { cp_w: 250, w_prime_j: 12_000, analyze_interval_secs: 600, min_elapsed_min: 600, race_type: 'bike' };
    const raceOn = make();
    const on = sim.addSession({ race: raceOn, postTrackPointFrequency: 1 });
    const off = sim.addSession({ race: make(), postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(on.sessionId), { ...physiology, w_bal_alert_pct: 50 });
    await startTracking(running.baseUrl, sim.shareUrl(off.sessionId), physiology);

    // Batch 1: points 0..23 at 200 W, W′ full. Batch 2: 24..47: 23 intervals × 5 s × 70 W = 8050 J
    // drawn, 3950 J left at its newest second, below 50 % (6000 J). Then 8 more minutes below.
    const batches = [24, 24, 24, 24, 24, 24];
    const atOfBatch2 = timeOf(raceOn.points[47]);
    for (const n of batches) {
      sim.release(on.sessionId, n);
      sim.release(off.sessionId, n);
      await waitForExactly(running.baseUrl, sim, on.sessionId);
      await waitForExactly(running.baseUrl, sim, off.sessionId);
    }
    await waitFor(() => telegram.messages.length >= 1, 5000, 'the W′ alert');
    await new Promise((r) => setTimeout(r, 500));

    expect(telegram.messages.map((m) => m.text)).toEqual([expect.stringMatching(/^Bike: W′ balance 33 % \(\d+\.\d kJ\), below 50 % — ease off under CP 250 W to refill$/)]);
    const raised: RecentAlert[] = alerts.recentAlerts(on.sessionId);
    expect(raised.map((a) => [a.kind, a.field, a.at])).toEqual([['w_bal', 'w_bal_alert_pct', new Date(atOfBatch2).toISOString()]]);
    expect(alerts.recentAlerts(off.sessionId)).toEqual([]);
    expect((await status(running.baseUrl, on.sessionId)).alerts_sent).toBe(1);

    // The metrics agree that the balance kept falling (the breach went on, yet no repeat).
    const metrics = await (await fetch(`${running.baseUrl}/sessions/${on.sessionId}/metrics`)).json();
    expect(metrics.race.w_bal_now_j).toBeLessThan(0);
  });
});
