import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import fc from 'fast-check';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { json, postJson, RunningApp, startApp, tempDir } from './support/app';
import { simulatorEnv, startTracking, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const THRESHOLDS = ['hr_max', 'hr_min', 'power_max', 'power_min', 'cadence_min', 'run_hr_max', 'run_hr_min', 'run_cadence_min'];

/** Values that are never a valid threshold: wrong types, non-integers, zero and negatives, absurd sizes (null is valid: it clears). */
const badThreshold = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.array(fc.integer()),
  fc.object(),
  fc.double({ noInteger: true, noNaN: true }),
  fc.integer({ max: 0 }),
  fc.integer({ min: 3001 }),
);

describe('input fuzzing: bad bodies always get 400, never 500, and change nothing stored', () => {
  const tmp = tempDir();
  const dbPath = join(tmp.dir, 'fuzz.db');
  let sim: LiveTrackSimulator;
  let running: RunningApp;
  let sessionId: string;

  const snapshot = () => {
    const db = new Database(dbPath, { readonly: true });
    try {
      return JSON.stringify({
        sessions: db.prepare('SELECT id, share_url, race_config, thresholds, state, points, thresholds_updated_at FROM race_sessions ORDER BY id').all(),
        points: db.prepare('SELECT COUNT(*) AS n, MAX(time) AS last FROM trackpoints').get(),
      });
    } finally {
      db.close();
    }
  };

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 41 });
    await sim.start();
    running = await startApp({ DB_PATH: dbPath, ...simulatorEnv(sim) });
    const race = generateSingleSport({ seed: 9, start: START, sport: 'bike', durationMin: 10 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    sessionId = s.sessionId;
    await startTracking(running.baseUrl, sim.shareUrl(sessionId), { race_type: 'bike', min_elapsed_min: 600, hr_max: 150, hr_min: 100 });
    sim.releaseAll(sessionId);
    await waitForExactly(running.baseUrl, sim, sessionId);
  });
  afterAll(async () => {
    await running?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  it('POST /control', async () => {
    const before = snapshot();
    const body = fc.oneof(
      // one bad threshold among good ones
      fc.record({ field: fc.constantFrom(...THRESHOLDS), value: badThreshold }).map(({ field, value }) => ({ session_id: sessionId, hr_max: 160, [field]: value })),
      // unknown fields
      fc.record({ key: fc.string({ minLength: 1 }).filter((k) => !THRESHOLDS.includes(k) && k !== 'session_id' && k !== '__proto__'), value: fc.jsonValue() })
        .map(({ key, value }) => ({ session_id: sessionId, [key]: value })),
      // min above max
      fc.integer({ min: 2, max: 240 }).map((max) => ({ session_id: sessionId, hr_min: max, hr_max: max - 1 })),
      // bad session ids
      fc.oneof(fc.integer(), fc.constant(''), fc.string().map((x) => x + '/../x')).map((id) => ({ session_id: id, hr_max: 150 })),
      // not an object at all
      fc.oneof(fc.array(fc.jsonValue()), fc.string(), fc.integer()),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await postJson(`${running.baseUrl}/control`, payload);
        const out = await json(res);
        expect(res.status).toBe(400);
        expect(out.statusCode).toBe(400);
        expect(typeof out.message).toBe('string');
      }),
      { numRuns: 150, seed: 20261125 },
    );
    expect(snapshot()).toBe(before);
  });

  it('POST /sessions', async () => {
    const before = snapshot();
    const body = fc.oneof(
      fc.record({ url: fc.oneof(fc.string(), fc.webUrl(), fc.integer(), fc.constant(null), fc.constant(`http://169.254.169.254/session/a/token/B`)) }),
      fc.record({ url: fc.constant(sim.shareUrl(sessionId)), race_config: fc.record({ field: fc.constantFrom(...THRESHOLDS, 'poll_interval_secs', 'stale_stop_min', 'race_type'), value: badThreshold }).map(({ field, value }) => ({ [field]: value })) }),
      fc.record({ url: fc.constant(sim.shareUrl(sessionId)), race_config: fc.oneof(fc.string(), fc.integer(), fc.array(fc.integer())) }),
      fc.record({ url: fc.constant(sim.shareUrl(sessionId)), race_config: fc.constant({ hr_min: 150, hr_max: 140 }) }),
      fc.dictionary(fc.string({ minLength: 1 }).filter((k) => k !== 'url' && k !== 'race_config' && k !== '__proto__'), fc.jsonValue(), { minKeys: 1 }),
    );
    await fc.assert(
      fc.asyncProperty(body, async (payload) => {
        const res = await postJson(`${running.baseUrl}/sessions`, payload);
        expect(res.status).toBe(400);
        const out = await json(res);
        expect(out.fields?.length ?? 0).toBeGreaterThan(0);
      }),
      { numRuns: 150, seed: 20261126 },
    );
    expect(snapshot()).toBe(before);
  });

  it('MCP tool arguments', async () => {
    const before = snapshot();
    const client = new Client({ name: 'fuzz', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${running.baseUrl}/mcp`)));
    const badId = fc.oneof(fc.integer(), fc.constant(''), fc.string().map((x) => `nope-${x}`), fc.array(fc.string()), fc.constant(null));
    const call = fc.oneof(
      fc.record({ field: fc.constantFrom(...THRESHOLDS), value: badThreshold }).map(({ field, value }) => ({ name: 'update_thresholds', arguments: { session_id: sessionId, [field]: value } })),
      fc.integer({ min: 2, max: 240 }).map((max) => ({ name: 'update_thresholds', arguments: { session_id: sessionId, hr_min: max, hr_max: max - 1 } })),
      fc.record({ key: fc.string({ minLength: 1 }).filter((k) => !THRESHOLDS.includes(k) && k !== 'session_id' && k !== '__proto__'), value: fc.jsonValue() })
        .map(({ key, value }) => ({ name: 'update_thresholds', arguments: { session_id: sessionId, [key]: value } })),
      fc.oneof(fc.string(), fc.integer(), fc.constant(`http://169.254.169.254/session/a/token/B`)).map((url) => ({ name: 'start_tracking', arguments: { url } })),
      fc.record({ field: fc.constantFrom('hr_max', 'poll_interval_secs', 'race_type', 'stale_stop_min'), value: badThreshold })
        .map(({ field, value }) => ({ name: 'start_tracking', arguments: { url: sim.shareUrl(sessionId), race_config: { [field]: value } } })),
      fc.oneof(fc.integer({ max: 0 }), fc.string(), fc.double({ min: 100000, noNaN: true })).map((minutes) => ({ name: 'get_recent_data', arguments: { session_id: sessionId, minutes } })),
      badId.map((id) => ({ name: 'get_race_summary', arguments: { session_id: id } })),
      badId.map((id) => ({ name: 'stop_tracking', arguments: { session_id: id } })),
      fc.oneof(fc.constant(''), fc.integer(), fc.string({ minLength: 5000, maxLength: 6000 })).map((text) => ({ name: 'send_coaching_message', arguments: { text } })),
    );
    try {
      await fc.assert(
        fc.asyncProperty(call, async ({ name, arguments: args }) => {
          const result = (await client.callTool({ name, arguments: args as Record<string, unknown> })) as { isError?: boolean; content: Array<{ type: string; text?: string }> };
          expect(result.isError).toBe(true);
          expect(result.content[0]?.text?.length ?? 0).toBeGreaterThan(0);
        }),
        { numRuns: 200, seed: 20261127 },
      );
      // The connection is still usable after every error.
      const ok = (await client.callTool({ name: 'get_tracking_status', arguments: { session_id: sessionId } })) as { isError?: boolean };
      expect(ok.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    expect(snapshot()).toBe(before);
  });
});
