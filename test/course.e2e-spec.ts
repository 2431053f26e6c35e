// The planned course over REST and MCP: GPX upload (good and bad files), progress by forward
// projection on a course that crosses itself, ETA against the simulator's own truth mid-bike,
// the course read by itself from Garmin's courses endpoint, and course progress in the status,
// metrics and MCP status.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { ll } from '../src/course/test-geo';
import { generateTriathlon, GeneratedRace, LiveTrackSimulator } from '../src/simulator';
import type { GarminTrackPoint } from '../src/tracking/garmin.types';
import { json, postJson, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { simulatorEnv, startTracking, status, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));

function gpx(track: Array<{ lat: number; lon: number }>, waypoints: Array<{ name: string; lat: number; lon: number }> = [], name = 'Test course'): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<gpx version="1.1" creator="course-e2e" xmlns="http://www.topografix.com/GPX/1/1">',
    `<metadata><name>${name}</name></metadata>`,
    ...waypoints.map((w) => `<wpt lat="${w.lat}" lon="${w.lon}"><name>${w.name}</name></wpt>`),
    '<trk><name>course</name><trkseg>',
    ...track.map((p) => `<trkpt lat="${p.lat}" lon="${p.lon}"><ele>240</ele></trkpt>`),
    '</trkseg></trk></gpx>',
  ].join('\n');
}

function putGpx(baseUrl: string, sessionId: string, body: string | Buffer, type = 'application/gpx+xml'): Promise<Response> {
  return fetch(`${baseUrl}/sessions/${sessionId}/course`, { method: 'PUT', headers: { 'content-type': type }, body });
}

/** A run along the corners at a steady 4 m/s, a point every 5 s (metric plane of test-geo). */
const CORNERS: Array<[number, number]> = [[0, 0], [2000, 0], [2000, 1000], [1000, 1000], [1000, -1000], [3000, -1000]];
const SPEED = 4;
function along(s: number): [number, number] {
  let left = s;
  for (let i = 1; i < CORNERS.length; i++) {
    const [x0, y0] = CORNERS[i - 1];
    const [x1, y1] = CORNERS[i];
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (left <= len || i === CORNERS.length - 1) {
      const t = Math.min(1, left / len);
      return [x0 + (x1 - x0) * t, y0 + (y1 - y0) * t];
    }
    left -= len;
  }
  return CORNERS[CORNERS.length - 1];
}
const LENGTH = 7000;

function figureEightRun(): GeneratedRace {
  const points: GarminTrackPoint[] = [];
  for (let t = 0; t * SPEED <= LENGTH; t += 5) {
    const iso = new Date(START.getTime() + t * 1000).toISOString();
    const pos = ll(...along(t * SPEED));
    points.push({
      dateTime: iso, reportedTime: iso, position: { lat: pos.lat, lon: pos.lon }, altitude: 240, pointStatus: 'MOVING',
      activityType: 'RUNNING', eventTypes: ['WAYPOINT'], speed: SPEED, speedMetersPerSec: SPEED, totalDistanceMeters: t * SPEED,
      totalDurationSecs: t, heartRateBeatsPerMin: 150, cadenceCyclesPerMin: 88,
    });
  }
  points[points.length - 1].eventTypes = ['END'];
  const end = new Date(String(points[points.length - 1].dateTime));
  return { points, start: START, end, legs: [{ leg: 'run', from: START, to: end }] };
}

/** Index of the first point at or past course distance d on the figure-eight run. */
const indexAt = (d: number) => Math.ceil(d / SPEED / 5);

describe('course', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let app: RunningApp;
  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 91 });
    await sim.start();
    app = await startApp({ DB_PATH: join(tmp.dir, 'course.db'), ...simulatorEnv(sim) });
  });
  afterAll(async () => {
    await app?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  it('bad GPX files are a 400 saying why, and nothing is stored', async () => {
    const s = sim.addSession({ race: figureEightRun(), postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    const cases: Array<[string | Buffer, RegExp, string?]> = [
      ['this is not xml at all', /not XML/i],
      ['<gpx version="1.1"><trk><trkseg></trkseg></trk></gpx>', /no (track|route) points|no points/i],
      [gpx([ll(0, 0)]), /one point|at least two/i],
      ['<kml><Document/></kml>', /gpx/i],
      [Buffer.alloc(10 * 1024 * 1024 + 10, 0x20), /larger than 10 MB/i],
      ['{"points":[]}', /Content-Type application\/gpx\+xml/, 'application/json'],
    ];
    for (const [body, reason, type] of cases) {
      const res = await putGpx(app.baseUrl, s.sessionId, body, type);
      const answer = await json(res);
      expect({ status: res.status, reason: reason.test(answer.message) ? 'ok' : answer.message }).toEqual({ status: 400, reason: 'ok' });
    }
    expect((await fetch(`${app.baseUrl}/sessions/${s.sessionId}/course`)).status).toBe(404);
    expect((await status(app.baseUrl, s.sessionId)).course).toBeNull();
    expect((await putGpx(app.baseUrl, 'no-such-session', gpx([ll(0, 0), ll(100, 0)]))).status).toBe(404);
    await postJson(`${app.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });

  it('a course that crosses itself: checkpoints in course order, progress never jumps to the other pass, ETA from the recent speed', async () => {
    const race = figureEightRun();
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    const track: Array<{ lat: number; lon: number }> = [];
    for (let d = 0; d <= LENGTH; d += 100) track.push(ll(...along(d)));
    // Listed out of course order on purpose; "Bridge" sits near the crossing's second pass.
    const waypoints = [
      { name: 'Finish', ...ll(3000, -1000) },
      { name: 'Bridge', ...ll(1000, -300) },
      { name: 'Lake', ...ll(1500, 0) },
      { name: 'Church', ...ll(1500, 1000) },
    ];
    const put = await putGpx(app.baseUrl, s.sessionId, gpx(track, waypoints, 'Figure eight'));
    expect(put.status).toBe(200);
    const summary = await json(put);
    expect(Math.abs(summary.distance_m - LENGTH) / LENGTH).toBeLessThan(0.005);
    expect(summary.checkpoints.map((c: any) => c.name)).toEqual(['Lake', 'Church', 'Bridge', 'Finish']);
    const expectedAt = [1500, 3500, 5300, 7000];
    summary.checkpoints.forEach((c: any, i: number) => expect(Math.abs(c.distance_m - expectedAt[i])).toBeLessThan(20));

    // First pass over the crossing (course 1000 m; the same spot is course 5000 m on the second pass).
    sim.release(s.sessionId, indexAt(1100) + 1);
    await waitForExactly(app.baseUrl, sim, s.sessionId);
    let view = await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/course`));
    expect(view).toMatchObject({ session_id: s.sessionId, source: 'gpx', name: 'Figure eight' });
    expect(view.points.length).toBe(track.length);
    const doneAt1100 = view.progress.distance_done_m;
    expect(Math.abs(doneAt1100 - indexAt(1100) * 5 * SPEED)).toBeLessThan(15);
    expect(view.progress.next_checkpoint.name).toBe('Lake');
    expect(view.progress.off_course_m).toBeLessThan(5);
    // ETA: newest point + to-go / 4 m/s (a steady run), the next checkpoint likewise.
    const newest = Date.parse(String(sim.released(s.sessionId).at(-1)!.dateTime));
    const etaFinish = newest + ((LENGTH - doneAt1100) / SPEED) * 1000;
    expect(Math.abs(Date.parse(view.progress.eta) - etaFinish)).toBeLessThan(10_000);
    expect(Math.abs(Date.parse(view.progress.next_checkpoint.eta) - (newest + ((1500 - doneAt1100) / SPEED) * 1000))).toBeLessThan(10_000);

    // Second pass over the crossing: 5100 m, not back to 1100 m.
    sim.release(s.sessionId, indexAt(5100) - indexAt(1100));
    await waitForExactly(app.baseUrl, sim, s.sessionId);
    view = await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/course`));
    expect(Math.abs(view.progress.distance_done_m - indexAt(5100) * 5 * SPEED)).toBeLessThan(15);
    expect(view.progress.next_checkpoint.name).toBe('Bridge');
    expect(view.progress.progress_pct).toBeCloseTo((view.progress.distance_done_m / summary.distance_m) * 100, 1);

    // The same progress in the status, the metrics and the MCP status.
    const st = await status(app.baseUrl, s.sessionId);
    expect(st.course).toEqual(view.progress);
    const metrics = await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/metrics`));
    expect(metrics.course).toEqual(view.progress);
    const client = new Client({ name: 'course-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(`${app.baseUrl}/mcp`)));
    try {
      const tool = (await client.callTool({ name: 'get_tracking_status', arguments: { session_id: s.sessionId } })) as CallToolResult;
      expect(tool.isError).toBeFalsy();
      expect((tool.structuredContent as any).course).toEqual(view.progress);
      expect((tool.content[0] as { text: string }).text).toMatch(/Course: 5\.\d of 7\.0 km done .*next checkpoint Bridge/);
    } finally {
      await client.close();
    }
    await postJson(`${app.baseUrl}/sessions/${s.sessionId}/stop`, {});
    // A finished race keeps its course and progress (rebuilt from the store on a cold read too).
    expect((await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/course`))).progress.distance_done_m).toBeCloseTo(view.progress.distance_done_m, 0);
  });

  it('mid-bike of a triathlon the ETA at T2 is within 5 % of the simulator’s own truth', async () => {
    const race = generateTriathlon({ seed: 92, start: START, scale: 0.4 });
    const bike = race.legs.find((l) => l.leg === 'bike')!;
    const inBike = race.points.filter((p) => {
      const t = Date.parse(String(p.dateTime));
      return t >= bike.from.getTime() && t <= bike.to.getTime();
    });
    const track = inBike.filter((_, i) => i % 4 === 0 || i === inBike.length - 1).map((p) => ({ lat: p.position!.lat, lon: p.position!.lon }));
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { min_elapsed_min: 600 });
    expect((await putGpx(app.baseUrl, s.sessionId, gpx(track, [{ name: 'T2', ...track[track.length - 1] }], 'Bike course'))).status).toBe(200);

    const midBike = bike.from.getTime() + (bike.to.getTime() - bike.from.getTime()) / 2;
    const upTo = race.points.findIndex((p) => Date.parse(String(p.dateTime)) >= midBike);
    sim.release(s.sessionId, upTo + 1);
    await waitForExactly(app.baseUrl, sim, s.sessionId);
    const { progress } = await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/course`));
    const newest = Date.parse(String(race.points[upTo].dateTime));
    const truthLeft = bike.to.getTime() - newest;
    expect(progress.progress_pct).toBeGreaterThan(40);
    expect(progress.progress_pct).toBeLessThan(60);
    expect(progress.off_course_m).toBeLessThan(30);
    const etaLeft = Date.parse(progress.eta) - newest;
    expect(Math.abs(etaLeft - truthLeft) / truthLeft).toBeLessThan(0.05);
    expect(progress.next_checkpoint).toMatchObject({ name: 'T2' });
    await postJson(`${app.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });

  it("reads the course from Garmin's courses endpoint by itself when the watch carries one", async () => {
    const race = figureEightRun();
    const track: Array<{ lat: number; lon: number }> = [];
    for (let d = 0; d <= LENGTH; d += 100) track.push(ll(...along(d)));
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    sim.setCourse(s.sessionId, { courses: [{ courseName: 'Watch course', coursePoints: track.map((p) => ({ position: { lat: p.lat, lon: p.lon } })) }] });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', min_elapsed_min: 600 });
    sim.release(s.sessionId, 50);
    const view = await waitFor(async () => {
      const res = await fetch(`${app.baseUrl}/sessions/${s.sessionId}/course`);
      return res.status === 200 ? json(res) : null;
    }, 15000, 'course read from Garmin');
    expect(view).toMatchObject({ source: 'garmin', name: 'Watch course' });
    expect(Math.abs(view.distance_m - LENGTH) / LENGTH).toBeLessThan(0.005);
    // An uploaded file replaces it.
    expect((await putGpx(app.baseUrl, s.sessionId, gpx(track.slice(0, 30), [], 'Mine'))).status).toBe(200);
    expect(await json(await fetch(`${app.baseUrl}/sessions/${s.sessionId}/course`))).toMatchObject({ source: 'gpx', name: 'Mine' });
    await postJson(`${app.baseUrl}/sessions/${s.sessionId}/stop`, {});
  });
});
