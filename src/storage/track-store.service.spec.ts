import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { createTestDatabase } from '../../test/support/pg-database';
import { postgresOptions, sqliteOptions } from './data-source-options';
import { RaceSessionEntity } from './race-session.entity';
import { TrackStore } from './track-store.service';
import { TrackpointRecord } from './trackpoint.types';

const T0 = Date.UTC(2026, 5, 1, 7);
const point = (sec: number, hr: number | null = 140): TrackpointRecord => ({
  time: T0 + sec * 1000, lat: 46.5, lon: 6.6, altitudeM: 400, speedMps: 9, distanceM: sec * 9, durationS: sec,
  heartRate: hr, cadence: 88, power: null, activityType: 'CYCLING', leg: 'bike', status: 'MOVING',
});

function session(id: string, state: RaceSessionEntity['state'], startedAt: number): RaceSessionEntity {
  return Object.assign(new RaceSessionEntity(), {
    id, shareUrl: `https://livetrack.garmin.com/session/${id}/token/T`, raceConfig: {}, thresholds: {}, state,
    stopReason: null, stopDetail: null, sessionName: null, athlete: null, garminStart: null, garminEnd: null, postFrequencyS: null,
    startedAt, stoppedAt: null, updatedAt: startedAt, lastPointAt: null, lastNewPointReceivedAt: null, points: 0, polls: 0,
    pollErrors: 0, lastError: null, lastErrorAt: null, lastPollAt: null, rejectedPoints: 0, analysisRuns: 0, analysisErrors: 0,
    lastAnalysisAt: null, lastAnalysisResult: null, alertsSent: 0, thresholdsUpdatedAt: null, thresholdsUpdatedBy: null,
  });
}

describe.each(['sqlite', 'postgres'] as const)('TrackStore on a real %s database', (kind) => {
  let dir: string;
  let dataSource: DataSource;
  let store: TrackStore;
  let dropDatabase: () => Promise<void> = async () => {};

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'trackstore-'));
    if (kind === 'sqlite') {
      dataSource = new DataSource({ ...sqliteOptions(join(dir, 'a', 'b.db')), logging: false });
    } else {
      const db = await createTestDatabase('trackstore');
      dropDatabase = db.drop;
      dataSource = new DataSource({ ...postgresOptions(db.url), logging: false });
    }
    await dataSource.initialize();
    store = new TrackStore(dataSource);
    await store.createSession(session('s1', 'active', T0));
  });
  afterEach(async () => {
    await dataSource.destroy();
    await dropDatabase();
    rmSync(dir, { recursive: true, force: true });
  });

  it('inserts a batch once: re-sent points are skipped and counters follow the rows really inserted', async () => {
    expect(await store.insertPointsIgnoringDuplicates('s1', [point(0), point(5), point(10)], {}, { polls: 1 })).toBe(3);
    // Garmin's inclusive begin sends the last point again, plus new ones.
    expect(await store.insertPointsIgnoringDuplicates('s1', [point(10), point(15)], {}, { polls: 1 })).toBe(1);
    const s = (await store.findSession('s1'))!;
    expect(s).toMatchObject({ points: 4, polls: 2, lastPointAt: T0 + 15_000 });
    expect(s.lastNewPointReceivedAt).not.toBeNull();
    expect(await store.countPoints('s1')).toBe(4);
  });

  it('inserts large batches across statement chunks in one transaction', async () => {
    const many = Array.from({ length: 1234 }, (_, i) => point(i));
    expect(await store.insertPointsIgnoringDuplicates('s1', many)).toBe(1234);
    expect(await store.insertPointsIgnoringDuplicates('s1', many)).toBe(0);
    expect((await store.findSession('s1'))!.points).toBe(1234);
  });

  it('answers a window oldest first with nulls kept', async () => {
    await store.insertPointsIgnoringDuplicates('s1', [point(20, null), point(0), point(10)]);
    const window = await store.findWindow('s1', T0 + 5_000);
    expect(window.map((p) => p.time)).toEqual([T0 + 10_000, T0 + 20_000]);
    expect(window[1]).toEqual(point(20, null));
    expect(await store.findLastPoint('s1')).toEqual(point(20, null));
  });

  it('lists active sessions first, then recent ones, and reports stats', async () => {
    await store.createSession(session('old', 'finished', T0 - 10_000));
    await store.createSession(session('new', 'stopped', T0 + 10_000));
    await store.insertPointsIgnoringDuplicates('s1', [point(0), point(1)]);
    expect((await store.listSessions()).map((s) => s.id)).toEqual(['s1', 'new', 'old']);
    const stats = await store.stats();
    expect(stats).toMatchObject({ races: 3, active_races: 1, points: 2 });
    expect(stats.db_bytes).toBeGreaterThan(0);
    expect(await store.isReady()).toEqual({ ok: true, detail: 'migrations applied' });
  });

  it('increments counters atomically', async () => {
    await Promise.all([
      store.incrementSession('s1', { pollErrors: 1 }, { lastError: 'a' }),
      store.incrementSession('s1', { pollErrors: 1, polls: 2 }),
    ]);
    expect(await store.findSession('s1')).toMatchObject({ pollErrors: 2, polls: 2 });
  });
});
