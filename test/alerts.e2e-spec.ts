import { join } from 'node:path';
import { GeneratedRace, generateSingleSport, generateTriathlon, LiveTrackSimulator } from '../src/simulator';
import { GarminTrackPoint } from '../src/tracking/garmin.types';
import { json, postJson, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { FakeRunner } from './support/fake-runner';
import { FakeTelegram } from './support/fake-telegram';
import { simulatorEnv, startTracking, status, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));

/**
 * Rewrites a generated race's sensor values (points every 5 s) so breaches are known exactly.
 * Bare start points (no fitness data) stay bare.
 */
function craft(race: GeneratedRace, values: (i: number, p: GarminTrackPoint) => { hr?: number; power?: number }): GeneratedRace {
  race.points.forEach((p, i) => {
    if (p.totalDistanceMeters === undefined) return;
    const v = values(i, p);
    if (v.hr !== undefined) p.heartRateBeatsPerMin = v.hr;
    if (v.power !== undefined) p.powerWatts = v.power;
  });
  return race;
}

describe('threshold alerts to Telegram', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let telegram: FakeTelegram;
  let runner: FakeRunner;
  let running: RunningApp;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 41 });
    await sim.start();
    telegram = new FakeTelegram('123456:TEST', ['42']);
    await telegram.start();
    runner = new FakeRunner();
    await runner.start();
    running = await startApp({
      DB_PATH: join(tmp.dir, 'alerts.db'),
      ...simulatorEnv(sim),
      CLAUDE_RUNNER_URL: runner.origin,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: '42',
      TELEGRAM_API_BASE: telegram.origin,
    });
  });
  afterAll(async () => {
    await running?.close();
    await telegram?.stop();
    await runner?.stop();
    await sim?.stop();
    tmp.cleanup();
  });
  beforeEach(() => telegram.reset());

  it('sends exactly one message for a sustained breach, none for spikes, and uses thresholds changed by /control', async () => {
    // 5 s between points. Spikes: single points (and a 5 s pair) above every ceiling in play.
    const spikes = new Set([10, 20, 30, 40, 41, 115]);
    const race = craft(generateSingleSport({ seed: 12, start: START, sport: 'bike', durationMin: 20 }), (i) => {
      if (spikes.has(i)) return { hr: 185, power: 200 };
      if (i >= 60 && i < 90) return { hr: 160, power: 200 }; // 145 s above 150: the one HR alert
      if (i >= 90 && i < 100) return { hr: 148, power: 200 }; // back inside, but not by the margin
      if (i >= 100 && i < 130) return { hr: 158, power: 200 }; // breach again: hysteresis keeps quiet
      if (i >= 140 && i < 160) return { hr: 140, power: 300 }; // power ceiling: the sentinel alert
      return { hr: 140, power: 200 };
    });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), {
      race_type: 'bike', hr_max: 190, power_max: 250, analyze_interval_secs: 600, min_elapsed_min: 600,
    });

    // Spikes only (and nothing above the first ceiling of 190).
    sim.release(s.sessionId, 60);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    // Lower the ceiling: it applies from the next poll, so the next breach is judged against 150.
    const changed = await postJson(`${running.baseUrl}/control`, { session_id: s.sessionId, hr_max: 150 });
    expect(changed.status).toBe(200);

    sim.release(s.sessionId, 40); // 60..99: the sustained breach, then back to 148
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    await waitFor(() => telegram.messages.length >= 1, 5000, 'the HR alert');

    // The next Telegram call gets a 429 first: the client waits retry_after and delivers once.
    telegram.failNext(['429'], 1);
    sim.release(s.sessionId, 70); // 100..169: second breach (quiet), more spikes, then the power sentinel
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    await waitFor(() => telegram.messages.length >= 2, 8000, 'the power alert');

    const texts = telegram.messages.map((m) => m.text);
    expect(texts).toHaveLength(2);
    expect(texts[0]).toMatch(/^Bike: HR 160 for 30 s, ceiling 150 — ease off$/);
    expect(texts[1]).toMatch(/^Bike: Power 300 W for 30 s, ceiling 250 W — ease off$/);
    expect(telegram.messages.every((m) => m.chat_id === '42')).toBe(true);
    expect(telegram.requests.map((r) => r.status)).toEqual([200, 429, 200]);

    const st = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.alerts_sent === 2 ? x : null;
    }, 5000, 'alerts_sent counted');
    expect(st.thresholds.hr_max).toBe(150);

    const health = await json(await fetch(`${running.baseUrl}/health`));
    expect(health.details.integrations.telegram).toMatchObject({ enabled: true, delivery: { sent: 2, failed: 0, retries: 1 } });
    expect(JSON.stringify(health)).not.toContain(telegram.token);
    await postJson(`${running.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });

  it('applies bike thresholds on the bike, run_* on the run, and none in the swim or transitions', async () => {
    // HR above hr_max (150) everywhere except the first half of the bike; only the bike's
    // second half and the run's second half (above run_hr_max 170) may alert.
    const race = generateTriathlon({ seed: 3, start: START, pointIntervalS: 5, scale: 0.05 });
    const legOf = (p: GarminTrackPoint) => race.legs.find((l) => Date.parse(String(p.dateTime)) < l.to.getTime())?.leg ?? 'run';
    const half = (p: GarminTrackPoint) => {
      const leg = race.legs.find((l) => l.leg === legOf(p))!;
      return Date.parse(String(p.dateTime)) < (leg.from.getTime() + leg.to.getTime()) / 2 ? 1 : 2;
    };
    craft(race, (_i, p) => {
      switch (p.activityType) {
        case 'CYCLING': return { hr: half(p) === 1 ? 140 : 160 };
        case 'RUNNING': return { hr: half(p) === 1 ? 165 : 180 };
        default: return { hr: 175 }; // swim and transitions
      }
    });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), {
      race_type: 'triathlon', hr_max: 150, run_hr_max: 170, analyze_interval_secs: 600, min_elapsed_min: 600,
    });
    sim.releaseAll(s.sessionId);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    // The END point stops tracking; every batch has been judged by then.
    await waitFor(async () => (await status(running.baseUrl, s.sessionId)).state === 'finished', 10000, 'race end');
    const st = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.alerts_sent >= 2 ? x : null;
    }, 5000, 'two alerts');

    expect(st.alerts_sent).toBe(2);
    expect(telegram.messages.map((m) => m.text).sort()).toEqual([
      'Bike: HR 160 for 30 s, ceiling 150 — ease off',
      'Run: HR 180 for 30 s, ceiling 170 — ease off',
    ]);
  });
});
