import { openTestDataSource, sessionRow, TestDataSource } from '../../test/support/pg-database';
import { TrackStore } from './track-store.service';
import { TrackpointRecord } from './trackpoint.types';

const T0 = Date.UTC(2026, 5, 1, 7);
const point = (sec: number, distanceM: number | null = sec * 9): TrackpointRecord => ({
  time: T0 + sec * 1000, lat: 46.5, lon: 6.6, altitudeM: 400, speedMps: 9, distanceM, durationS: sec,
  heartRate: 140, cadence: 88, power: null, activityType: 'CYCLING', leg: 'bike', status: 'MOVING',
});

describe.each(['sqlite', 'postgres'] as const)('linked sessions in TrackStore on a real %s database', (kind) => {
  let db: TestDataSource;
  let store: TrackStore;

  beforeEach(async () => {
    db = await openTestDataSource(kind, 'linkedsessions');
    store = new TrackStore(db.dataSource);
    for (const id of ['a', 'b', 'c']) await store.createSession(sessionRow(id, T0, { athleteKey: 'zoe' }));
  });
  afterEach(() => db.close());

  it('links two sessions both ways, once: a taken link on either side refuses and changes nothing', async () => {
    expect(await store.linkSessions('a', 'b')).toBe(true);
    expect(await store.findSession('a')).toMatchObject({ previousSessionId: null, nextSessionId: 'b' });
    expect(await store.findSession('b')).toMatchObject({ previousSessionId: 'a', nextSessionId: null });
    // a is continued already; b continues a already.
    expect(await store.linkSessions('a', 'c')).toBe(false);
    expect(await store.linkSessions('c', 'b')).toBe(false);
    expect(await store.findSession('c')).toMatchObject({ previousSessionId: null, nextSessionId: null });
    expect(await store.linkSessions('a', 'a')).toBe(false);
    // Racing for the same link: one wins.
    const results = await Promise.all([store.linkSessions('b', 'c'), store.linkSessions('b', 'c')]);
    expect(results.sort()).toEqual([false, true]);
  });

  it('finds the chain of any of its sessions, oldest first; a lone session is its own chain, an unknown one none', async () => {
    await store.linkSessions('a', 'b');
    await store.linkSessions('b', 'c');
    for (const id of ['a', 'b', 'c']) expect((await store.findChain(id)).map((s) => s.id)).toEqual(['a', 'b', 'c']);
    await store.createSession(sessionRow('lone', T0));
    expect((await store.findChain('lone')).map((s) => s.id)).toEqual(['lone']);
    expect(await store.findChain('nope')).toEqual([]);
  });

  it('finds link candidates by athlete and last point window, leaving out continued sessions and the new one', async () => {
    await store.insertPointsIgnoringDuplicates('a', [point(0), point(60)]);
    await store.insertPointsIgnoringDuplicates('b', [point(100)]);
    await store.createSession(sessionRow('other', T0, { athleteKey: 'bob', lastPointAt: T0 + 60_000 }));
    await store.createSession(sessionRow('named', T0, { athlete: 'Zoe', lastPointAt: T0 + 60_000 }));
    await store.createSession(sessionRow('nameless', T0, { lastPointAt: T0 + 60_000 }));
    const ids = async (athleteKey: string, fromMs: number, toMs: number, excludeId = 'c') =>
      (await store.findLinkCandidates({ athleteKey, fromMs, toMs, excludeId })).map((s) => s.id);
    expect(await ids('zoe', T0, T0 + 200_000)).toEqual(['b', 'a']);
    expect(await ids('zoe', T0, T0 + 200_000, 'b')).toEqual(['a']);
    expect(await ids('zoe', T0 + 61_000, T0 + 200_000)).toEqual(['b']);
    // Sessions without a profile are never candidates, whatever Garmin calls the athlete.
    expect(await ids('Zoe', T0, T0 + 200_000)).toEqual([]);
    await store.linkSessions('a', 'c');
    expect(await ids('zoe', T0, T0 + 200_000, 'x')).toEqual(['b']);
  });

  it("reads a session's totals: Garmin's cumulative distance and duration at its end", async () => {
    await store.insertPointsIgnoringDuplicates('a', [point(0), point(30, null), point(20)]);
    expect(await store.findPointTotals('a')).toEqual({ distanceM: 180, durationS: 30 });
    expect(await store.findPointTotals('b')).toEqual({ distanceM: null, durationS: null });
  });
});
