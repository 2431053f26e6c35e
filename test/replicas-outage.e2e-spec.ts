// A PostgreSQL outage mid-race: two replica processes on a database server of their own (this test
// takes it down for 20 s). They keep running, readiness goes false and comes back, and afterwards
// every point released meanwhile is stored (re-fetched with Garmin's `begin`), once.
import { generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { startServerProcess, ServerProcess, waitFor } from './support/app';
import { releasedTimes, simulatorEnv, startTracking, storedPoints } from './support/tracking';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startPostgres } = require('./support/postgres-server');

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const OUTAGE_MS = 20_000;

jest.setTimeout(180_000);

describe('a PostgreSQL outage mid-race', () => {
  let sim: LiveTrackSimulator;
  let pg: { url: string; stop: () => Promise<void>; pause: () => Promise<void>; unpause: () => Promise<void> };
  const replicas: ServerProcess[] = [];

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 91 });
    await sim.start();
    // Its own server: stopping the suite's shared one would break the specs running beside this one.
    pg = await startPostgres({ own: true });
    const env = (id: string) => ({
      DATABASE_URL: pg.url, REPLICA_ID: id, LEASE_TTL_S: '3', ANALYSIS_BACKEND: 'off', LOG_LEVEL: 'warn', LIVETRACK_COMPILE_CACHE: 'off',
      ...simulatorEnv(sim),
    });
    replicas.push(await startServerProcess(env('o1'), 30_000));
    replicas.push(await startServerProcess(env('o2'), 30_000));
  });
  afterAll(async () => {
    for (const r of replicas) r.child.kill('SIGKILL');
    await Promise.all(replicas.map((r) => r.exited));
    await sim?.stop();
    await pg?.stop();
  });

  const ready = async (r: ServerProcess) => (await fetch(`${r.baseUrl}/health/ready`).catch(() => null))?.status ?? 0;

  it('pauses instead of crashing, goes unready and back, and loses nothing', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 6; i++) {
      const s = sim.addSession({ race: generateSingleSport({ seed: 500 + i, start: START, sport: 'bike', durationMin: 20 }), postTrackPointFrequency: 1 });
      await startTracking(replicas[i % 2].baseUrl, sim.shareUrl(s.sessionId), { race_type: 'bike', poll_interval_secs: 1, min_elapsed_min: 600 });
      sim.release(s.sessionId, 20);
      ids.push(s.sessionId);
    }
    const exact = async () => {
      for (const id of ids) {
        const expected = releasedTimes(sim.released(id));
        const stored = await storedPoints(replicas[0].baseUrl, id);
        if (stored.length !== expected.length || stored.some((p, i) => p.time !== expected[i])) return false;
      }
      return true;
    };
    await waitFor(exact, 30_000, 'every point stored before the outage');

    await pg.pause();
    const downAt = Date.now();
    for (const id of ids) sim.release(id, 30); // the race goes on while the database is away
    for (const r of replicas) await waitFor(async () => (await ready(r)) === 503, 15_000, 'readiness false while the database is down');
    // Both keep serving (liveness) and neither exits while it lasts.
    while (Date.now() - downAt < OUTAGE_MS) {
      for (const r of replicas) {
        expect(r.child.exitCode).toBeNull();
        expect((await fetch(`${r.baseUrl}/health/live`)).status).toBe(200);
      }
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
    await pg.unpause();

    for (const r of replicas) await waitFor(async () => (await ready(r)) === 200, 30_000, 'readiness back once the database answers');
    await waitFor(exact, 60_000, 'every point released during the outage stored afterwards');
    for (const id of ids) sim.releaseAll(id);
    await waitFor(exact, 60_000, 'every point stored to the end');
    for (const r of replicas) expect(r.child.exitCode).toBeNull();
    const health = await (await fetch(`${replicas[0].baseUrl}/health`)).json();
    expect(health.details.tracker.cluster.round_errors).toBeGreaterThan(0);
  });
});
