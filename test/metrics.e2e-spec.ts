// Coaching metrics over REST and MCP against a simulated ride, checked against an independent
// computation of the coaching-metrics.md definitions from the stored points.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { json, postJson, RunningApp, startApp, tempDir } from './support/app';
import { simulatorEnv, startTracking, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));

/** NP and mean power by the book: 1 Hz step hold, gaps > 30 s left out, 30 s trailing means. */
function reference(points: Array<{ time: string; power: number | null }>): { avg: number; np: number; seconds: number } {
  const series: number[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = Date.parse(points[i].time);
    const gap = (Date.parse(points[i + 1].time) - a) / 1000;
    if (gap > 30 || points[i].power === null) continue;
    for (let s = 0; s < gap; s++) series.push(points[i].power!);
  }
  const avg = series.reduce((x, y) => x + y, 0) / series.length;
  const rolling: number[] = [];
  let sum = 0;
  for (let i = 0; i < series.length; i++) {
    sum += series[i];
    if (i >= 30) sum -= series[i - 30];
    if (i >= 29) rolling.push(sum / 30);
  }
  const np = (rolling.reduce((x, r) => x + r ** 4, 0) / rolling.length) ** 0.25;
  return { avg, np, seconds: series.length };
}

describe('coaching metrics', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let app: RunningApp;
  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 81 });
    await sim.start();
    app = await startApp({ DB_PATH: join(tmp.dir, 'metrics.db'), ...simulatorEnv(sim) });
  });
  afterAll(async () => {
    await app?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  it('NP, VI, IF, TSS and zones of a ride agree with the definitions, over REST and MCP alike', async () => {
    const race = generateSingleSport({ seed: 82, start: START, sport: 'bike', durationMin: 40 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'bike', min_elapsed_min: 600, ftp_w: 250, lthr_bpm: 160, cp_w: 240, w_prime_j: 20000 });
    // Metrics are asked for mid-race (the accumulator is built then), then kept up to date incrementally.
    sim.release(s.sessionId, 150);
    await waitForExactly(app.baseUrl, sim, s.sessionId);
    const early = await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/metrics`));
    expect(early.race.duration_s).toBeGreaterThan(0);
    sim.release(s.sessionId, race.points.length - 151); // all but the END point
    const stored = await waitForExactly(app.baseUrl, sim, s.sessionId);

    const res = await fetch(`${app.baseUrl}/sessions/${s.sessionId}/metrics`);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(Object.keys(body).sort()).toEqual(['computed_at', 'course', 'legs', 'race', 'session_id']);
    const ride = body.race;
    const ref = reference(stored);
    expect(ride.avg_power_w).toBeCloseTo(ref.avg, 0);
    expect(Math.abs(ride.np_w - ref.np) / ref.np).toBeLessThan(0.01);
    expect(ride.vi).toBeCloseTo(ride.np_w / ride.avg_power_w, 2);
    expect(ride.if).toBeCloseTo(ride.np_w / 250, 2);
    expect(Math.abs(ride.tss - (ref.seconds * ride.np_w * ride.if) / (250 * 3600) * 100) / ride.tss).toBeLessThan(0.01);
    expect(ride.time_in_power_zones_s).toHaveLength(7);
    expect(ride.time_in_power_zones_s.reduce((a: number, b: number) => a + b, 0)).toBe(ref.seconds);
    expect(ride.time_in_hr_zones_s).toHaveLength(5);
    expect(ride.w_bal_now_j).toBeLessThanOrEqual(20000);
    expect(ride.avg_pace_s_per_km).toBeNull(); // no pace on the bike
    expect(body.legs.map((l: any) => l.leg)).toEqual(['bike']);
    expect(body.course).toBeNull();

    const client = new Client({ name: 'metrics-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${app.baseUrl}/mcp`)));
    try {
      const tool = (await client.callTool({ name: 'get_race_metrics', arguments: { session_id: s.sessionId } })) as CallToolResult;
      expect(tool.isError).toBeFalsy();
      const structured = tool.structuredContent as any;
      expect(structured.race).toEqual(ride);
      expect((tool.content[0] as { text: string }).text).toMatch(/NP \d+ W/);
    } finally {
      await client.close();
    }
    await postJson(`${app.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });

  it('figures needing physiology are null without it; bad physiology is a 400 naming the field', async () => {
    const race = generateSingleSport({ seed: 83, start: START, sport: 'bike', durationMin: 10 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'bike', min_elapsed_min: 600 });
    sim.release(s.sessionId, 100);
    await waitForExactly(app.baseUrl, sim, s.sessionId);
    const body = await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/metrics`));
    expect(body.race).toMatchObject({ if: null, tss: null, w_bal_min_j: null, w_bal_now_j: null, time_in_hr_zones_s: null });
    expect(body.race.np_w).toBeGreaterThan(0);
    await postJson(`${app.baseUrl}/sessions/${s.sessionId}/stop`, {});

    const bad = await postJson(`${app.baseUrl}/sessions`, { url: sim.shareUrl(s.sessionId), race_config: { ftp_w: -5, fuel_every_min: 'often' } });
    expect(bad.status).toBe(400);
    expect((await json(bad)).fields).toEqual(expect.arrayContaining(['race_config.ftp_w', 'race_config.fuel_every_min']));
    expect((await fetch(`${app.baseUrl}/sessions/nope-404/metrics`)).status).toBe(404);
  });
});
