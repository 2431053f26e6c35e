import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { generateSingleSport, generateTriathlon, LiveTrackSimulator } from '../src/simulator';
import { json, postJson, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { FakeRunner } from './support/fake-runner';
import { FakeTelegram } from './support/fake-telegram';
import { simulatorEnv } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const TOOLS = [
  'start_tracking', 'stop_tracking', 'get_tracking_status', 'get_recent_data', 'update_thresholds',
  'trigger_analysis', 'send_coaching_message', 'list_races', 'get_race_summary', 'get_race_metrics',
  'list_athletes', 'set_athlete',
];
const API_KEY = 'test-key-0123456789';
const BOT_TOKEN = '123456:TEST-token';

type Transport = 'http' | 'sse';

async function connect(baseUrl: string, kind: Transport, key?: string): Promise<Client> {
  const requestInit = key ? { headers: { Authorization: `Bearer ${key}` } } : undefined;
  const transport =
    kind === 'http'
      ? new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`), { requestInit })
      : new SSEClientTransport(new URL(`${baseUrl}/sse`), { requestInit });
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}

/** A successful call's structuredContent (fails the test with the tool's text otherwise). */
async function ok(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = await call(client, name, args);
  if (result.isError) throw new Error(`${name} failed: ${text(result)}`);
  expect(result.structuredContent).toBeDefined();
  expect(text(result).length).toBeGreaterThan(0);
  return result.structuredContent;
}

function text(result: CallToolResult): string {
  const first = result.content[0];
  return first && first.type === 'text' ? first.text : '';
}

describe('MCP surface (Streamable HTTP and SSE) against the replay simulator', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let runner: FakeRunner;
  let telegram: FakeTelegram;
  let open: RunningApp;
  let keyed: RunningApp;
  const clients: Client[] = [];

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 21 });
    await sim.start();
    runner = new FakeRunner();
    await runner.start();
    telegram = new FakeTelegram(BOT_TOKEN, ['4242']);
    await telegram.start();
    const env = simulatorEnv(sim, { CLAUDE_RUNNER_URL: runner.origin });
    open = await startApp({ DB_PATH: join(tmp.dir, 'open.db'), ...env });
    keyed = await startApp({
      DB_PATH: join(tmp.dir, 'keyed.db'), API_KEY, TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_CHAT_ID: '4242',
      TELEGRAM_API_BASE: telegram.origin, ...env,
    });
  });
  afterAll(async () => {
    await Promise.allSettled(clients.map((c) => c.close()));
    await open?.close();
    await keyed?.close();
    await sim?.stop();
    await runner?.stop();
    await telegram?.stop();
    tmp.cleanup();
  });

  async function client(app: RunningApp, kind: Transport, key?: string): Promise<Client> {
    const c = await connect(app.baseUrl, kind, key);
    clients.push(c);
    return c;
  }

  it.each<Transport>(['http', 'sse'])('lists every tool with schemas and annotations, the resources and the prompt (%s)', async (kind) => {
    const c = await client(open, kind);
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...TOOLS].sort());
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const t of tools) {
      expect(t.description!.length).toBeGreaterThan(40);
      expect(t.inputSchema.type).toBe('object');
      expect(t.outputSchema?.type).toBe('object');
    }
    for (const name of ['get_tracking_status', 'get_recent_data', 'list_races', 'get_race_summary', 'get_race_metrics']) {
      expect(byName[name].annotations).toMatchObject({ readOnlyHint: true });
    }
    for (const name of ['start_tracking', 'stop_tracking', 'update_thresholds', 'trigger_analysis', 'send_coaching_message']) {
      expect(byName[name].annotations?.readOnlyHint).toBe(false);
    }
    expect(byName.stop_tracking.annotations?.destructiveHint).toBe(true);
    expect(byName.update_thresholds.annotations?.destructiveHint).toBe(true);
    // schemas a model can follow: units in the descriptions, session_id optional, summary's required
    const props = (name: string) => byName[name].inputSchema.properties as Record<string, { description?: string }>;
    expect(props('update_thresholds').hr_max.description).toMatch(/bpm/);
    expect(props('update_thresholds').power_max.description).toMatch(/watts/);
    expect(props('update_thresholds').cadence_min.description).toMatch(/rpm/);
    expect(props('update_thresholds').run_cadence_min.description).toMatch(/steps per minute/);
    expect(props('get_recent_data').minutes.description).toMatch(/minutes/);
    expect(byName.get_tracking_status.inputSchema.required ?? []).not.toContain('session_id');
    expect(byName.start_tracking.inputSchema.required).toEqual(['url']);
    expect(byName.get_race_summary.inputSchema.required).toEqual(['session_id']);
    expect(byName.send_coaching_message.inputSchema.required).toEqual(['text']);

    const { resources } = await c.listResources();
    expect(resources.map((r) => r.uri)).toContain('livetrack://sessions/active');
    const { resourceTemplates } = await c.listResourceTemplates();
    expect(resourceTemplates.map((r) => r.uriTemplate)).toContain('livetrack://sessions/{session_id}/status');
    const { prompts } = await c.listPrompts();
    expect(prompts.map((p) => p.name)).toContain('race_day_coaching');
    const prompt = await c.getPrompt({ name: 'race_day_coaching', arguments: { athlete: 'Ann', focus: 'hold 160 W' } });
    expect((prompt.messages[0].content as { text: string }).text).toMatch(/Ann[\s\S]*hold 160 W[\s\S]*send_coaching_message/);
  });

  it.each<Transport>(['http', 'sse'])('runs start → status → recent data → thresholds → analysis → summary → stop (%s)', async (kind) => {
    const c = await client(open, kind);
    const race = generateTriathlon({ seed: kind === 'http' ? 3 : 4, start: START, pointIntervalS: 20, scale: 0.2 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1, athlete: 'Ann' });
    // Everything but the last point (its END event would finish the race).
    sim.release(s.sessionId, race.points.length - 1);

    const started = await ok(c, 'start_tracking', {
      url: sim.shareUrl(s.sessionId),
      race_config: { race_name: `Lake ${kind}`, race_type: 'triathlon', hr_max: 144, power_max: 165, poll_interval_secs: 1, min_elapsed_min: 600 },
    });
    expect(started).toMatchObject({ created: true, status: { session_id: s.sessionId, active: true, thresholds: { hr_max: 144, power_max: 165 } } });
    expect(JSON.stringify(started)).not.toContain(s.token);

    // session_id left out: exactly one session is active
    const status = await waitFor(async () => {
      const st = await ok(c, 'get_tracking_status');
      return st.points === race.points.length - 1 ? st : null;
    }, 20000, 'all released points stored');
    expect(status).toMatchObject({ session_id: s.sessionId, state: 'active', current_leg: 'run', poll_errors: 0 });

    const recent = await ok(c, 'get_recent_data', { minutes: 1440 });
    expect(recent).toMatchObject({ session_id: s.sessionId, points: race.points.length - 1, downsampled: true, current_leg: 'run' });
    expect(recent.returned).toBeLessThanOrEqual(125);
    expect(recent.note).toMatch(/^downsampled \d+ points to \d+ buckets of \d+ s/);
    expect(recent.legs.map((l: any) => l.leg)).toEqual(['swim', 't1', 'bike', 't2', 'run']);
    expect(recent.legs[2]).toMatchObject({ heart_rate: { max: expect.any(Number) }, time_over_thresholds_s: { hr_max: expect.any(Number), power_max: expect.any(Number) } });
    expect(recent.series.every((p: any) => p.heart_rate !== 0 && p.power !== 0)).toBe(true);
    const short = await ok(c, 'get_recent_data', { session_id: s.sessionId, minutes: 2 });
    expect(short).toMatchObject({ downsampled: false, note: null });
    expect(short.series.length).toBe(short.points);
    expect(short.series.length).toBeGreaterThan(0);

    const updated = await ok(c, 'update_thresholds', { hr_max: 150, run_hr_max: 160 });
    expect(updated).toMatchObject({ session_id: s.sessionId, changed: ['hr_max', 'run_hr_max'], updated_by: 'mcp', thresholds: { hr_max: 150, run_hr_max: 160, power_max: 165 } });
    expect((await ok(c, 'get_tracking_status', { session_id: s.sessionId })).thresholds).toMatchObject({ hr_max: 150, run_hr_max: 160 });

    const before = runner.requests.length;
    const job = await ok(c, 'trigger_analysis');
    expect(job).toMatchObject({ session_id: s.sessionId, job_id: expect.any(String) });
    await waitFor(() => runner.requests.length > before, 10000, 'the runner to get the prompt');
    expect(runner.requests[runner.requests.length - 1].prompt).toContain(s.sessionId);

    const summary = await ok(c, 'get_race_summary', { session_id: s.sessionId });
    expect(summary.legs.map((l: any) => l.leg)).toEqual(['swim', 't1', 'bike', 't2', 'run']);
    const bike = summary.legs.find((l: any) => l.leg === 'bike');
    expect(bike).toMatchObject({ distance_m: expect.any(Number), heart_rate: { avg: expect.any(Number), max: expect.any(Number) } });
    expect(Object.keys(bike.time_over_thresholds_s).sort()).toEqual(['hr_max', 'power_max']);
    expect(summary.thresholds).toMatchObject({ hr_max: 150, power_max: 165 });
    expect(summary.totals.points).toBe(race.points.length - 1);

    // the active-sessions resource and the status template
    const active = await c.readResource({ uri: 'livetrack://sessions/active' });
    expect(JSON.parse((active.contents[0] as { text: string }).text).sessions.map((x: any) => x.session_id)).toEqual([s.sessionId]);
    const one = await c.readResource({ uri: `livetrack://sessions/${s.sessionId}/status` });
    expect(JSON.parse((one.contents[0] as { text: string }).text)).toMatchObject({ session_id: s.sessionId, active: true });

    const stopped = await ok(c, 'stop_tracking');
    expect(stopped).toMatchObject({ session_id: s.sessionId, active: false, state: 'stopped', stop_reason: 'manual' });
    // the finished race still answers from SQLite history, over MCP and REST alike
    const after = await ok(c, 'get_race_summary', { session_id: s.sessionId });
    expect(after).toMatchObject({ state: 'stopped', stop_reason: 'manual', totals: { points: race.points.length - 1 } });
    const rest = await fetch(`${open.baseUrl}/sessions/${s.sessionId}/summary`);
    expect(rest.status).toBe(200);
    expect((await json(rest)).legs).toEqual(after.legs);
    const list = await ok(c, 'list_races');
    expect(list.races.find((r: any) => r.session_id === s.sessionId)).toMatchObject({ state: 'stopped', athlete: 'Ann' });
  });

  it.each<Transport>(['http', 'sse'])('answers bad arguments and unknown or ambiguous sessions with tool errors, and stays usable (%s)', async (kind) => {
    const c = await client(open, kind);
    const bad = async (name: string, args: Record<string, unknown>, pattern: RegExp) => {
      const result = await call(c, name, args);
      expect(result.isError).toBe(true);
      expect(text(result)).toMatch(pattern);
    };
    await bad('get_recent_data', { minutes: -5 }, /minutes/);
    await bad('update_thresholds', { hr_max: 'high' }, /hr_max/);
    await bad('update_thresholds', { heart_rate_max: 150 }, /heart_rate_max/);
    await bad('start_tracking', { url: 'https://example.com/session/abc/token/def' }, /url|origin|allowed/i);
    await bad('start_tracking', { url: 'https://livetrack.garmin.com/session/x/token/y', race_config: { hr_maximum: 1 } }, /hr_maximum/);
    await bad('get_tracking_status', { session_id: 'no-such-session' }, /no session no-such-session.*list_races/);
    await bad('get_race_summary', {}, /session_id/);
    await bad('get_tracking_status', { session_id: '../etc' }, /session_id/);
    await bad('send_coaching_message', { text: 'Ease off' }, /Telegram delivery is off.*TELEGRAM_BOT_TOKEN/);

    // no session active, then two: leaving session_id out says which exist
    await bad('stop_tracking', {}, /no session is being tracked/);
    const ids: string[] = [];
    for (const seed of [5, 6]) {
      const s = sim.addSession({ race: generateSingleSport({ seed: seed + (kind === 'sse' ? 10 : 0), start: START, sport: 'bike', durationMin: 5 }), postTrackPointFrequency: 1 });
      sim.release(s.sessionId, 3);
      ids.push((await ok(c, 'start_tracking', { url: sim.shareUrl(s.sessionId), race_config: { race_type: 'bike', poll_interval_secs: 1, min_elapsed_min: 600 } })).status.session_id);
    }
    const ambiguous = await call(c, 'get_recent_data', {});
    expect(ambiguous.isError).toBe(true);
    for (const id of ids) expect(text(ambiguous)).toContain(id);
    expect(text(ambiguous)).toMatch(/pass session_id/);
    await bad('update_thresholds', { session_id: ids[0], hr_min: 170, hr_max: 150 }, /hr_min \(170\) must not be greater than hr_max \(150\)/);
    await bad('update_thresholds', { session_id: ids[0] }, /at least one of/);

    // the connection is still fine
    expect((await ok(c, 'list_races')).count).toBeGreaterThanOrEqual(2);
    for (const id of ids) await ok(c, 'stop_tracking', { session_id: id });
  });

  it('requires the API key on both MCP transports and every REST route when API_KEY is set; health and docs stay open', async () => {
    const base = keyed.baseUrl;
    await expect(connect(base, 'http')).rejects.toThrow();
    await expect(connect(base, 'sse')).rejects.toThrow();
    await expect(connect(base, 'http', 'wrong-key')).rejects.toThrow();
    await expect(connect(base, 'sse', 'wrong-key')).rejects.toThrow();

    const init = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
    const mcpHeaders = { accept: 'application/json, text/event-stream' };
    for (const res of [
      await postJson(`${base}/mcp`, init, mcpHeaders),
      await fetch(`${base}/mcp`, { headers: mcpHeaders }),
      await fetch(`${base}/MCP/`, { method: 'DELETE' }),
      await fetch(`${base}/sse`),
      await postJson(`${base}/messages?sessionId=x`, init),
      await postJson(`${base}/sessions`, { url: 'https://livetrack.garmin.com/session/a/token/b' }),
      await postJson(`${base}/control`, { hr_max: 150 }),
      await postJson(`${base}/sessions/abc/stop`, {}),
      await postJson(`${base}/sessions`, {}, { authorization: 'Bearer nope' }),
      await fetch(`${base}/sessions`),
    ]) {
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    }
    for (const path of ['/health', '/health/live', '/health/ready', '/docs']) {
      expect((await fetch(`${base}${path}`)).status).toBe(200);
    }
    const docs = await fetch(`${base}/docs-json`);
    expect(docs.status).toBe(200);
    expect((await json(docs)).paths['/sessions/{id}/summary'].get).toBeDefined();
    // with the key, the request reaches the controller (which then says no session is tracked)
    const accepted = await postJson(`${base}/control`, { hr_max: 150 }, { authorization: `Bearer ${API_KEY}` });
    expect(accepted.status).toBe(400);
    expect((await json(accepted)).fields).toEqual(['session_id']);

    for (const kind of ['http', 'sse'] as const) {
      const c = await client(keyed, kind, API_KEY);
      expect((await c.listTools()).tools).toHaveLength(TOOLS.length);
      const sent = await ok(c, 'send_coaching_message', { text: `HR 152 for 8 min, cap is 144: ease to ~150 W (${kind})` });
      expect(sent).toMatchObject({ delivered: true, chat_id: '4242', message_id: expect.any(Number) });
      expect(telegram.messages[telegram.messages.length - 1]).toMatchObject({
        token: BOT_TOKEN, chat_id: '4242', text: `HR 152 for 8 min, cap is 144: ease to ~150 W (${kind})`, message_id: sent.message_id,
      });
    }
    // without API_KEY the MCP endpoints are open (the other app)
    const plain = await postJson(`${open.baseUrl}/mcp`, init, mcpHeaders);
    expect(plain.status).toBe(200);
    await plain.text();
  });
});
