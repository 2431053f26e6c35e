import { firstValueFrom, take, toArray } from 'rxjs';
import type { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app-config';
import type { TrackStore } from '../storage/track-store.service';
import type { TrackpointRecord } from '../storage/trackpoint.types';
import { TrackingEvents } from '../tracking/tracking-events';
import { ClusterEvents, decodeMessage, encodeMessage } from './cluster-events';

const point = (time: number): TrackpointRecord => ({
  time, lat: null, lon: null, altitudeM: null, speedMps: null, distanceM: null, durationS: null,
  heartRate: null, cadence: null, power: null, activityType: null, leg: 'bike', status: null,
});

describe('cluster messages', () => {
  it('round-trips points and lifecycle messages', () => {
    const points = { k: 'points', r: 'b', s: 'sess-1', from: 1000, to: 5000, n: 5 } as const;
    expect(decodeMessage(encodeMessage(points))).toEqual(points);
    const life = { k: 'lifecycle', r: 'b', s: 'sess-1', kind: 'stopped' } as const;
    expect(decodeMessage(encodeMessage(life))).toEqual(life);
    expect(encodeMessage(points).length).toBeLessThan(200);
  });

  it('refuses anything else without throwing', () => {
    for (const payload of ['', 'not json', 'null', '42', '{}', '{"k":"points","r":"b","s":"x","from":5,"to":1}', '{"k":"points","r":"b","s":"","from":1,"to":2}', '{"k":"other","r":"b","s":"x"}']) {
      expect(decodeMessage(payload)).toBeNull();
    }
  });
});

describe('ClusterEvents (no database: the notification path with a fake store)', () => {
  const stored: TrackpointRecord[] = [];
  let reads = 0;
  let failNext = false;
  const store = {
    findWindow: async (_id: string, from: number, to: number, limit?: number) => {
      reads++;
      if (failNext) {
        failNext = false;
        throw new Error('connection lost');
      }
      return stored.filter((p) => p.time >= from && p.time <= to).slice(0, limit);
    },
  } as unknown as TrackStore;
  const dataSource = { options: { type: 'postgres' } } as unknown as DataSource;
  const config = { databaseUrl: 'postgres://x@127.0.0.1/db', replicaId: 'a' } as AppConfig;
  let events: TrackingEvents;
  let cluster: ClusterEvents;
  const notify = (m: object) => (cluster as unknown as { onNotify(p: string): void }).onNotify(JSON.stringify(m));
  const settle = () => new Promise((r) => setTimeout(r, 10));

  beforeEach(() => {
    stored.length = 0;
    reads = 0;
    events = new TrackingEvents();
    cluster = new ClusterEvents(dataSource, events, store, config);
  });

  it("hands another replica's batches to watched sessions once, in order, filling gaps", async () => {
    const got = firstValueFrom(cluster.remotePoints('s1').pipe(take(3), toArray()));
    stored.push(point(1000), point(2000));
    notify({ k: 'points', r: 'b', s: 's1', from: 1000, to: 2000, n: 2 });
    notify({ k: 'points', r: 'b', s: 's1', from: 1000, to: 2000, n: 2 }); // repeated: nothing new
    await settle();
    stored.push(point(3000), point(4000)); // a lost notification (3000), then 4000's
    notify({ k: 'points', r: 'b', s: 's1', from: 4000, to: 4000, n: 1 });
    await settle();
    notify({ k: 'points', r: 'a', s: 's1', from: 5000, to: 5000, n: 1 }); // our own: ignored
    stored.push(point(5000), point(6000));
    notify({ k: 'points', r: 'c', s: 's1', from: 6000, to: 6000, n: 1 });
    const batches = await got;
    expect(batches.map((b) => b.map((p) => p.time))).toEqual([[1000, 2000], [3000, 4000], [5000, 6000]]);
    expect(cluster.stats()).toMatchObject({ remote_batches: 3, remote_points: 6, watched_sessions: 0 }); // the stream ended: forgotten
  });

  it('reads nothing for sessions nobody watches here, and forgets a session when its streams close', async () => {
    notify({ k: 'points', r: 'b', s: 'other', from: 1, to: 2, n: 2 });
    const sub = cluster.remotePoints('s1').subscribe();
    expect(cluster.stats().watched_sessions).toBe(1);
    sub.unsubscribe();
    expect(cluster.stats().watched_sessions).toBe(0);
    notify({ k: 'points', r: 'b', s: 's1', from: 1, to: 2, n: 2 });
    await settle();
    expect(reads).toBe(0);
  });

  it('counts bad payloads and failed reads, and goes on', async () => {
    const seen: number[][] = [];
    const sub = cluster.remotePoints('s1').subscribe((b) => seen.push(b.map((p) => p.time)));
    (cluster as unknown as { onNotify(p: string): void }).onNotify('garbage');
    stored.push(point(1000));
    failNext = true;
    notify({ k: 'points', r: 'b', s: 's1', from: 1000, to: 1000, n: 1 });
    await settle();
    notify({ k: 'points', r: 'b', s: 's1', from: 1000, to: 1000, n: 1 });
    await settle();
    expect(seen).toEqual([[1000]]);
    expect(cluster.stats()).toMatchObject({ bad_payloads: 1, read_errors: 1, received: 3 });
    sub.unsubscribe();
  });

  it('relays local batches and lifecycle changes, and does not hand over again what it streamed itself', async () => {
    const seen: number[][] = [];
    const sub = cluster.remotePoints('s1').subscribe((b) => seen.push(b.map((p) => p.time)));
    const published: unknown[] = [];
    const internals = cluster as unknown as { publish(m: unknown): void; relayLocalEvents(): void };
    internals.publish = (m) => published.push(m);
    internals.relayLocalEvents(); // bootstrap without the LISTEN connection
    stored.push(point(2000), point(1000));
    events.pointsIngested.next({ sessionId: 's1', points: [point(2000), point(1000)] }); // polled here, streamed from TrackingEvents
    events.lifecycle.next({ sessionId: 's1', kind: 'released' });
    expect(published).toEqual([
      { k: 'points', r: 'a', s: 's1', from: 1000, to: 2000, n: 2 },
      { k: 'lifecycle', r: 'a', s: 's1', kind: 'released' },
    ]);
    stored.push(point(3000));
    notify({ k: 'points', r: 'b', s: 's1', from: 3000, to: 3000, n: 1 }); // b took it over
    await settle();
    expect(seen).toEqual([[3000]]);
    sub.unsubscribe();
    await cluster.beforeApplicationShutdown();
  });

  it('passes lifecycle changes of other replicas to watched sessions', async () => {
    const got = firstValueFrom(cluster.remoteLifecycle('s1'));
    const sub = cluster.remotePoints('s1').subscribe();
    notify({ k: 'lifecycle', r: 'b', s: 's1', kind: 'stopped' });
    await expect(got).resolves.toEqual({ sessionId: 's1', kind: 'stopped' });
    sub.unsubscribe();
  });

  it('does nothing on SQLite', async () => {
    const sqlite = new ClusterEvents({ options: { type: 'better-sqlite3' } } as unknown as DataSource, events, store, { databaseUrl: null, replicaId: 'a' } as AppConfig);
    sqlite.onApplicationBootstrap();
    const sub = sqlite.remotePoints('s1').subscribe();
    expect(sqlite.stats()).toMatchObject({ enabled: false, listen: null, watched_sessions: 0 });
    sub.unsubscribe();
    await sqlite.beforeApplicationShutdown();
  });
});
