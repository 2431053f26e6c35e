import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { GeneratedRace, generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { TrackingService } from '../src/tracking/tracking.service';
import { json, postJson, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { FakeTelegram } from './support/fake-telegram';
import { simulatorEnv, status, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const BOT_TOKEN = '123456:TEST-athletes';
const DEFAULT_CHAT = '4242';
const ZOE_CHAT = '-100777';

/** A 20-minute bike race, a point every 5 s, heart rate 120 except 160 for points [from, to). */
function bikeRace(seed: number, hot: [number, number] = [-1, -1]): GeneratedRace {
  const race = generateSingleSport({ seed, start: START, sport: 'bike', durationMin: 20 });
  race.points.forEach((p, i) => {
    if (p.totalDistanceMeters === undefined) return;
    p.heartRateBeatsPerMin = i >= hot[0] && i < hot[1] ? 160 : 120;
    p.powerWatts = 180;
  });
  return race;
}

function put(baseUrl: string, key: string, body: unknown): Promise<Response> {
  return fetch(`${baseUrl}/athletes/${key}`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

function toolText(result: CallToolResult): string {
  const first = result.content[0];
  return first && first.type === 'text' ? first.text : '';
}

describe('athletes: profiles over REST and MCP, sessions matched by Garmin name', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let telegram: FakeTelegram;
  let running: RunningApp;
  let mcp: Client;

  const zoe = {
    display_name: 'Zoë Müller',
    race_config: { race_type: 'bike', poll_interval_secs: 1, min_elapsed_min: 600, hr_max: 150, power_max: 400, ftp_w: 250, fuel_every_min: 45 },
    telegram_chat_id: ZOE_CHAT,
  };

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 18 });
    await sim.start();
    telegram = new FakeTelegram(BOT_TOKEN, [DEFAULT_CHAT, ZOE_CHAT]);
    await telegram.start();
    running = await startApp({
      DB_PATH: join(tmp.dir, 'athletes.db'), ...simulatorEnv(sim), ANALYSIS_BACKEND: 'off',
      TELEGRAM_BOT_TOKEN: BOT_TOKEN, TELEGRAM_CHAT_ID: DEFAULT_CHAT, TELEGRAM_API_BASE: telegram.origin,
    });
    mcp = new Client({ name: 'athletes-e2e', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${running.baseUrl}/mcp`)));
  });
  afterAll(async () => {
    await mcp?.close();
    await running?.close();
    await telegram?.stop();
    await sim?.stop();
    tmp.cleanup();
  });

  it('PUT creates and replaces, GET lists and reads', async () => {
    const created = await put(running.baseUrl, 'zoe', zoe);
    expect(created.status).toBe(200);
    const body = await json(created);
    expect(body).toMatchObject({ key: 'zoe', ...zoe });
    expect(Date.parse(body.created_at)).toBeGreaterThan(0);

    const again = await json(await put(running.baseUrl, 'zoe', zoe));
    expect(again.created_at).toBe(body.created_at);
    expect(await json(await fetch(`${running.baseUrl}/athletes/zoe`))).toEqual(again);
    const list = await json(await fetch(`${running.baseUrl}/athletes`));
    expect(list).toEqual({ athletes: [again] });
  });

  it('matches a session by Garmin name ignoring case and accents: athlete_key, thresholds, physiology, its Telegram chat', async () => {
    const s = sim.addSession({ race: bikeRace(1, [20, 40]), athlete: 'ZOE  MULLER', postTrackPointFrequency: 1 });
    // No race_config: the athlete's applies, as if given at start.
    const res = await postJson(`${running.baseUrl}/sessions`, { url: sim.shareUrl(s.sessionId) });
    expect(res.status).toBe(201);
    const started = await json(res);
    expect(started).toMatchObject({ athlete: 'ZOE  MULLER', athlete_key: 'zoe', race_type: 'bike', thresholds: { hr_max: 150, power_max: 400 } });
    expect(started.race_config).toMatchObject({ ftp_w: 250, fuel_every_min: 45, poll_interval_secs: 1 });

    // 100 s above the athlete's hr_max: one alert, to the athlete's own chat.
    sim.release(s.sessionId, 60);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    await waitFor(() => telegram.messages.length >= 1, 10000, 'the HR alert');
    expect(telegram.messages.map((m) => [m.chat_id, m.text])).toEqual([[ZOE_CHAT, expect.stringMatching(/^Bike: HR 160 for \d+ s, ceiling 150/)]]);

    // The caller's own race_config wins over the athlete's.
    const own = sim.addSession({ race: bikeRace(2), athlete: 'Zoë Müller', postTrackPointFrequency: 1 });
    const ownStatus = await json(await postJson(`${running.baseUrl}/sessions`, { url: sim.shareUrl(own.sessionId), race_config: { poll_interval_secs: 1, hr_max: 170 } }));
    expect(ownStatus).toMatchObject({ athlete_key: 'zoe', race_type: 'triathlon', thresholds: { hr_max: 170, power_max: null } });
    expect(ownStatus.race_config.ftp_w).toBeNull();

    // Nobody's name: no athlete, the defaults.
    const other = sim.addSession({ race: bikeRace(3), athlete: 'Zoe Mueller', postTrackPointFrequency: 1 });
    const otherStatus = await json(await postJson(`${running.baseUrl}/sessions`, { url: sim.shareUrl(other.sessionId) }));
    expect(otherStatus).toMatchObject({ athlete_key: null, thresholds: { hr_max: null } });

    for (const id of [s.sessionId, own.sessionId, other.sessionId]) await postJson(`${running.baseUrl}/sessions/${id}/stop`, {});
  });

  it('matches once the metadata answers when it failed at start', async () => {
    const s = sim.addSession({ race: bikeRace(4), athlete: 'zoë müller', postTrackPointFrequency: 1 });
    // The start's metadata probe gets a 500 (the start goes on); the poller's first read answers.
    sim.injectFaults(['500'], { sessionId: s.sessionId, path: 'meta' });
    const started = await json(await postJson(`${running.baseUrl}/sessions`, { url: sim.shareUrl(s.sessionId) }));
    expect(started.athlete_key).toBeNull();
    expect(sim.stats().faultsServed).toContain('500');
    const matched = await waitFor(async () => {
      const st = await status(running.baseUrl, s.sessionId);
      return st.athlete_key === 'zoe' ? st : null;
    }, 15000, 'the late match');
    expect(matched).toMatchObject({ athlete: 'zoë müller', thresholds: { hr_max: 150, power_max: 400 }, thresholds_updated_by: 'race_config' });
    expect(matched.race_config).toMatchObject({ ftp_w: 250, fuel_every_min: 45 });
    await postJson(`${running.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });

  it('starts a session for a known athlete key (the invitations path), whatever Garmin calls them', async () => {
    const tracking = running.app.get(TrackingService);
    const s = sim.addSession({ race: bikeRace(5), athlete: 'Z. M.', postTrackPointFrequency: 1 });
    const { created, status: st } = await tracking.start(sim.shareUrl(s.sessionId), {}, { athleteKey: 'zoe' });
    expect(created).toBe(true);
    expect(st).toMatchObject({ athlete_key: 'zoe', thresholds: { hr_max: 150 } });
    const s2 = sim.addSession({ race: bikeRace(6), postTrackPointFrequency: 1 });
    await expect(tracking.start(sim.shareUrl(s2.sessionId), {}, { athleteKey: 'nobody' })).rejects.toThrow(/no athlete "nobody"/);
    expect((await json(await fetch(`${running.baseUrl}/sessions/${s2.sessionId}`))).statusCode).toBe(404);
    await tracking.stop(s.sessionId);
  });

  it('MCP list_athletes and set_athlete give what REST gives', async () => {
    const tools = (await mcp.listTools()).tools.map((t) => t.name);
    expect(tools).toEqual(expect.arrayContaining(['list_athletes', 'set_athlete']));

    const set = (await mcp.callTool({
      name: 'set_athlete',
      arguments: { key: 'bob', display_name: 'Bob Ødegård', race_config: { run_hr_max: 165, threshold_pace_s_per_km: 270 } },
    })) as CallToolResult;
    expect(set.isError).toBeFalsy();
    expect(toolText(set)).toContain('bob');
    const rest = await json(await fetch(`${running.baseUrl}/athletes/bob`));
    expect(set.structuredContent).toEqual(rest);
    expect(rest).toMatchObject({ display_name: 'Bob Ødegård', telegram_chat_id: null, race_config: { run_hr_max: 165, threshold_pace_s_per_km: 270 } });

    const listed = (await mcp.callTool({ name: 'list_athletes', arguments: {} })) as CallToolResult;
    const restList = await json(await fetch(`${running.baseUrl}/athletes`));
    expect(listed.structuredContent).toEqual({ count: 2, athletes: restList.athletes });
    expect(restList.athletes.map((a: any) => a.key)).toEqual(['bob', 'zoe']);

    const bad = async (args: Record<string, unknown>, pattern: RegExp) => {
      const result = (await mcp.callTool({ name: 'set_athlete', arguments: args })) as CallToolResult;
      expect(result.isError).toBe(true);
      expect(toolText(result)).toMatch(pattern);
    };
    await bad({ key: 'bob', display_name: 'Bob', race_config: { hr_max: 'high' } }, /hr_max/);
    await bad({ key: 'bad key', display_name: 'Bob' }, /key/);
    await bad({ key: 'bob', display_name: 'Bob', telegram_chat_id: 'my chat' }, /telegram_chat_id/);
    await bad({ key: 'bob', display_name: 'Bob', race_config: { hr_min: 170, hr_max: 150 } }, /hr_min/);
    await bad({ key: 'zoe2', display_name: 'ZOË MÜLLER' }, /already athlete "zoe"/);
    // Nothing changed by the refused calls.
    expect(await json(await fetch(`${running.baseUrl}/athletes/bob`))).toEqual(rest);
  });

  it('answers bad input with 400 naming the field, a taken name with 409, and DELETE then 404', async () => {
    const fieldsOf = async (key: string, body: unknown) => {
      const res = await put(running.baseUrl, key, body);
      expect(res.status).toBe(400);
      return (await json(res)).fields;
    };
    expect(await fieldsOf('bad%20key', { display_name: 'X' })).toEqual(['key']);
    expect(await fieldsOf('x', {})).toEqual(['display_name']);
    expect(await fieldsOf('x', { display_name: 'X', race_config: { hr_max: 'high' } })).toEqual(['race_config.hr_max']);
    expect(await fieldsOf('x', { display_name: 'X', race_config: { heart_rate_max: 150 } })).toEqual(['race_config.heart_rate_max']);
    expect(await fieldsOf('x', { display_name: 'X', race_config: { hr_min: 170, hr_max: 150 } })).toEqual(['race_config.hr_min', 'race_config.hr_max']);
    expect(await fieldsOf('x', { display_name: 'X', telegram_chat_id: 'my chat' })).toEqual(['telegram_chat_id']);
    expect(await fieldsOf('x', { display_name: 'X', colour: 'red' })).toEqual(['colour']);
    expect((await fetch(`${running.baseUrl}/athletes/bad%20key`)).status).toBe(400);

    const taken = await put(running.baseUrl, 'zoe2', { display_name: 'zoe muller' });
    expect(taken.status).toBe(409);
    expect((await json(taken)).message).toContain('"zoe"');

    const removed = await fetch(`${running.baseUrl}/athletes/bob`, { method: 'DELETE' });
    expect(removed.status).toBe(204);
    expect((await fetch(`${running.baseUrl}/athletes/bob`)).status).toBe(404);
    expect((await fetch(`${running.baseUrl}/athletes/bob`, { method: 'DELETE' })).status).toBe(404);
    expect((await json(await fetch(`${running.baseUrl}/athletes`))).athletes.map((a: any) => a.key)).toEqual(['zoe']);
  });

  it('documents the athlete routes in the OpenAPI document', async () => {
    const doc = await json(await fetch(`${running.baseUrl}/docs-json`));
    expect(Object.keys(doc.paths['/athletes/{key}']).sort()).toEqual(['delete', 'get', 'put']);
    expect(doc.paths['/athletes'].get).toBeDefined();
  });
});
