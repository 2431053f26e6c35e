import { openTestDataSource, sessionRow, TestDataSource } from '../../test/support/pg-database';
import { TrackStore } from '../storage/track-store.service';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { SessionChains } from './session-chains.service';
import { TrackingEvents } from './tracking-events';

const T0 = Date.UTC(2026, 5, 1, 7);
/** A point `sec` after T0 of an activity that started `startSec` after T0 (Garmin's figures count from there). */
const point = (sec: number, startSec = 0): TrackpointRecord => ({
  time: T0 + sec * 1000, lat: 46.5, lon: 6.6, altitudeM: 400, speedMps: 9, distanceM: (sec - startSec) * 9, durationS: sec - startSec,
  heartRate: 140, cadence: 88, power: 200, activityType: 'CYCLING', leg: 'bike', status: 'MOVING',
});

describe.each(['sqlite', 'postgres'] as const)('SessionChains on a real %s database', (kind) => {
  let db: TestDataSource;
  let store: TrackStore;
  let events: TrackingEvents;
  let chains: SessionChains;

  beforeEach(async () => {
    db = await openTestDataSource(kind, 'sessionchains');
    store = new TrackStore(db.dataSource);
    events = new TrackingEvents();
    chains = new SessionChains(store, events);
    chains.onModuleInit();
    await store.createSession(sessionRow('a', T0, { athleteKey: 'zoe', state: 'stopped', stopReason: 'manual' }));
    await store.createSession(sessionRow('b', T0, { athleteKey: 'zoe' }));
    // A: 0…100 s; B: a new activity from 300 s (its distance and duration from 0 again).
    await store.insertPointsIgnoringDuplicates('a', [0, 50, 100].map((s) => point(s)));
    await store.insertPointsIgnoringDuplicates('b', [300, 350].map((s) => point(s, 300)));
  });
  afterEach(async () => {
    chains.onModuleDestroy();
    await db.close();
  });

  it('reads a lone session as it is stored', async () => {
    const chain = await chains.chainOf('a');
    expect(chain).toMatchObject({ key: 'a', ids: ['a'] });
    expect(await chains.window(chain, 0)).toEqual(await store.findWindow('a', 0));
  });

  it('reads linked sessions as one race from either: time order, distance and duration continued', async () => {
    await store.linkSessions('a', 'b');
    events.sessionsLinked.next({ previousSessionId: 'a', nextSessionId: 'b' });
    for (const id of ['a', 'b']) {
      const chain = await chains.chainOf(id);
      expect(chain.key).toBe('a b');
      const all = await chains.window(chain, 0);
      expect(all.map((p) => (p.time - T0) / 1000)).toEqual([0, 50, 100, 300, 350]);
      expect(all.map((p) => p.distanceM)).toEqual([0, 450, 900, 900, 1350]);
      expect(all.map((p) => p.durationS)).toEqual([0, 50, 100, 100, 150]);
      expect(await chains.lastPointAt(chain)).toBe(T0 + 350_000);
      // Pages of 2 give the same points.
      const paged: TrackpointRecord[] = [];
      for await (const page of chains.pages(chain, 2)) paged.push(...page);
      expect(paged).toEqual(all);
    }
    const chain = await chains.chainOf('b');
    expect((await chains.window(chain, T0 + 60_000, T0 + 320_000)).map((p) => (p.time - T0) / 1000)).toEqual([100, 300]);
    // A live batch of B continues the same way; one of A is as stored (it is first).
    expect(chains.continued(chain, 'b', [point(400, 300)])).toEqual([{ ...point(400, 300), distanceM: 900 + 900, durationS: 200 }]);
    expect(chains.continued(chain, 'a', [point(10)])).toEqual([point(10)]);
  });

  it('forgets a resolved chain when a link forms here, so the next read has it at once', async () => {
    expect((await chains.chainOf('b')).ids).toEqual(['b']);
    await store.linkSessions('a', 'b');
    events.sessionsLinked.next({ previousSessionId: 'a', nextSessionId: 'b' });
    expect((await chains.chainOf('b')).ids).toEqual(['a', 'b']);
  });

  it('keeps a later session to after the earlier ones (points while both were live count once, in order)', async () => {
    await store.insertPointsIgnoringDuplicates('b', [point(80, 300)]);
    await store.linkSessions('a', 'b');
    const all = await chains.window(await chains.chainOf('b'), 0);
    expect(all.map((p) => (p.time - T0) / 1000)).toEqual([0, 50, 100, 300, 350]);
  });
});
