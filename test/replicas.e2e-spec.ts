// Several replica processes (the built server, as operators run it) on one real PostgreSQL, tracking
// races from the replay simulator: leases spread the sessions, a replica killed with SIGKILL has its
// sessions taken over, a rolling restart loses nothing.
import { generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { json, startServerProcess, ServerProcess, waitFor } from './support/app';
import { FakeTelegram } from './support/fake-telegram';
import { createTestDatabase } from './support/pg-database';
import { releasedTimes, simulatorEnv, startTracking, status, storedPoints } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const TTL_S = 3;
const POLL_S = 1;
const IDS = ['r1', 'r2', 'r3'];

jest.setTimeout(180_000);

describe('several replicas on one PostgreSQL', () => {
  let sim: LiveTrackSimulator;
  let db: { url: string; drop: () => Promise<void> };
  let telegram: FakeTelegram;
  const replicas = new Map<string, ServerProcess>();

  const envOf = (id: string) => ({
    DATABASE_URL: db.url, REPLICA_ID: id, LEASE_TTL_S: String(TTL_S), ANALYSIS_BACKEND: 'off', LOG_LEVEL: 'warn',
    LIVETRACK_COMPILE_CACHE: 'off', TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_CHAT_ID: '42', TELEGRAM_API_BASE: telegram.origin,
    ...simulatorEnv(sim),
  });
  const boot = async (id: string) => replicas.set(id, await startServerProcess(envOf(id), 30_000));
  const base = (id: string) => replicas.get(id)!.baseUrl;
  const anyLive = () => [...replicas.values()][0].baseUrl;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 77 });
    await sim.start();
    telegram = new FakeTelegram();
    await telegram.start();
    db = await createTestDatabase('replicas');
    await boot('r1'); // first alone, so migrations run once before the others join
    await Promise.all(['r2', 'r3'].map(boot));
  });
  afterAll(async () => {
    for (const r of replicas.values()) r.child.kill('SIGKILL');
    await Promise.all([...replicas.values()].map((r) => r.exited));
    await sim?.stop();
    await telegram?.stop();
    await db?.drop();
  });

  /** Every session's stored points are exactly the released ones (asked of any replica). */
  async function allExact(ids: string[], timeoutMs = 60_000): Promise<void> {
    await waitFor(async () => {
      for (const id of ids) {
        const expected = releasedTimes(sim.released(id));
        const stored = await storedPoints(anyLive(), id);
        if (stored.length !== expected.length || stored.some((p, i) => p.time !== expected[i])) return false;
      }
      return true;
    }, timeoutMs, 'every session stored exactly the released points');
  }
  /** Starts `n` 30-minute runs on the simulator through any replica, 10 points released each. */
  async function startRuns(n: number, seed: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const s = sim.addSession({ race: generateSingleSport({ seed: seed + i, start: START, sport: 'run', durationMin: 30 }), postTrackPointFrequency: 1 });
      await startTracking(anyLive(), sim.shareUrl(s.sessionId), { race_type: 'run', poll_interval_secs: POLL_S, min_elapsed_min: 600 });
      sim.release(s.sessionId, 10);
      ids.push(s.sessionId);
    }
    return ids;
  }
  /**
   * Waits until every session that needs a poller has exactly one and every replica holds a fair,
   * non-empty share. A session between two replicas (handed back, claimed in the next round) is
   * counted by neither for a moment, hence the wait.
   */
  async function fairShares(atLeast: number, what: string): Promise<{ held: any[]; total: number }> {
    return waitFor(async () => {
      const held = await Promise.all(IDS.map(async (id) => (await json(await fetch(`${base(id)}/health`))).details.tracker.cluster));
      const total = held.reduce((n, c) => n + c.leases_held, 0);
      const active = (await json(await fetch(`${anyLive()}/sessions`))).sessions.filter((x: any) => x.active).length;
      if (active >= atLeast && total === active && held.every((c) => c.leases_held > 0 && c.leases_held <= c.fair_share)) return { held, total };
      throw new Error(JSON.stringify({ active, total, held: held.map((c) => [c.replica_id, c.leases_held, c.fair_share, c.replicas_alive]) }));
    }, 60_000, what);
  }
  const holders = async (ids: string[]) => Promise.all(ids.map(async (id) => (await status(anyLive(), id)).polled_by as string | null));

  it('spreads 60 sessions over three replicas and takes over the sessions of one killed with SIGKILL', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) {
      const s = sim.addSession({ race: generateSingleSport({ seed: 300 + i, start: START, sport: 'bike', durationMin: 20 }), postTrackPointFrequency: 1 });
      // New sessions arrive on any replica; leases decide who polls them.
      // A heart-rate ceiling far below any rider's: one sustained breach per race from its start, whose
      // alert names the ceiling, so each race's alerts can be counted (exactly once across takeovers).
      await startTracking(base(IDS[i % 3]), sim.shareUrl(s.sessionId), {
        race_type: 'bike', poll_interval_secs: POLL_S, min_elapsed_min: 600, hr_max: 30 + i,
      });
      sim.release(s.sessionId, 20);
      ids.push(s.sessionId);
    }
    await waitFor(async () => (await holders(ids)).every((h) => h !== null), 30_000, 'every session held by a replica');
    await allExact(ids);
    // Fair shares settle within a few lease rounds.
    const spread = await waitFor(async () => {
      const count = new Map<string, number>();
      for (const h of await holders(ids)) count.set(h!, (count.get(h!) ?? 0) + 1);
      return [...count.values()].every((n) => n <= 30) && count.size === 3 ? count : null;
    }, 30_000, 'sessions spread over the three replicas, none with more than half');
    expect([...spread.values()].reduce((a, b) => a + b, 0)).toBe(60);

    const health = await json(await fetch(`${base('r1')}/health`));
    expect(health.details.tracker.cluster).toMatchObject({ replica_id: 'r1', lease_ttl_s: TTL_S });
    expect([...health.details.tracker.cluster.replicas_alive].sort()).toEqual(IDS);

    // Kill r2 mid-race: no handover, its leases simply stop being renewed.
    const victim = (await holders(ids)).map((h, i) => (h === 'r2' ? ids[i] : null)).filter((x): x is string => x !== null);
    expect(victim.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    replicas.get('r2')!.child.kill('SIGKILL');
    await replicas.get('r2')!.exited;
    replicas.delete('r2');
    for (const id of ids) sim.release(id, 20);

    const takenAt = await waitFor(async () => {
      for (const id of victim) {
        const st = await status(anyLive(), id);
        if (!st.polled_by || st.polled_by === 'r2' || !st.last_poll_at || Date.parse(st.last_poll_at) <= killedAt) return null;
      }
      return Date.now();
    }, 30_000, "the killed replica's sessions polled by the others");
    // Within the TTL and one poll interval (plus one lease round and scheduling slack on a busy machine).
    expect(takenAt - killedAt).toBeLessThan((TTL_S + POLL_S + TTL_S / 3 + 3) * 1000);
    for (const h of await holders(victim)) expect(['r1', 'r3']).toContain(h);

    for (const id of ids) sim.releaseAll(id);
    await allExact(ids, 90_000);
    for (const id of ids) expect((await status(anyLive(), id)).points).toBe(sim.released(id).length);
    // Every race's sustained breach alerted exactly once, whichever replica polled it when.
    await waitFor(() => ids.every((_, i) => telegram.messages.some((m) => m.text.includes(`ceiling ${30 + i}`))), 10_000, 'an alert per race');
    await new Promise((r) => setTimeout(r, 2000)); // late duplicates would arrive now
    const perRace = ids.map((_, i) => telegram.messages.filter((m) => new RegExp(`ceiling ${30 + i}\\b`).test(m.text)).length);
    expect(perRace).toEqual(ids.map(() => 1));
  });

  it('survives a rolling restart of every replica, one at a time, with nothing lost', async () => {
    const ids = await startRuns(12, 400);
    await allExact(ids);
    if (!replicas.has('r2')) await boot('r2');
    // Watch every session's last poll while the replicas restart: no gap may pass the TTL (+ slack).
    let worstGapMs = 0;
    let watching = true;
    const watcher = (async () => {
      const lastPoll = new Map<string, number>();
      while (watching) {
        const now = Date.now();
        for (const id of ids) {
          const st = await status(anyLive(), id).catch(() => null);
          if (!st?.last_poll_at) continue;
          const t = Date.parse(st.last_poll_at);
          lastPoll.set(id, t);
          worstGapMs = Math.max(worstGapMs, now - t);
        }
        await new Promise((r) => setTimeout(r, 250));
      }
    })();
    try {
      for (const id of IDS) {
        const r = replicas.get(id)!;
        r.child.kill('SIGTERM');
        expect(await r.exited).toBe(0);
        replicas.delete(id);
        for (const s of ids) sim.release(s, 15);
        await boot(id);
      }
    } finally {
      watching = false;
      await watcher;
    }
    // The last replica to come back (it rejoined holding nothing) has taken its fair share, and
    // every session that needs a poller has exactly one.
    const shares = await fairShares(ids.length, 'a fair share on every replica');
    expect(shares.total).toBeGreaterThanOrEqual(ids.length);
    expect(worstGapMs).toBeLessThan((TTL_S + POLL_S + 3) * 1000);
    for (const id of ids) sim.releaseAll(id);
    await allExact(ids, 90_000);
  });

  it('a replica killed with SIGKILL and restarted at once under the same REPLICA_ID (a container restart) loses nothing and shares again', async () => {
    const ids = await startRuns(9, 500);
    await allExact(ids);
    const victim = replicas.get('r3')!;
    victim.child.kill('SIGKILL');
    await victim.exited;
    replicas.delete('r3');
    // Its leases are still in the database: the new life of r3 resumes them at its first round
    // (or the others took them once they lapsed); either way one poller per session.
    await boot('r3');
    for (const s of ids) sim.release(s, 20);
    await allExact(ids);
    const { held } = await fairShares(ids.length, 'one poller per session and a fair share on the restarted replica');
    expect(held.find((c) => c.replica_id === 'r3')!.leases_held).toBeGreaterThan(0);
    expect((await holders(ids)).every((h) => h !== null)).toBe(true);
    for (const id of ids) sim.releaseAll(id);
    await allExact(ids, 90_000);
  });
});
