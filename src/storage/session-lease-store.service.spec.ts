import { DataSource } from 'typeorm';
import { openTestDataSource, sessionRow, TestDataSource } from '../../test/support/pg-database';
import { postgresOptions } from './data-source-options';
import { RaceSessionEntity } from './race-session.entity';
import { SessionLeaseStore } from './session-lease-store.service';
import { TrackStore } from './track-store.service';

const T0 = Date.UTC(2026, 5, 1, 7);
const TTL = 30_000;

const session = (id: string, startedAt: number, state: RaceSessionEntity['state'] = 'active', watchingUntil: number | null = null) =>
  sessionRow(id, startedAt, { state, watchingUntil });

describe.each(['sqlite', 'postgres'] as const)('SessionLeaseStore on a real %s database', (kind) => {
  let db: TestDataSource;
  let leases: SessionLeaseStore;

  beforeEach(async () => {
    db = await openTestDataSource(kind, 'leases');
    leases = new SessionLeaseStore(db.dataSource);
    const store = new TrackStore(db.dataSource);
    for (let i = 0; i < 6; i++) await store.createSession(session(`s${i}`, T0 + i));
    await store.createSession(session('watched', T0 + 10, 'finished', T0 + 3_600_000));
    await store.createSession(session('done', T0 + 11, 'finished'));
  });
  afterEach(() => db.close());

  it('claims sessions that need a poller, oldest first, once; renews and hands them back', async () => {
    expect(await leases.countLeasable()).toBe(7); // 6 active + 1 watch; the finished one needs nobody
    expect((await leases.claimSessions('a', 3, T0 + TTL, T0)).sort()).toEqual(['s0', 's1', 's2']); // RETURNING has no order
    expect((await leases.claimSessions('b', 10, T0 + TTL, T0)).sort()).toEqual(['s3', 's4', 's5', 'watched']);
    expect(await leases.claimSessions('c', 10, T0 + TTL, T0)).toEqual([]);
    expect(await leases.leaseOf('s1', T0)).toBe('a');
    expect((await leases.renewLeases('a', T0 + 2 * TTL)).sort()).toEqual(['s0', 's1', 's2']);
    await leases.releaseLeases('a', ['s1']);
    expect(await leases.leaseOf('s1', T0)).toBeNull();
    expect(await leases.claimSession('s1', 'c', T0 + TTL, T0)).toBe(true);
    expect(await leases.claimSession('s0', 'c', T0 + TTL, T0)).toBe(false); // a still holds it
    expect(await leases.claimSession('s0', 'a', T0 + TTL, T0)).toBe(true); // a renewing its own
    await leases.releaseLeases('b');
    expect(await leases.leaseOf('s3', T0)).toBeNull();
  });

  it('lets another replica take a session over only after the holder stops renewing for the TTL', async () => {
    await leases.claimSessions('a', 10, T0 + TTL, T0);
    expect(await leases.claimSessions('b', 10, T0 + 2 * TTL, T0 + TTL - 1)).toEqual([]);
    const taken = await leases.claimSessions('b', 10, T0 + 2 * TTL, T0 + TTL + 1);
    expect(taken).toHaveLength(7);
    // The old holder finds out at its next renewal: nothing is its any more.
    expect(await leases.renewLeases('a', T0 + 3 * TTL)).toEqual([]);
  });

  it('tells when the next unrenewed lease of another replica runs out, ignoring fresh, own and expired ones', async () => {
    await leases.claimSessions('dead', 2, T0 + 10_000, T0); // s0, s1: renewed long ago, expire soon
    await leases.claimSessions('alive', 2, T0 + TTL, T0); // s2, s3: just renewed
    await leases.claimSessions('me', 1, T0 + 5_000, T0); // s4: mine, expiring soonest
    await leases.claimSession('s5', 'gone', T0 - 1, T0 - TTL); // already expired: claimable by any round
    expect(await leases.nextLapse('me', TTL, 5_000, T0)).toBe(T0 + 10_000);
    expect(await leases.nextLapse('dead', TTL, 5_000, T0)).toBe(T0 + 5_000);
    await leases.renewLeases('dead', T0 + TTL);
    expect(await leases.nextLapse('alive', TTL, 5_000, T0)).toBe(T0 + 5_000);
    await leases.releaseLeases('me');
    expect(await leases.nextLapse('alive', TTL, 5_000, T0)).toBeNull();
  });

  it('keeps replica heartbeats, least loaded first, and forgets the silent and the departed', async () => {
    await leases.heartbeat('b', T0, 5, T0);
    await leases.heartbeat('a', T0, 5, T0);
    await leases.heartbeat('c', T0, 1, T0 - 2 * TTL); // silent since long ago
    expect((await leases.aliveReplicas(TTL, T0)).map((r) => r.id)).toEqual(['a', 'b']);
    await leases.heartbeat('b', T0, 2, T0 + 1000);
    expect(await leases.aliveReplicas(TTL, T0 + 1000)).toEqual([
      { id: 'b', startedAt: T0, seenAt: T0 + 1000, sessions: 2 },
      { id: 'a', startedAt: T0, seenAt: T0, sessions: 5 },
    ]);
    await leases.removeReplica('b');
    expect((await leases.aliveReplicas(TTL, T0 + 1000)).map((r) => r.id)).toEqual(['a']);
  });

  if (kind === 'postgres') {
    it('never gives one session to two replicas claiming at the same moment (FOR UPDATE SKIP LOCKED)', async () => {
      const others = await Promise.all(
        ['r1', 'r2', 'r3'].map(async () => {
          const ds = new DataSource({ ...postgresOptions(db.url!), migrationsRun: false, logging: false });
          await ds.initialize();
          return ds;
        }),
      );
      try {
        const claims = await Promise.all(others.map((ds, i) => new SessionLeaseStore(ds).claimSessions(`r${i + 1}`, 5, T0 + TTL, T0)));
        const all = claims.flat();
        expect(all).toHaveLength(7);
        expect(new Set(all).size).toBe(7);
      } finally {
        await Promise.all(others.map((ds) => ds.destroy()));
      }
    });
  }
});
