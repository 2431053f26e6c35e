import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { json, postJson, RunningApp, spawnServer, startApp, tempDir, waitFor } from './support/app';
import { simulatorEnv, startTracking, status, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));

describe('fault suite: Garmin misbehaving', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let running: RunningApp;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 31 });
    await sim.start();
    running = await startApp({ DB_PATH: join(tmp.dir, 'faults.db'), ...simulatorEnv(sim, { LIVETRACK_REQUEST_TIMEOUT_MS: '500' }) });
  });
  afterAll(async () => {
    await running?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  async function trackedSession(durationMin = 20, raceConfig: Record<string, unknown> = {}) {
    const race = generateSingleSport({ seed: Math.floor(Math.random() * 1e6), start: START, sport: 'bike', durationMin });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'bike', min_elapsed_min: 600, ...raceConfig });
    sim.release(s.sessionId, 20);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    return s;
  }

  async function health() {
    const res = await fetch(`${running.baseUrl}/health`);
    return { status: res.status, body: await json(res) };
  }

  it('403 storms: re-handshakes when it helps, backs off when even a fresh handshake is refused', async () => {
    const s = await trackedSession();
    // Rotated CSRF: one fresh handshake fixes it, no poll error.
    const before = await status(running.baseUrl, s.sessionId);
    sim.rotateCsrf();
    sim.release(s.sessionId, 10);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    expect((await status(running.baseUrl, s.sessionId)).poll_errors).toBe(before.poll_errors);
    // A storm of 403s that a handshake does not cure: counted, backed off, then recovered.
    // Each poll spends two 403s (the call, and its retry after one fresh handshake).
    sim.injectFaults(Array(6).fill('403'), { sessionId: s.sessionId, path: 'points' });
    sim.release(s.sessionId, 10);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    const after = await status(running.baseUrl, s.sessionId);
    expect(after.poll_errors).toBeGreaterThanOrEqual(before.poll_errors + 3);
    expect(after.last_error).toMatch(/403/);
    expect(after.active).toBe(true);
    expect((await health()).body.status).toBe('ok');
  });

  it('429 with Retry-After: waits before asking again', async () => {
    const s = await trackedSession();
    sim.resetStats();
    sim.injectFaults(['429'], { sessionId: s.sessionId, path: 'points', retryAfterS: 2 });
    sim.release(s.sessionId, 10);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    const log = sim.stats(s.sessionId).log.filter((r) => r.kind === 'points');
    const limited = log.findIndex((r) => r.status === 429);
    expect(limited).toBeGreaterThanOrEqual(0);
    // Backoff for 429 is 2 min (x0.001 here), Retry-After 2 s (x0.001): the next ask is not immediate.
    expect(log[limited + 1].receivedAt - log[limited].receivedAt).toBeGreaterThanOrEqual(90);
  });

  it('timeouts, 5xx, HTML and truncated bodies: counted as poll errors, nothing lost', async () => {
    const s = await trackedSession();
    // Two malformed answers only: three in a row would switch to the share-page fallback (tested below).
    sim.injectFaults(['slow', '500', 'html', '503', 'truncated', 'slow'], { sessionId: s.sessionId, path: 'points', slowMs: 1500 });
    sim.release(s.sessionId, 30);
    await waitForExactly(running.baseUrl, sim, s.sessionId, 30000);
    const st = await status(running.baseUrl, s.sessionId);
    expect(st.poll_errors).toBeGreaterThanOrEqual(6);
    expect(st.active).toBe(true);
    expect(st.points).toBe(sim.released(s.sessionId).length);
  });

  it('points out of order and duplicated, and points with wrong types: stored once each, bad fields null', async () => {
    const s = await trackedSession();
    sim.injectFaults(['shuffled'], { sessionId: s.sessionId, path: 'points' });
    sim.release(s.sessionId, 25);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    sim.injectFaults(['wrong-types'], { sessionId: s.sessionId, path: 'points' });
    const batch = sim.release(s.sessionId, 5);
    const stored = await waitForExactly(running.baseUrl, sim, s.sessionId);
    const distorted = stored.filter((p) => batch.some((b) => new Date(String(b.dateTime)).toISOString() === p.time));
    expect(distorted).toHaveLength(5);
    for (const p of distorted) expect(p).toMatchObject({ heart_rate: null, power: null, cadence: null, lat: null, lon: null, distance_m: null });
    expect(new Set(stored.map((p) => p.time)).size).toBe(stored.length);
    const st = await status(running.baseUrl, s.sessionId);
    expect(st.points).toBe(stored.length);
  });

  it('when the points endpoint keeps changing shape, reads the share page instead and loses nothing', async () => {
    const s = await trackedSession();
    const pagesBefore = sim.stats(s.sessionId).requests.page;
    sim.injectFaults(Array(40).fill('wrong-shape'), { sessionId: s.sessionId, path: 'points' });
    sim.release(s.sessionId, 30);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    sim.release(s.sessionId, 30);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    expect(sim.stats(s.sessionId).requests.page).toBeGreaterThan(pagesBefore + 1);
    sim.clearFaults();
    // Back on the JSON endpoint after a probe.
    sim.release(s.sessionId, 30);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    const st = await status(running.baseUrl, s.sessionId);
    expect(st.active).toBe(true);
    expect(st.points).toBe(sim.released(s.sessionId).length);
  });

  it('a session that goes 404 mid-race keeps its data, reports the error, and ends by the stale rule as gone', async () => {
    const s = await trackedSession(20, { stale_stop_min: 0.05, min_elapsed_min: 0.05 });
    const kept = (await status(running.baseUrl, s.sessionId)).points;
    sim.setGone(s.sessionId, true);
    const stopped = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.active ? null : x;
    }, 20000, 'stop after 404');
    expect(stopped).toMatchObject({ state: 'finished', stop_reason: 'gone', points: kept });
    expect(stopped.last_error).toMatch(/404/);
    expect(stopped.stop_detail).toMatch(/404/);
  });
});

describe('fault suite: process faults', () => {
  it('a DB_PATH that cannot be created stops the boot with a clear error', async () => {
    const tmp = tempDir();
    try {
      const blocker = join(tmp.dir, 'a-file');
      writeFileSync(blocker, 'not a directory');
      const server = spawnServer({ DB_PATH: join(blocker, 'sub', 'livetrack.db'), PORT: '0' });
      expect(await server.exited).toBe(1);
      expect(server.output()).toMatch(/startup failed: .*(ENOTDIR|not a directory)/i);
      expect(server.output()).toContain(join(blocker, 'sub', 'livetrack.db'));
    } finally {
      tmp.cleanup();
    }
  });

  it('a database locked by another process stops the boot with a clear error instead of hanging', async () => {
    const tmp = tempDir();
    const dbPath = join(tmp.dir, 'locked.db');
    // Another process holds an exclusive lock for longer than the busy timeout.
    const locker = spawn(process.execPath, ['-e', `
      const D = require(${JSON.stringify(require.resolve('better-sqlite3'))});
      const db = new D(${JSON.stringify(dbPath)});
      db.exec('CREATE TABLE x (a); BEGIN EXCLUSIVE; INSERT INTO x VALUES (1);');
      console.log('locked');
      setTimeout(() => {}, 60000);
    `], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      await new Promise<void>((resolve) => locker.stdout!.once('data', () => resolve()));
      const server = spawnServer({ DB_PATH: dbPath, PORT: '0' });
      expect(await server.exited).toBe(1);
      expect(server.output()).toMatch(/startup failed: .*database is locked/i);
    } finally {
      locker.kill('SIGKILL');
      tmp.cleanup();
    }
  });

  it('reads still work while the tracker writes (WAL): a reader process sees a consistent count', async () => {
    const tmp = tempDir();
    const sim = new LiveTrackSimulator({ seed: 5 });
    await sim.start();
    const running = await startApp({ DB_PATH: join(tmp.dir, 'wal.db'), ...simulatorEnv(sim) });
    try {
      const race = generateSingleSport({ seed: 3, start: START, sport: 'run', durationMin: 30 });
      const s = sim.addSession({ race, postTrackPointFrequency: 1 });
      await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
      sim.releaseAll(s.sessionId);
      await waitForExactly(running.baseUrl, sim, s.sessionId);
      const reader = new Database(join(tmp.dir, 'wal.db'), { readonly: true });
      const row = reader.prepare('SELECT COUNT(*) AS n FROM trackpoints WHERE session_id = ?').get(s.sessionId) as { n: number };
      reader.close();
      expect(row.n).toBe(race.points.length);
      await postJson(`${running.baseUrl}/sessions/${s.sessionId}/stop`, {});
    } finally {
      await running.close();
      await sim.stop();
      tmp.cleanup();
    }
  });
});
