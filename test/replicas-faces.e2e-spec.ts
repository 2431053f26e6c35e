// Any replica answers any request: two replica processes on one PostgreSQL, a session polled by
// replica b. Replica a streams its dashboard events (points reach a through LISTEN/NOTIFY within
// about a poll interval, also after a's LISTEN connection was killed), and answers MCP for it
// (Streamable HTTP is stateless with DATABASE_URL, so one client's requests may alternate between
// the replicas, as behind a load balancer without sticky sessions).
import { Client as McpClient } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Client as PgClient } from 'pg';
import { generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { json, startServerProcess, ServerProcess, waitFor } from './support/app';
import { SseFrame, takeSseFrames } from './support/sse';
import { createTestDatabase } from './support/pg-database';
import { releasedTimes, simulatorEnv, startTracking, status, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const TTL_S = 3;
const POLL_S = 1;
/** One poll interval, plus a lease-free margin for scheduling on a busy machine. */
const LIVE_WITHIN_MS = (POLL_S + 3) * 1000;

jest.setTimeout(120_000);

interface SseEvent extends SseFrame { at: number }

/** An open text/event-stream read in the background: every frame is kept with its arrival time. */
async function openEvents(url: string): Promise<{ events: SseEvent[]; status: number; close: () => Promise<void> }> {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal });
  const events: SseEvent[] = [];
  if (!res.ok || !res.body) return { events, status: res.status, close: async () => abort.abort() };
  expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  const pump = (async () => {
    let buffer = '';
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      const taken = takeSseFrames(buffer + decoder.decode(value, { stream: true }));
      buffer = taken.rest;
      const at = Date.now();
      for (const frame of taken.frames) events.push({ ...frame, at });
    }
  })();
  return {
    events,
    status: res.status,
    close: async () => {
      abort.abort();
      await reader.cancel().catch(() => undefined);
      await pump;
    },
  };
}

/** Point times streamed as `points` events, in arrival order, with when each arrived. */
function streamedPoints(events: SseEvent[]): Map<string, number> {
  const seen = new Map<string, number>();
  for (const e of events) if (e.event === 'points') for (const p of e.data.points) if (!seen.has(p.time)) seen.set(p.time, e.at);
  return seen;
}

async function pgQuery<T = any>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

async function tool(client: McpClient, name: string, args: Record<string, unknown>): Promise<any> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const first = result.content[0];
  if (result.isError) throw new Error(`${name} failed: ${first && first.type === 'text' ? first.text : ''}`);
  return result.structuredContent;
}

describe('any replica answers for a session another replica polls', () => {
  let sim: LiveTrackSimulator;
  let db: { url: string; drop: () => Promise<void> };
  const replicas = new Map<string, ServerProcess>();
  const closers: Array<() => Promise<unknown>> = [];
  let sessionOfB = '';
  let ids: string[] = [];

  const envOf = (id: string) => ({
    DATABASE_URL: db.url, REPLICA_ID: id, LEASE_TTL_S: String(TTL_S), ANALYSIS_BACKEND: 'off', LOG_LEVEL: 'warn',
    LIVETRACK_COMPILE_CACHE: 'off', ...simulatorEnv(sim),
  });
  const base = (id: string) => replicas.get(id)!.baseUrl;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 123 });
    await sim.start();
    db = await createTestDatabase('faces');
    replicas.set('a', await startServerProcess(envOf('a'), 30_000)); // alone first: migrations run once
    replicas.set('b', await startServerProcess(envOf('b'), 30_000));

    for (let i = 0; i < 4; i++) {
      const s = sim.addSession({ race: generateSingleSport({ seed: 700 + i, start: START, sport: 'bike', durationMin: 30 }), postTrackPointFrequency: 1 });
      await startTracking(base('a'), sim.shareUrl(s.sessionId), { race_type: 'bike', poll_interval_secs: POLL_S, min_elapsed_min: 600 });
      sim.release(s.sessionId, 10);
      ids.push(s.sessionId);
    }
    // Fair shares settle (two each); from then on nobody moves, so b keeps its sessions.
    const holders = await waitFor(async () => {
      const h = await Promise.all(ids.map(async (id) => (await status(base('a'), id)).polled_by as string | null));
      return h.filter((x) => x === 'a').length === 2 && h.filter((x) => x === 'b').length === 2 ? h : null;
    }, 30_000, 'two sessions polled by each replica');
    sessionOfB = ids[holders.indexOf('b')];
    for (const id of ids) await waitForExactly(base('a'), sim, id, 30_000);
  });
  afterAll(async () => {
    for (const close of closers) await close().catch(() => undefined);
    for (const r of replicas.values()) r.child.kill('SIGKILL');
    await Promise.all([...replicas.values()].map((r) => r.exited));
    await sim?.stop();
    await db?.drop();
  });

  it('answers REST on either replica for a session polled by b', async () => {
    for (const r of ['a', 'b']) {
      const st = await status(base(r), sessionOfB);
      expect(st).toMatchObject({ session_id: sessionOfB, state: 'active', polled_by: 'b', points: sim.released(sessionOfB).length });
    }
  });

  it("streams on a's dashboard the points b polls, within a poll interval, also after a's LISTEN connection is killed", async () => {
    const stream = await openEvents(`${base('a')}/dashboard/${sessionOfB}/events`);
    closers.push(stream.close);
    expect(stream.status).toBe(200);
    // The first status means the stream is subscribed (and the session watched on a).
    await waitFor(() => stream.events.some((e) => e.event === 'status'), 10_000, 'the first status event');
    expect(stream.events.find((e) => e.event === 'status')!.data.status).toMatchObject({ session_id: sessionOfB, polled_by: 'b' });

    const before = sim.released(sessionOfB).length;
    const releasedAt = Date.now();
    sim.release(sessionOfB, 5);
    const wanted = releasedTimes(sim.released(sessionOfB).slice(before));
    expect(wanted).toHaveLength(5);
    await waitFor(() => wanted.every((t) => streamedPoints(stream.events).has(t)), 15_000, 'the 5 new points on the stream of a');
    const arrived = Math.max(...wanted.map((t) => streamedPoints(stream.events).get(t)!));
    expect(arrived - releasedAt).toBeLessThan(LIVE_WITHIN_MS);
    // Only new points: nothing stored before the stream opened, each point once.
    const all = [...stream.events.filter((e) => e.event === 'points').flatMap((e) => e.data.points.map((p: any) => p.time))];
    expect(all).toEqual(wanted);
    // The status that follows counts them (read from the database: a polls nothing of this session).
    await waitFor(() => stream.events.some((e) => e.event === 'status' && e.data.status.points === before + 5), 10_000, 'a status counting the new points');
    expect((await status(base('b'), sessionOfB)).polled_by).toBe('b');

    // The database drops a's LISTEN connection (as in a restart): a reconnects and the stream goes on.
    const appName = 'livetrack-listen:a';
    const listening = await pgQuery(db.url, 'SELECT pid FROM pg_stat_activity WHERE application_name = $1', [appName]);
    expect(listening).toHaveLength(1);
    await pgQuery(db.url, 'SELECT pg_terminate_backend($1)', [listening[0].pid]);
    sim.release(sessionOfB, 3); // polled by b while a may still be reconnecting: caught up on reconnect or with the next batch
    const more = releasedTimes(sim.released(sessionOfB).slice(before + 5));
    await waitFor(async () => {
      const rows = await pgQuery(db.url, 'SELECT pid FROM pg_stat_activity WHERE application_name = $1', [appName]);
      return rows.length === 1 && rows[0].pid !== listening[0].pid;
    }, 15_000, 'a listening again on a new connection');
    sim.release(sessionOfB, 2);
    more.push(...releasedTimes(sim.released(sessionOfB).slice(before + 8)));
    await waitFor(() => more.every((t) => streamedPoints(stream.events).has(t)), 15_000, 'the points polled by b around the reconnect');
    const times = stream.events.filter((e) => e.event === 'points').flatMap((e) => e.data.points.map((p: any) => p.time));
    expect(times).toEqual([...wanted, ...more]);
    expect(replicas.get('a')!.child.exitCode).toBeNull();
    expect(replicas.get('a')!.output()).toMatch(/LISTEN connection dropped/);

    await stream.close();
  });

  it('answers MCP get_tracking_status on a for a session polled by b, and one client may alternate replicas (stateless)', async () => {
    // A client of a alone.
    const onA = new McpClient({ name: 'e2e-a', version: '1.0.0' });
    const transportA = new StreamableHTTPClientTransport(new URL(`${base('a')}/mcp`));
    await onA.connect(transportA);
    closers.push(() => onA.close());
    expect(transportA.sessionId).toBeUndefined(); // stateless: the server hands out no session id
    const st = await tool(onA, 'get_tracking_status', { session_id: sessionOfB });
    expect(st).toMatchObject({ session_id: sessionOfB, state: 'active', polled_by: 'b' });
    expect(st.points).toBe(sim.released(sessionOfB).length);

    // One client behind a round-robin "load balancer": initialize on a, the next requests on b, a, b...
    const hits: string[] = [];
    let turn = 0;
    const order = ['a', 'b'];
    const roundRobin = (input: string | URL, init?: RequestInit): Promise<Response> => {
      const replica = order[turn++ % order.length];
      hits.push(`${replica} ${init?.method ?? 'GET'}`);
      const url = new URL(String(input));
      return fetch(new URL(url.pathname + url.search, base(replica)), init);
    };
    const spread = new McpClient({ name: 'e2e-lb', version: '1.0.0' });
    await spread.connect(new StreamableHTTPClientTransport(new URL(`${base('a')}/mcp`), { fetch: roundRobin }));
    closers.push(() => spread.close());
    const tools = await spread.listTools();
    expect(tools.tools.map((t) => t.name)).toContain('get_tracking_status');
    for (let i = 0; i < 4; i++) {
      const s = await tool(spread, 'get_tracking_status', { session_id: ids[i] });
      expect(s.session_id).toBe(ids[i]);
      expect(['a', 'b']).toContain(s.polled_by);
    }
    const recent = await tool(spread, 'get_recent_data', { session_id: sessionOfB, minutes: 60 });
    expect(recent).toBeDefined();
    // Every POST of that one client was answered, by both replicas in turn.
    const posts = hits.filter((h) => h.endsWith('POST'));
    expect(posts.filter((h) => h.startsWith('a')).length).toBeGreaterThanOrEqual(3);
    expect(posts.filter((h) => h.startsWith('b')).length).toBeGreaterThanOrEqual(3);

    // Stateless Streamable HTTP has no standalone GET stream: 405 (the SDK client expects that).
    const get = await fetch(`${base('b')}/mcp`, { headers: { accept: 'text/event-stream' } });
    expect(get.status).toBe(405);
    await get.body?.cancel();
    const health = await json(await fetch(`${base('a')}/health`));
    expect(health.details.tracker.cluster.replicas_alive.sort()).toEqual(['a', 'b']);
  });
});
