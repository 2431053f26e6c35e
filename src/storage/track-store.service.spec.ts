import { join } from 'node:path';
import { openTestDataSource, sessionRow, TestDataSource } from '../../test/support/pg-database';
import { RaceSessionEntity } from './race-session.entity';
import { TrackStore } from './track-store.service';
import { TrackpointRecord } from './trackpoint.types';

const T0 = Date.UTC(2026, 5, 1, 7);
const point = (sec: number, hr: number | null = 140): TrackpointRecord => ({
  time: T0 + sec * 1000, lat: 46.5, lon: 6.6, altitudeM: 400, speedMps: 9, distanceM: sec * 9, durationS: sec,
  heartRate: hr, cadence: 88, power: null, activityType: 'CYCLING', leg: 'bike', status: 'MOVING',
});

const session = (id: string, state: RaceSessionEntity['state'], startedAt: number) => sessionRow(id, startedAt, { state });

describe.each(['sqlite', 'postgres'] as const)('TrackStore on a real %s database', (kind) => {
  let db: TestDataSource;
  let store: TrackStore;

  beforeEach(async () => {
    // A nested path: the SQLite folder is created when missing.
    db = await openTestDataSource(kind, 'trackstore', join('a', 'b.db'));
    store = new TrackStore(db.dataSource);
    await store.createSession(session('s1', 'active', T0));
  });
  afterEach(() => db.close());

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

  it('never moves last_point_at back for a late older batch, and keeps one copy of a point repeated in a batch', async () => {
    await store.insertPointsIgnoringDuplicates('s1', [point(30)]);
    expect(await store.insertPointsIgnoringDuplicates('s1', [point(5), point(5), point(10)], {}, { polls: 1 })).toBe(2);
    expect(await store.findSession('s1')).toMatchObject({ points: 3, polls: 1, lastPointAt: T0 + 30_000 });
  });

  it('updates json columns and counters in one write', async () => {
    await store.incrementSession('s1', { alertsSent: 2 }, { alertState: { hr: { over: true } }, lastError: null });
    expect(await store.findSession('s1')).toMatchObject({ alertsSent: 2, alertState: { hr: { over: true } }, lastError: null });
  });

  it('reads the resume marks of many sessions at once: first point time and newest leg, or nothing stored', async () => {
    await store.createSession(session('empty', 'active', T0 + 1));
    await store.insertPointsIgnoringDuplicates('s1', [point(10), { ...point(20), leg: 'run' }, point(5)]);
    const marks = await store.findResumeMarks(['s1', 'empty', 'unknown']);
    expect(Object.fromEntries(marks)).toEqual({
      s1: { firstTime: T0 + 5_000, lastLeg: 'run' },
      empty: { firstTime: null, lastLeg: null },
    });
  });

  it('increments counters atomically', async () => {
    await Promise.all([
      store.incrementSession('s1', { pollErrors: 1 }, { lastError: 'a' }),
      store.incrementSession('s1', { pollErrors: 1, polls: 2 }),
    ]);
    expect(await store.findSession('s1')).toMatchObject({ pollErrors: 2, polls: 2 });
  });
});
