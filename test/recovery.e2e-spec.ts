import { join } from 'node:path';
import { generateTriathlon, LiveTrackSimulator } from '../src/simulator';
import { json, startServerProcess, tempDir, waitFor } from './support/app';
import { simulatorEnv, startTracking, status, storedPoints, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));

describe('crash and restart recovery (server as a child process)', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 21 });
    await sim.start();
  });
  afterAll(async () => {
    await sim?.stop();
    tmp.cleanup();
  });

  it('kill -9 mid-race, restart on the same DB: resumes by itself and ends with exactly the released points', async () => {
    const env = { DB_PATH: join(tmp.dir, 'crash.db'), LOG_LEVEL: 'warn', ...simulatorEnv(sim) };
    const race = generateTriathlon({ seed: 5, start: START, pointIntervalS: 10, scale: 0.3 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });

    let server = await startServerProcess(env);
    try {
      await startTracking(server.baseUrl, sim.shareUrl(s.sessionId), { min_elapsed_min: 600 });
      sim.release(s.sessionId, 200);
      await waitForExactly(server.baseUrl, sim, s.sessionId);
      // Release a large batch and kill while the server is fetching/storing it.
      sim.release(s.sessionId, 800);
      const polled = sim.stats(s.sessionId).requests.points;
      await waitFor(() => sim.stats(s.sessionId).requests.points > polled, 10000, `a poll of the new batch (${JSON.stringify(sim.stats(s.sessionId).requests)})`);
    } finally {
      server.child.kill('SIGKILL');
    }
    expect(await server.exited).toBe('SIGKILL');

    sim.release(s.sessionId, 300);
    server = await startServerProcess(env);
    try {
      // No POST: the session resumes from the stored state.
      await waitForExactly(server.baseUrl, sim, s.sessionId, 30000);
      sim.releaseAll(s.sessionId);
      const stored = await waitForExactly(server.baseUrl, sim, s.sessionId, 30000);
      expect(stored).toHaveLength(race.points.length);
      expect(new Set(stored.map((p) => p.time)).size).toBe(stored.length);
      const st = await waitFor(async () => {
        const x = await status(server.baseUrl, s.sessionId);
        return x.active ? null : x;
      }, 15000, 'END after resume');
      expect(st).toMatchObject({ stop_reason: 'end_event', points: race.points.length });
    } finally {
      server.child.kill('SIGKILL');
      await server.exited;
    }
  });

  it('SIGTERM mid-race exits 0 quickly; the next boot resumes with no loss or duplication', async () => {
    const env = { DB_PATH: join(tmp.dir, 'term.db'), LOG_LEVEL: 'warn', ...simulatorEnv(sim) };
    const race = generateTriathlon({ seed: 6, start: START, pointIntervalS: 15, scale: 0.2 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });

    let server = await startServerProcess(env);
    await startTracking(server.baseUrl, sim.shareUrl(s.sessionId), { min_elapsed_min: 600 });
    // Stay short of the last point: its END event would finish the race before the restart.
    const half = Math.floor(race.points.length / 2);
    sim.release(s.sessionId, half);
    await waitForExactly(server.baseUrl, sim, s.sessionId);
    sim.release(s.sessionId, race.points.length - half - 20);
    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10000);

    server = await startServerProcess(env);
    try {
      const st = await json(await fetch(`${server.baseUrl}/sessions/${s.sessionId}`));
      expect(st.active).toBe(true);
      sim.releaseAll(s.sessionId);
      const stored = await waitForExactly(server.baseUrl, sim, s.sessionId, 30000);
      expect(stored).toHaveLength(race.points.length);
      expect((await storedPoints(server.baseUrl, s.sessionId)).length).toBe(race.points.length);
    } finally {
      server.child.kill('SIGTERM');
      await server.exited;
    }
  });
});
