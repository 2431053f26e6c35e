// Coaching metrics over REST and MCP against a simulated ride, checked against an independent
// computation of the coaching-metrics.md definitions from the stored points.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { generateSingleSport, generateTriathlon, LiveTrackSimulator } from '../src/simulator';
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

/** 1 Hz step-hold series of one span (a leg), gaps > 30 s left out; each second carries the values of the point at or before it. */
function seconds(points: any[]): Array<{ power: number | null; hr: number | null; speed: number | null }> {
  const out: Array<{ power: number | null; hr: number | null; speed: number | null }> = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const gap = (Date.parse(points[i + 1].time) - Date.parse(points[i].time)) / 1000;
    if (gap > 30) continue;
    for (let s = 0; s < gap; s++) out.push({ power: points[i].power, hr: points[i].heart_rate, speed: points[i].speed_mps });
  }
  return out;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

function decoupling(series: Array<{ out: number | null; hr: number | null }>): number | null {
  const both = series.filter((s) => s.out !== null && s.hr !== null) as Array<{ out: number; hr: number }>;
  if (both.length < 20 * 60) return null;
  const half = Math.floor(both.length / 2);
  const ratio = (xs: Array<{ out: number; hr: number }>) => mean(xs.map((x) => x.out)) / mean(xs.map((x) => x.hr));
  const first = ratio(both.slice(0, half));
  return ((first - ratio(both.slice(half))) / first) * 100;
}

describe('coaching metrics of a triathlon', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let app: RunningApp;
  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 84 });
    await sim.start();
    app = await startApp({ DB_PATH: join(tmp.dir, 'tri.db'), ...simulatorEnv(sim) });
  });
  afterAll(async () => {
    await app?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  it('per leg and for the race, REST and MCP agree with an independent computation within 3 %', async () => {
    const race = generateTriathlon({ seed: 85, start: START, scale: 0.5 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), {
      min_elapsed_min: 600, ftp_w: 250, cp_w: 240, w_prime_j: 20000, lthr_bpm: 160, run_lthr_bpm: 165,
    });
    // Half the race, a metrics read (the accumulator is built from the store), then the rest incrementally.
    sim.release(s.sessionId, Math.floor(race.points.length / 2));
    await waitForExactly(app.baseUrl, sim, s.sessionId);
    await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/metrics`));
    sim.release(s.sessionId, race.points.length - 1 - Math.floor(race.points.length / 2));
    const stored = await waitForExactly(app.baseUrl, sim, s.sessionId, 30000);
    const body = await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/metrics`));
    expect(body.legs.map((l: any) => l.leg)).toEqual(['swim', 't1', 'bike', 't2', 'run']);
    const within = (actual: number | null, expected: number, what: string) =>
      expect({ what, ok: actual !== null && Math.abs(actual - expected) <= Math.abs(expected) * 0.03 + 1e-9 ? true : { actual, expected } }).toEqual({ what, ok: true });

    for (const leg of body.legs) {
      const span = stored.filter((p) => p.leg === leg.leg);
      const series = seconds(span);
      within(leg.duration_s, (Date.parse(span.at(-1).time) - Date.parse(span[0].time)) / 1000, `${leg.leg} duration_s`);
      within(leg.moving_s, series.filter((x) => x.speed !== null && x.speed > 0.5).length, `${leg.leg} moving_s`);
      const hr = series.filter((x) => x.hr !== null).map((x) => x.hr as number);
      within(leg.avg_hr_bpm, mean(hr), `${leg.leg} avg_hr_bpm`);
      if (leg.leg === 'bike') {
        const ref = reference(span.map((p) => ({ time: p.time, power: p.power })));
        within(leg.avg_power_w, ref.avg, 'bike avg_power_w');
        within(leg.np_w, ref.np, 'bike np_w');
        within(leg.if, ref.np / 250, 'bike if');
        within(leg.tss, ((ref.seconds * ref.np * (ref.np / 250)) / (250 * 3600)) * 100, 'bike tss');
        const d = decoupling(series.map((x) => ({ out: x.power, hr: x.hr })));
        expect(d).not.toBeNull();
        // Decoupling is a small difference of two ratios: compare in percentage points.
        expect(Math.abs(leg.decoupling_pct - d!)).toBeLessThan(0.3);
      }
      if (leg.leg === 'run') {
        const d = decoupling(series.map((x) => ({ out: x.speed, hr: x.hr })));
        if (d === null) expect(leg.decoupling_pct).toBeNull();
        else expect(Math.abs(leg.decoupling_pct - d)).toBeLessThan(0.3);
        expect(leg.avg_pace_s_per_km).toBeGreaterThan(200);
      }
    }
    // W′ balance over the whole race, never reset between legs.
    let bal = 20000;
    let min = bal;
    for (const x of seconds(stored)) {
      const p = x.power ?? 0;
      bal = p > 240 ? bal - (p - 240) : bal + ((240 - p) * (20000 - bal)) / 20000;
      min = Math.min(min, bal);
    }
    within(body.race.w_bal_min_j, min, 'race w_bal_min_j');

    const client = new Client({ name: 'metrics-tri-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${app.baseUrl}/mcp`)));
    try {
      const tool = (await client.callTool({ name: 'get_race_metrics', arguments: { session_id: s.sessionId } })) as CallToolResult;
      expect(tool.isError).toBeFalsy();
      const structured = tool.structuredContent as any;
      expect(structured.race).toEqual(body.race);
      expect(structured.legs).toEqual(body.legs);
      const summary = (await client.callTool({ name: 'get_race_summary', arguments: { session_id: s.sessionId } })) as CallToolResult;
      expect((summary.structuredContent as any).metrics.legs).toEqual(body.legs);
      expect((summary.content[0] as { text: string }).text).toMatch(/Coaching metrics:[\s\S]*bike: .*NP \d+ W/);
    } finally {
      await client.close();
    }
    await postJson(`${app.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });

  it('physiology changes mid-race through POST /control and update_thresholds, and the figures follow', async () => {
    const race = generateSingleSport({ seed: 86, start: START, sport: 'bike', durationMin: 15 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'bike', min_elapsed_min: 600, ftp_w: 250 });
    sim.release(s.sessionId, 120);
    await waitForExactly(app.baseUrl, sim, s.sessionId);
    const before = (await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/metrics`))).race;
    const res = await postJson(`${app.baseUrl}/control`, { session_id: s.sessionId, ftp_w: 200, fuel_every_min: 30, hr_max: 170 });
    expect(res.status).toBe(200);
    const changed = await json(res);
    expect(changed.changed.sort()).toEqual(['ftp_w', 'fuel_every_min', 'hr_max']);
    expect(changed.coaching).toMatchObject({ ftp_w: 200, fuel_every_min: 30, cp_w: null });
    const after = (await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/metrics`))).race;
    expect(after.if).toBeCloseTo((before.if * 250) / 200, 2);
    expect((await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}`))).race_config).toMatchObject({ ftp_w: 200, fuel_every_min: 30 });

    const bad = await postJson(`${app.baseUrl}/control`, { session_id: s.sessionId, ftp_w: 0, w_prime_j: 'lots' });
    expect(bad.status).toBe(400);
    expect((await json(bad)).fields).toEqual(expect.arrayContaining(['ftp_w', 'w_prime_j']));

    const client = new Client({ name: 'metrics-control-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${app.baseUrl}/mcp`)));
    try {
      const tool = (await client.callTool({ name: 'update_thresholds', arguments: { session_id: s.sessionId, ftp_w: null, cp_w: 230 } })) as CallToolResult;
      expect(tool.isError).toBeFalsy();
      expect((tool.structuredContent as any).coaching).toMatchObject({ ftp_w: null, cp_w: 230 });
      const wrong = (await client.callTool({ name: 'update_thresholds', arguments: { session_id: s.sessionId, lthr_bpm: -3 } })) as CallToolResult;
      expect(wrong.isError).toBe(true);
      expect((wrong.content[0] as { text: string }).text).toMatch(/lthr_bpm/);
    } finally {
      await client.close();
    }
    const final = (await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/metrics`))).race;
    expect(final.if).toBeNull();
    expect(final.w_bal_now_j).toBeNull(); // cp_w without w_prime_j: no W′ balance
    await postJson(`${app.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });
});
