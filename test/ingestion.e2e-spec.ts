import { join } from 'node:path';
import { generateSingleSport, generateTriathlon, LiveTrackSimulator } from '../src/simulator';
import { json, postJson, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { createTestDatabase } from './support/pg-database';
import { releasedTimes, simulatorEnv, startTracking, status, storedPoints, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));

// The same scenarios on the embedded SQLite default and on a real PostgreSQL (DATABASE_URL).
describe.each(['sqlite', 'postgres'] as const)('ingestion against the replay simulator (%s)', (kind) => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let running: RunningApp;
  let database: { url: string; drop: () => Promise<void> } | null = null;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 11 });
    await sim.start();
    if (kind === 'postgres') database = await createTestDatabase('ingest');
    running = await startApp({
      ...(database ? { DATABASE_URL: database.url } : { DB_PATH: join(tmp.dir, 'ingest.db') }),
      ...simulatorEnv(sim),
    });
  });
  afterAll(async () => {
    await running?.close();
    await sim?.stop();
    await database?.drop();
    tmp.cleanup();
  });

  it('reports which database it stores in, ready with migrations applied', async () => {
    const ready = await fetch(`${running.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);
    const health = await json(await fetch(`${running.baseUrl}/health`));
    expect(health.details.database).toMatchObject({ status: 'up', kind });
    expect(JSON.stringify(health)).not.toContain(database?.url ?? 'no-url');
  });

  it('captures a triathlon exactly once, with legs, nulls for absent sensors and steps/min on the run', async () => {
    const race = generateTriathlon({ seed: 3, start: START, pointIntervalS: 20, scale: 0.2 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    const started = await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_name: 'Test 70.3', hr_max: 150, min_elapsed_min: 600 });
    expect(started).toMatchObject({ session_id: s.sessionId, active: true, state: 'active', race_name: 'Test 70.3' });
    expect(started.url).not.toContain(s.token);
    expect(started.thresholds.hr_max).toBe(150);

    // Release in uneven batches; Garmin's inclusive `begin` re-sends the last point every poll.
    const total = race.points.length;
    for (const n of [3, 17, 60, Math.floor(total / 3)]) {
      sim.release(s.sessionId, n);
      await waitForExactly(running.baseUrl, sim, s.sessionId);
    }
    sim.releaseAll(s.sessionId);
    const stored = await waitForExactly(running.baseUrl, sim, s.sessionId);
    expect(stored).toHaveLength(total);

    // Legs appear in race order, each once.
    const legs = stored.map((p) => p.leg).filter((leg, i, all) => i === 0 || all[i - 1] !== leg);
    expect(legs).toEqual(['swim', 't1', 'bike', 't2', 'run']);
    // Early STATIONARY points have no sensors: null, never 0.
    expect(stored[0]).toMatchObject({ heart_rate: null, power: null, cadence: null });
    for (const p of stored) {
      for (const field of ['heart_rate', 'power', 'cadence'] as const) expect(p[field]).not.toBe(0);
    }
    // Garmin sends running cadence in strides; the API answers steps per minute.
    const garminRun = race.points.find((p) => p.activityType === 'RUNNING' && typeof p.cadenceCyclesPerMin === 'number')!;
    const storedRun = stored.find((p) => p.time === new Date(String(garminRun.dateTime)).toISOString())!;
    expect(storedRun.cadence).toBe(Math.round(Number(garminRun.cadenceCyclesPerMin) * 2));

    // Every poll after the first asked from the newest stored point (inclusive begin).
    const begins = sim.stats(s.sessionId).begins.filter(Boolean);
    expect(begins.length).toBeGreaterThan(0);
    expect(releasedTimes(race.points)).toEqual(expect.arrayContaining(begins.map((b) => new Date(b).toISOString())));

    const st = await status(running.baseUrl, s.sessionId);
    expect(st).toMatchObject({ points: total, poll_errors: 0, current_leg: 'run', last_point_at: stored[stored.length - 1].time });

    // The END event stops tracking (the last point carries eventTypes ["END"]).
    const ended = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.active ? null : x;
    }, 10000, 'stop on END');
    expect(ended).toMatchObject({ state: 'finished', stop_reason: 'end_event' });
  });

  it('stores exactly the released points across 429, 5xx, garbage, truncated, HTML, wrong-shape and CSRF rotation', async () => {
    const race = generateSingleSport({ seed: 8, start: START, sport: 'bike', durationMin: 30 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'bike', min_elapsed_min: 600 });
    sim.release(s.sessionId, 50);
    await waitForExactly(running.baseUrl, sim, s.sessionId);

    const bursts: Array<Parameters<LiveTrackSimulator['injectFaults']>[0]> = [
      ['429', '429'], ['500', '503', '500'], ['garbage', 'truncated'], ['html', 'wrong-shape'],
    ];
    for (const burst of bursts) {
      sim.injectFaults(burst, { sessionId: s.sessionId, path: 'points', retryAfterS: 1 });
      sim.release(s.sessionId, 40);
      await waitForExactly(running.baseUrl, sim, s.sessionId);
    }
    const handshakesBefore = sim.stats().handshakes;
    sim.rotateCsrf();
    sim.release(s.sessionId, 40);
    const stored = await waitForExactly(running.baseUrl, sim, s.sessionId);
    expect(sim.stats().handshakes).toBeGreaterThan(handshakesBefore);
    expect(new Set(stored.map((p) => p.time)).size).toBe(stored.length);

    const st = await status(running.baseUrl, s.sessionId);
    expect(st.active).toBe(true);
    expect(st.poll_errors).toBeGreaterThanOrEqual(9);
    expect(st.last_error).toBeTruthy();
    expect(st.points).toBe(stored.length);
    await postJson(`${running.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });

  it('returns the existing session when the same URL (in another form) is started again', async () => {
    const race = generateSingleSport({ seed: 2, start: START, sport: 'run', durationMin: 5 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    const first = await postJson(`${running.baseUrl}/sessions`, { url: sim.shareUrl(s.sessionId), race_config: { poll_interval_secs: 1 } });
    expect(first.status).toBe(201);
    const again = await postJson(`${running.baseUrl}/sessions`, { url: sim.shareUrl(s.sessionId, 'query') });
    expect(again.status).toBe(200);
    expect((await json(again)).session_id).toBe(s.sessionId);
    const viaShort = await postJson(`${running.baseUrl}/sessions`, { url: sim.addShortLink(s.sessionId) });
    expect(viaShort.status).toBe(200);
    const list = await json(await fetch(`${running.baseUrl}/sessions`));
    expect(list.sessions.filter((x: any) => x.session_id === s.sessionId)).toHaveLength(1);
    const stopped = await json(await postJson(`${running.baseUrl}/sessions/${s.sessionId}/stop`, {}));
    expect(stopped).toMatchObject({ active: false, state: 'stopped', stop_reason: 'manual' });
  });

  it('serves points of the last N minutes, oldest first, and validates the query', async () => {
    const race = generateSingleSport({ seed: 4, start: START, sport: 'run', durationMin: 20 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    sim.releaseAll(s.sessionId);
    const all = await waitForExactly(running.baseUrl, sim, s.sessionId);
    const last = Date.parse(all[all.length - 1].time);
    const res = await json(await fetch(`${running.baseUrl}/sessions/${s.sessionId}/points?minutes=5`));
    const expected = all.filter((p) => Date.parse(p.time) >= last - 5 * 60_000);
    expect(res.points.map((p: any) => p.time)).toEqual(expected.map((p) => p.time));
    expect(Object.keys(res.points[0]).sort()).toEqual(
      ['activity_type', 'altitude_m', 'cadence', 'distance_m', 'duration_s', 'heart_rate', 'lat', 'leg', 'lon', 'power', 'speed_mps', 'status', 'time'].sort(),
    );
    const bad = await fetch(`${running.baseUrl}/sessions/${s.sessionId}/points?minutes=-3&since=yesterday&extra=1`);
    expect(bad.status).toBe(400);
    expect((await json(bad)).fields).toEqual(expect.arrayContaining(['minutes', 'since', 'extra']));
    expect((await fetch(`${running.baseUrl}/sessions/nope-404/points`)).status).toBe(404);
    await postJson(`${running.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });

  it('refuses off-list origins, off-list redirect hops, link-local addresses and URLs without a token', async () => {
    const race = generateSingleSport({ seed: 6, start: START, sport: 'run', durationMin: 5 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    const cases: Array<[string, RegExp]> = [
      [`https://evil.example.com/session/${s.sessionId}/token/${s.token}`, /not (in|on) LIVETRACK_ALLOWED_ORIGINS|not allowed/i],
      [sim.redirectUrl(`http://127.0.0.2:9/session/${s.sessionId}/token/${s.token}`), /not (in|on) LIVETRACK_ALLOWED_ORIGINS|not allowed/i],
      [`http://169.254.169.254/session/${s.sessionId}/token/${s.token}`, /link-local/i],
      [`${sim.origin}/session/${s.sessionId}`, /no LiveTrack token/i],
    ];
    for (const [url, pattern] of cases) {
      const res = await postJson(`${running.baseUrl}/sessions`, { url });
      const body = await json(res);
      expect(res.status).toBe(400);
      expect(body.fields).toEqual(['url']);
      expect(body.message).toMatch(pattern);
      expect(JSON.stringify(body)).not.toContain(s.token);
    }
    // Nothing was stored or requested off-list.
    expect((await fetch(`${running.baseUrl}/sessions/${s.sessionId}`)).status).toBe(404);
  });

  it('stops by the stale rule only after min_elapsed_min, even with sparse early data', async () => {
    const race = generateSingleSport({ seed: 12, start: START, sport: 'run', durationMin: 10 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    // stale after 0.03 min (1.8 s) but never before 0.15 min (9 s) of tracking.
    const started = Date.now();
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', stale_stop_min: 0.03, min_elapsed_min: 0.15 });
    sim.release(s.sessionId, 2);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    // Sparse data: long silences well past the stale window, still inside min_elapsed.
    await new Promise((r) => setTimeout(r, 3000));
    expect((await status(running.baseUrl, s.sessionId)).active).toBe(true);
    sim.release(s.sessionId, 1);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    const stopped = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.active ? null : x;
    }, 20000, 'stale stop');
    expect(Date.now() - started).toBeGreaterThanOrEqual(9000);
    expect(stopped).toMatchObject({ state: 'finished', stop_reason: 'stale', points: 3 });
    expect(stopped.stop_detail).toMatch(/no new point/);
  });

  it('stops when Garmin reports the real end', async () => {
    const race = generateSingleSport({ seed: 13, start: START, sport: 'bike', durationMin: 10 });
    // Drop the END event so only the metadata end can stop it.
    race.points[race.points.length - 1] = { ...race.points[race.points.length - 1], eventTypes: [] };
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'bike', min_elapsed_min: 600 });
    sim.releaseAll(s.sessionId);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    expect((await status(running.baseUrl, s.sessionId)).active).toBe(true);
    sim.finish(s.sessionId);
    const stopped = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.active ? null : x;
    }, 15000, 'garmin end');
    expect(stopped).toMatchObject({ stop_reason: 'garmin_end', points: race.points.length });
  });

  it('tracks 20 sessions at once, each exactly', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const race = generateSingleSport({ seed: 100 + i, start: START, sport: i % 2 ? 'run' : 'bike', durationMin: 8 });
      const s = sim.addSession({ race, postTrackPointFrequency: 1 });
      ids.push(s.sessionId);
    }
    await Promise.all(ids.map((id) => startTracking(running.baseUrl, sim.shareUrl(id), { min_elapsed_min: 600 })));
    for (const id of ids) sim.release(id, 30);
    for (const id of ids) await waitForExactly(running.baseUrl, sim, id);
    for (const id of ids) sim.releaseAll(id);
    for (const id of ids) await waitForExactly(running.baseUrl, sim, id);
    const health = await json(await fetch(`${running.baseUrl}/health`));
    expect(health.status).toBe('ok');
    for (const id of ids) expect((await storedPoints(running.baseUrl, id)).length).toBe(sim.released(id).length);
  });
});
