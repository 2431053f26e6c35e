// Race-day truth: the live site's behaviours the 2026 clients learned, each one played by the
// simulator against the real app; and the provisional stale stop (watch, revive, expire).
import { join } from 'node:path';
import { generateSingleSport, generateTriathlon, LiveTrackSimulator } from '../src/simulator';
import type { AddSessionOptions, SimulatorOptions } from '../src/simulator';
import { json, postJson, RunningApp, startApp, startServerProcess, tempDir, waitFor } from './support/app';
import { startTracking, status, storedPoints, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const run = (seed: number, durationMin = 6) => generateSingleSport({ seed, start: START, sport: 'run', durationMin });

/** Env for an app that may track every given simulator (each its own origin), plus their `localhost` aliases. */
function env(sims: LiveTrackSimulator[], extra: Record<string, string> = {}): Record<string, string> {
  const origins = sims.flatMap((s) => [s.origin, s.originOn('localhost')]);
  return { LIVETRACK_ALLOWED_ORIGINS: origins.join(','), LIVETRACK_BACKOFF_SCALE: '0.001', LIVETRACK_REQUEST_TIMEOUT_MS: '2000', ...extra };
}

/** Releases a race in three uneven batches and waits each time for exactly the released points. */
async function releaseInBatches(baseUrl: string, sim: LiveTrackSimulator, sessionId: string): Promise<any[]> {
  const total = sim.session(sessionId).race.points.length;
  for (const n of [5, Math.floor(total / 3)]) {
    sim.release(sessionId, n);
    await waitForExactly(baseUrl, sim, sessionId);
  }
  sim.releaseAll(sessionId);
  const stored = await waitForExactly(baseUrl, sim, sessionId);
  expect(stored).toHaveLength(total);
  expect(new Set(stored.map((p) => p.time)).size).toBe(stored.length);
  return stored;
}

const stopAll = async (baseUrl: string, ids: string[]) => {
  for (const id of ids) await postJson(`${baseUrl}/sessions/${id}/stop`, {});
};

describe('race-day truth: the live site as it behaves', () => {
  const tmp = tempDir();
  const sims = new Map<string, LiveTrackSimulator>();
  let app: RunningApp;
  const modes: Record<string, SimulatorOptions> = {
    plain: { seed: 31 },
    v2: { seed: 32, apiPaths: 'v2-only' },
    unversioned: { seed: 33, apiPaths: 'unversioned-only' },
    redirecting: { seed: 34, pageRedirects: true },
  };
  const sim = (name: string) => sims.get(name)!;

  beforeAll(async () => {
    for (const [name, opts] of Object.entries(modes)) {
      const s = new LiveTrackSimulator(opts);
      await s.start();
      sims.set(name, s);
    }
    app = await startApp({ DB_PATH: join(tmp.dir, 'race-day.db'), ...env([...sims.values()]) });
  });
  afterAll(async () => {
    await app?.close();
    for (const s of sims.values()) await s.stop();
    tmp.cleanup();
  });

  it.each([['v2'], ['unversioned']])('%s-only API paths: every point, once; the working path is remembered per origin', async (mode) => {
    const s = sim(mode).addSession({ race: run(40), postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim(mode).shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    await releaseInBatches(app.baseUrl, sim(mode), s.sessionId);
    const st = await status(app.baseUrl, s.sessionId);
    expect(st).toMatchObject({ poll_errors: 0, points_source: 'api', stop_reason: 'end_event' });
    // After the first answers, the wrong form is no longer asked first: 404s stay a handful.
    const misses = sim(mode).stats(s.sessionId).statuses['404'] ?? 0;
    expect(misses).toBeLessThanOrEqual(4);
    await stopAll(app.baseUrl, [s.sessionId]);
  });

  it('404 before the first point is "no points yet": normal cadence, no error, then every point', async () => {
    const s = sim('plain').addSession({ race: run(41), postTrackPointFrequency: 1, notFoundBeforeFirstPoint: true });
    await startTracking(app.baseUrl, sim('plain').shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    // Several polls at the normal 1 s cadence meet the 404.
    await waitFor(() => (sim('plain').stats(s.sessionId).statuses['404'] ?? 0) >= 6, 15000, 'polls meeting the 404');
    const before = await status(app.baseUrl, s.sessionId);
    expect(before).toMatchObject({ active: true, poll_errors: 0, last_error: null, points: 0 });
    expect(before.polls).toBeGreaterThanOrEqual(2);
    await releaseInBatches(app.baseUrl, sim('plain'), s.sessionId);
    expect((await status(app.baseUrl, s.sessionId)).poll_errors).toBe(0);
    await stopAll(app.baseUrl, [s.sessionId]);
  });

  it.each([
    ['a bare array', { pointsBody: 'array' }],
    ['an empty body when nothing is new', { emptyWhenNothingNew: true }],
    ['fitness values nested in fitnessPointData', { nestedFitness: true }],
  ] as Array<[string, Partial<AddSessionOptions>]>)('reads %s', async (_what, behaviour) => {
    const race = run(42);
    const s = sim('plain').addSession({ race, postTrackPointFrequency: 1, ...behaviour });
    await startTracking(app.baseUrl, sim('plain').shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    const stored = await releaseInBatches(app.baseUrl, sim('plain'), s.sessionId);
    // Sensor values arrive whichever way they are nested; cadence doubled only from strides.
    const garmin = race.points.find((p) => typeof p.heartRateBeatsPerMin === 'number' && typeof p.cadenceCyclesPerMin === 'number')!;
    const mine = stored.find((p) => p.time === new Date(String(garmin.dateTime)).toISOString())!;
    expect(mine.heart_rate).toBe(Math.round(Number(garmin.heartRateBeatsPerMin)));
    expect(mine.cadence).toBe(Math.round(Number(garmin.cadenceCyclesPerMin) * 2));
    expect(mine.activity_type).toBe('RUNNING');
    expect((await status(app.baseUrl, s.sessionId)).poll_errors).toBe(0);
    await stopAll(app.baseUrl, [s.sessionId]);
  });

  it.each([[404], [500]] as Array<[404 | 500]>)('metadata answering %s on every call never gates points', async (code) => {
    const race = run(43);
    const s = sim('plain').addSession({ race, postTrackPointFrequency: 1, metaFailure: code });
    const started = await startTracking(app.baseUrl, sim('plain').shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    expect(started.active).toBe(true);
    for (const n of [5, 40, race.points.length - 46]) {
      sim('plain').release(s.sessionId, n);
      await waitForExactly(app.baseUrl, sim('plain'), s.sessionId);
    }
    // Failing metadata is retried ever less often (1, 2, 4, 8 … polls), never instead of points.
    await waitFor(() => sim('plain').stats(s.sessionId).requests.points >= 20, 30000, '20 polls');
    const stats = sim('plain').stats(s.sessionId).requests;
    expect(stats.meta).toBeLessThan(stats.points);
    expect((await status(app.baseUrl, s.sessionId))).toMatchObject({ active: true, poll_errors: 0 });
    sim('plain').releaseAll(s.sessionId);
    await waitForExactly(app.baseUrl, sim('plain'), s.sessionId);
    await stopAll(app.baseUrl, [s.sessionId]);
  }, 60000);

  it('follows a redirecting share page (301/307/308) for the handshake and the page fallback', async () => {
    const s = sim('redirecting').addSession({ race: run(44), postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim('redirecting').shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    await releaseInBatches(app.baseUrl, sim('redirecting'), s.sessionId);
    expect(sim('redirecting').stats().statuses['308'] ?? sim('redirecting').stats().statuses['301']).toBeGreaterThan(0);
    await stopAll(app.baseUrl, [s.sessionId]);
  });

  it('starts from short links chained across hosts and from athlete pages (307 and NEXT_REDIRECT in a 200 body)', async () => {
    const p = sim('plain');
    const a = p.addSession({ race: run(45), postTrackPointFrequency: 1 });
    const b = p.addSession({ race: run(46), postTrackPointFrequency: 1 });
    const c = p.addSession({ race: run(47), postTrackPointFrequency: 1 });
    const viaShort = await startTracking(app.baseUrl, p.addShortLink(a.sessionId, 'query', { statuses: [301, 303, 307], host: 'localhost' }), { race_type: 'run', min_elapsed_min: 600 });
    const viaPage = await startTracking(app.baseUrl, p.addAthletePage('Jane.Doe', b.sessionId, 'next-redirect', 'localhost'), { race_type: 'run', min_elapsed_min: 600 });
    const viaRedirect = await startTracking(app.baseUrl, p.addAthletePage('joe', c.sessionId, 'redirect'), { race_type: 'run', min_elapsed_min: 600 });
    expect([viaShort.session_id, viaPage.session_id, viaRedirect.session_id]).toEqual([a.sessionId, b.sessionId, c.sessionId]);
    for (const x of [a, b, c]) await releaseInBatches(app.baseUrl, p, x.sessionId);

    // An athlete who is not live, and a hop off the allow-list, are clear 400s.
    p.addAthletePage('resting', null);
    const notLive = await postJson(`${app.baseUrl}/sessions`, { url: `${p.origin}/resting` });
    expect(notLive.status).toBe(400);
    expect((await json(notLive)).message).toMatch(/did not lead to a LiveTrack session/);
    await stopAll(app.baseUrl, [a.sessionId, b.sessionId, c.sessionId]);
  });

  it("falls back to today's app-router share page (chunks joined, query pages merged) and says so in points_source", async () => {
    const p = sim('plain');
    const race = run(48, 30); // 361 points: the page holds several query pages (120 points each)
    const s = p.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, p.shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    p.release(s.sessionId, 10);
    await waitForExactly(app.baseUrl, p, s.sessionId);
    // The JSON endpoint changes shape for good (from the tracker's view: many malformed answers).
    p.injectFaults(Array(60).fill('wrong-shape'), { sessionId: s.sessionId, path: 'points' });
    p.release(s.sessionId, 250);
    await waitForExactly(app.baseUrl, p, s.sessionId);
    expect((await status(app.baseUrl, s.sessionId)).points_source).toBe('page');
    expect(p.stats(s.sessionId).requests.page).toBeGreaterThanOrEqual(1);
    // The endpoint recovers: a probe (every 10th poll) finds it and tracking leaves the page.
    p.clearFaults();
    await waitFor(async () => (await status(app.baseUrl, s.sessionId)).points_source === 'api', 20000, 'back on the API');
    p.releaseAll(s.sessionId);
    const stored = await waitForExactly(app.baseUrl, p, s.sessionId);
    expect(stored).toHaveLength(race.points.length);
  });

  it('names a bot-protection challenge in last_error, backs off like a 403, and recovers with nothing lost', async () => {
    const p = sim('plain');
    const s = p.addSession({ race: run(49), postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, p.shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    p.release(s.sessionId, 20);
    await waitForExactly(app.baseUrl, p, s.sessionId);
    p.setBotChallenge(true);
    p.release(s.sessionId, 20);
    const blocked = await waitFor(async () => {
      const st = await status(app.baseUrl, s.sessionId);
      return st.poll_errors > 0 ? st : null;
    }, 10000, 'a challenged poll');
    expect(blocked.last_error).toMatch(/blocked by bot protection/);
    expect(blocked.active).toBe(true);
    p.setBotChallenge(false);
    await releaseInBatches(app.baseUrl, p, s.sessionId);
    await stopAll(app.baseUrl, [s.sessionId]);
  });
});

describe('one handshake per origin', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let app: RunningApp;
  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 51 });
    await sim.start();
    app = await startApp({ DB_PATH: join(tmp.dir, 'handshake.db'), ...env([sim]) });
  });
  afterAll(async () => {
    await app?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  it('50 sessions on one origin load the share page a handful of times, also after a CSRF rotation', async () => {
    const ids = Array.from({ length: 50 }, (_, i) => sim.addSession({ race: run(200 + i, 4), postTrackPointFrequency: 1 }).sessionId);
    await Promise.all(ids.map((id) => startTracking(app.baseUrl, sim.shareUrl(id), { race_type: 'run', min_elapsed_min: 600 })));
    for (const id of ids) sim.release(id, 10);
    for (const id of ids) await waitForExactly(app.baseUrl, sim, id);
    const afterStart = sim.stats().requests.page;
    expect(afterStart).toBeLessThanOrEqual(3);

    sim.rotateCsrf();
    for (const id of ids) sim.releaseAll(id);
    for (const id of ids) await waitForExactly(app.baseUrl, sim, id);
    const afterRotation = sim.stats().requests.page;
    expect(afterRotation).toBeGreaterThan(afterStart); // the pair was refreshed …
    expect(afterRotation - afterStart).toBeLessThanOrEqual(3); // … once for everyone, not 50 times
    for (const id of ids) expect((await status(app.baseUrl, id)).poll_errors).toBe(0);
    await stopAll(app.baseUrl, ids);
  }, 120000);
});

describe('provisional stale stop: watch, revive, expire', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let app: RunningApp;
  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 61, playTickMs: 50 });
    await sim.start();
    app = await startApp({ DB_PATH: join(tmp.dir, 'watch.db'), ...env([sim], { LIVETRACK_WATCH_INTERVAL_S: '1' }) });
  });
  afterAll(async () => {
    await app?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  it('a triathlon whose swim is an hour without points stops as stale, watches, revives on the bike, and ends with every point', async () => {
    // Race time runs 300× faster than the wall clock: 1 race minute = 0.2 s. In race minutes:
    // stale 15 after 30, tracking starts 35 min before the swim goes quiet, quiet for 60 min,
    // watch every 5 min.
    const SPEEDUP = 300;
    const wall = (raceMin: number) => raceMin / SPEEDUP; // in minutes of wall time
    const race = generateTriathlon({ seed: 7, start: START, pointIntervalS: 5, scale: 0.1, swimMin: 95, silences: [{ fromMin: 35, toMin: 95 }] });
    const s = sim.addSession({ race, postTrackPointFrequency: 5 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), {
      race_type: 'triathlon', stale_stop_min: wall(15), min_elapsed_min: wall(30), analyze_interval_secs: 1, hr_max: 100,
    });
    sim.play(s.sessionId, SPEEDUP, { finishAtEnd: true });

    const watching = await waitFor(async () => {
      const st = await status(app.baseUrl, s.sessionId);
      return st.watching_until ? st : null;
    }, 20000, 'the provisional stale stop');
    expect(watching).toMatchObject({ active: false, state: 'finished', stop_reason: 'stale', poll_state: 'watching', revivals: 0 });
    expect(Date.parse(watching.watching_until)).toBeGreaterThan(Date.now() + 23 * 3600_000);
    // An analysis already in flight at the stop may still finish: count from a moment later.
    await new Promise((r) => setTimeout(r, 800));
    const settled = await status(app.baseUrl, s.sessionId);
    const analysesAtStop = settled.analysis.runs;
    const pointsAtStop = watching.points;
    expect(pointsAtStop).toBeGreaterThan(0);

    // Still silent (swim): no analysis, no alert, cheap watch polls only.
    const pollsAtStop = sim.stats(s.sessionId).requests.points;
    await new Promise((r) => setTimeout(r, 2500));
    const during = await status(app.baseUrl, s.sessionId);
    expect(during).toMatchObject({ state: 'finished', analysis: { runs: analysesAtStop }, points: pointsAtStop, alerts_sent: 0 });
    const watchPolls = sim.stats(s.sessionId).requests.points - pollsAtStop;
    expect(watchPolls).toBeGreaterThanOrEqual(1);
    expect(watchPolls).toBeLessThanOrEqual(4); // every 1 s (5 race minutes), not every poll interval

    const revived = await waitFor(async () => {
      const st = await status(app.baseUrl, s.sessionId);
      return st.revivals === 1 ? st : null;
    }, 30000, 'the revival on the bike');
    expect(revived.points).toBeGreaterThan(pointsAtStop);

    const ended = await waitFor(async () => {
      const st = await status(app.baseUrl, s.sessionId);
      return st.stop_reason === 'end_event' ? st : null;
    }, 30000, 'the END of the race');
    expect(ended).toMatchObject({ state: 'finished', watching_until: null, revivals: 1, points: race.points.length });
    const stored = await storedPoints(app.baseUrl, s.sessionId);
    expect(stored).toHaveLength(race.points.length);
    expect(new Set(stored.map((p: any) => p.time)).size).toBe(stored.length);
    // Analysis ran again once the session was back.
    expect(ended.analysis.runs).toBeGreaterThan(analysesAtStop);
  }, 90000);

  it("a watch ends as `expired` when the link's 24 h are over", async () => {
    const start = new Date(Date.now() - 24 * 3600_000 + 8000); // the link dies in 8 s
    const race = generateSingleSport({ seed: 9, start, sport: 'run', durationMin: 30 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', stale_stop_min: 0.02, min_elapsed_min: 0.02 });
    sim.release(s.sessionId, 5);
    const watching = await waitFor(async () => {
      const st = await status(app.baseUrl, s.sessionId);
      return st.watching_until ? st : null;
    }, 15000, 'the watch');
    expect(Math.abs(Date.parse(watching.watching_until) - (start.getTime() + 24 * 3600_000))).toBeLessThan(1000);
    const expired = await waitFor(async () => {
      const st = await status(app.baseUrl, s.sessionId);
      return st.stop_reason === 'expired' ? st : null;
    }, 20000, 'expiry');
    expect(expired).toMatchObject({ state: 'finished', watching_until: null, poll_state: 'idle' });
  }, 60000);

  it('a manual stop ends a watch for good', async () => {
    const s = sim.addSession({ race: run(10), postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', stale_stop_min: 0.02, min_elapsed_min: 0.02 });
    sim.release(s.sessionId, 5);
    await waitFor(async () => (await status(app.baseUrl, s.sessionId)).watching_until, 15000, 'the watch');
    const stopped = await json(await postJson(`${app.baseUrl}/sessions/${s.sessionId}/stop`, {}));
    expect(stopped).toMatchObject({ state: 'stopped', stop_reason: 'manual', watching_until: null });
    const polls = sim.stats(s.sessionId).requests.points;
    sim.release(s.sessionId, 20);
    await new Promise((r) => setTimeout(r, 2500));
    expect(sim.stats(s.sessionId).requests.points).toBe(polls);
    expect((await status(app.baseUrl, s.sessionId)).revivals).toBe(0);
  }, 30000);
});

describe('a watch survives kill -9', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 71 });
    await sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    tmp.cleanup();
  });

  it('kill -9 during a watch, restart: still watching, revives when points come, nothing missed', async () => {
    const serverEnv = { DB_PATH: join(tmp.dir, 'watch-crash.db'), LOG_LEVEL: 'warn', ...env([sim], { LIVETRACK_WATCH_INTERVAL_S: '0.5' }) };
    const race = run(72, 10);
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    let server = await startServerProcess(serverEnv);
    try {
      await startTracking(server.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', stale_stop_min: 0.03, min_elapsed_min: 0.03 });
      sim.release(s.sessionId, 30);
      await waitForExactly(server.baseUrl, sim, s.sessionId);
      await waitFor(async () => (await status(server.baseUrl, s.sessionId)).watching_until, 15000, 'the watch');
    } finally {
      server.child.kill('SIGKILL');
    }
    expect(await server.exited).toBe('SIGKILL');

    server = await startServerProcess(serverEnv);
    try {
      const after = await status(server.baseUrl, s.sessionId);
      expect(after).toMatchObject({ state: 'finished', stop_reason: 'stale', revivals: 0 });
      expect(after.watching_until).toBeTruthy();
      await waitFor(async () => (await status(server.baseUrl, s.sessionId)).poll_state === 'watching', 10000, 'the watch resumed');
      sim.releaseAll(s.sessionId);
      const stored = await waitForExactly(server.baseUrl, sim, s.sessionId, 20000);
      expect(stored).toHaveLength(race.points.length);
      const revived = await waitFor(async () => {
        const st = await status(server.baseUrl, s.sessionId);
        return st.revivals === 1 ? st : null;
      }, 10000, 'revival');
      expect(revived.revivals).toBe(1);
      const ended = await waitFor(async () => {
        const st = await status(server.baseUrl, s.sessionId);
        return st.stop_reason === 'end_event' ? st : null;
      }, 15000, 'END');
      expect(ended).toMatchObject({ state: 'finished', watching_until: null, points: race.points.length });
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  }, 90000);
});
