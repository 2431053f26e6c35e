import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { join } from 'node:path';
import { generateSingleSport, LiveTrackSimulator, SimSession } from '../src/simulator';
import type { GarminTrackPoint } from '../src/tracking/garmin.types';
import { Tracker } from '../src/tracking/tracker.service';
import { json, postJson, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { openSse } from './support/sse';
import { releasedTimes, simulatorEnv, status } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));

/** A 20-minute bike race, a point every 5 s, split by a watch restart at minute 8: B starts 3 min after A's last point. */
function restartedRace(sim: LiveTrackSimulator, seed: number, athlete: string): { a: SimSession; b: SimSession } {
  const race = generateSingleSport({ seed, start: START, sport: 'bike', durationMin: 20 });
  const { before, after } = sim.addWatchRestart({ race, atMin: 8, gapMin: 3, athlete, postTrackPointFrequency: 1 });
  return { a: before, b: after };
}

/** Waits until a session has stored every point the simulator released for it (its own count, not the chain's). */
async function waitForStored(baseUrl: string, sim: LiveTrackSimulator, id: string): Promise<void> {
  const n = sim.released(id).length;
  await waitFor(async () => (await status(baseUrl, id)).points === n, 20000, `${n} stored points of ${id}`);
}

const distances = (points: GarminTrackPoint[]) => points.map((p) => p.totalDistanceMeters).filter((d): d is number => typeof d === 'number');

describe('linked sessions: a watch restarted mid-race is one race', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let running: RunningApp;
  let mcp: Client;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 18 });
    await sim.start();
    running = await startApp({ DB_PATH: join(tmp.dir, 'linked.db'), ...simulatorEnv(sim), ANALYSIS_BACKEND: 'off' });
    mcp = new Client({ name: 'linked-sessions-e2e', version: '1.0.0' });
    await mcp.connect(new StreamableHTTPClientTransport(new URL(`${running.baseUrl}/mcp`)));
    const put = await fetch(`${running.baseUrl}/athletes/zoe`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ display_name: 'Zoë Müller', race_config: { race_type: 'bike', poll_interval_secs: 1, min_elapsed_min: 600 } }),
    });
    expect(put.status).toBe(200);
  });
  afterAll(async () => {
    await mcp?.close();
    await running?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  it('links B to A at its start, stops A for good, and shows the whole race from either session', async () => {
    const base = running.baseUrl;
    const { a, b } = restartedRace(sim, 1, 'Zoë Müller');
    const startedA = await json(await postJson(`${base}/sessions`, { url: sim.shareUrl(a.sessionId) }));
    expect(startedA).toMatchObject({ athlete_key: 'zoe', previous_session_id: null, next_session_id: null, active: true });
    const releasedA = sim.releaseAll(a.sessionId);
    await waitForStored(base, sim, a.sessionId);
    // Metrics asked for while A is alone: that entry must not be what B's race answers later.
    expect((await json(await fetch(`${base}/sessions/${a.sessionId}/metrics`))).race.distance_m).toBeGreaterThan(0);

    // The coach's race page, open on A since before the restart.
    const pageA = await openSse(`${base}/dashboard/${a.sessionId}/events`);
    expect((await pageA.next('status')).status.session_id).toBe(a.sessionId);

    // The watch restarted: A ended without END, B (same athlete) starts 3 min after A's last point.
    const res = await postJson(`${base}/sessions`, { url: sim.shareUrl(b.sessionId) });
    expect(res.status).toBe(201);
    expect(await json(res)).toMatchObject({ session_id: b.sessionId, athlete_key: 'zoe', previous_session_id: a.sessionId, next_session_id: null, active: true });
    const stoppedA = await status(base, a.sessionId);
    expect(stoppedA).toMatchObject({ next_session_id: b.sessionId, previous_session_id: null, active: false, state: 'stopped', stop_reason: 'manual', watching_until: null, poll_state: 'idle' });
    expect(stoppedA.stop_detail).toContain(b.sessionId);
    expect(running.app.get(Tracker).isTracking(a.sessionId) || running.app.get(Tracker).isWatching(a.sessionId)).toBe(false);
    expect(stoppedA.points).toBe(releasedA.length);

    const releasedB = sim.releaseAll(b.sessionId);
    await waitForStored(base, sim, b.sessionId);
    // The page left open on A streamed B's points, continued, and now shows B's status.
    const streamed: Array<{ time: string; distance_m: number | null }> = [];
    while (streamed.length < releasedB.length) streamed.push(...(await pageA.next('points')).points);
    expect(streamed.map((p) => p.time)).toEqual(releasedTimes(releasedB));
    expect(streamed[0].distance_m!).toBeGreaterThan(distances(releasedA).at(-1)! - distances(releasedA)[0]);
    await waitFor(async () => (await pageA.next('status')).status.session_id === b.sessionId, 15_000, "A's page to show B's status");
    await pageA.close();
    expect(releasedA.length).toBeGreaterThan(50);
    expect(releasedB.length).toBeGreaterThan(50);
    const allTimes = [...releasedTimes(releasedA), ...releasedTimes(releasedB)];
    // Garmin's cumulative distance restarts with the new activity; the race continues it.
    const expectedDistance = distances(releasedA).at(-1)! - distances(releasedA)[0] + distances(releasedB).at(-1)!;

    for (const id of [b.sessionId, a.sessionId]) {
      // The race view's points: both sessions, in time order, distance continued.
      const points = (await json(await fetch(`${base}/sessions/${id}/points?since=1970-01-01T00:00:00Z`))).points;
      expect(points.map((p: { time: string }) => p.time)).toEqual(allTimes);
      const d = points.map((p: { distance_m: number | null }) => p.distance_m).filter((v: number | null) => v !== null);
      expect(d.every((v: number, i: number) => i === 0 || v >= d[i - 1])).toBe(true);

      const summary = await json(await fetch(`${base}/sessions/${id}/summary`));
      expect(summary).toMatchObject({ session_id: id, first_point_at: allTimes[0], last_point_at: allTimes.at(-1) });
      expect(summary.totals.points).toBe(releasedA.length + releasedB.length);
      expect(summary.totals.distance_m).toBeCloseTo(expectedDistance, -1);

      const metrics = await json(await fetch(`${base}/sessions/${id}/metrics`));
      expect(metrics.session_id).toBe(id);
      expect(metrics.race.duration_s).toBe((Date.parse(allTimes.at(-1)!) - Date.parse(allTimes[0])) / 1000);
      expect(metrics.race.distance_m).toBeCloseTo(expectedDistance, 0);
      expect(metrics.legs.map((l: { leg: string }) => l.leg)).toEqual(['bike']);
    }

    const gpxRes = await fetch(`${base}/sessions/${b.sessionId}/export.gpx`);
    expect(gpxRes.status).toBe(200);
    const gpx = await gpxRes.text();
    const trkptTimes = [...gpx.matchAll(/<trkpt [^>]*>.*?<time>([^<]+)<\/time>/g)].map((m) => m[1]);
    expect(trkptTimes).toEqual(allTimes);
    const csv = (await (await fetch(`${base}/sessions/${b.sessionId}/export.csv`)).text()).trim().split('\n');
    expect(csv.length - 1).toBe(allTimes.length);

    // MCP shows the same links.
    const tool = (await mcp.callTool({ name: 'get_tracking_status', arguments: { session_id: b.sessionId } })) as CallToolResult;
    expect(tool.isError).toBeFalsy();
    expect(tool.structuredContent).toMatchObject({ previous_session_id: a.sessionId, next_session_id: null });
    const toolA = (await mcp.callTool({ name: 'get_tracking_status', arguments: { session_id: a.sessionId } })) as CallToolResult;
    expect(toolA.structuredContent).toMatchObject({ next_session_id: b.sessionId, stop_reason: 'manual' });
    await postJson(`${base}/sessions/${b.sessionId}/stop`, {});
  });

  it('links late, once Garmin names the athlete and the profile matches; without a profile, even the same Garmin name stays apart', async () => {
    const base = running.baseUrl;
    expect((await fetch(`${base}/athletes/max`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ display_name: 'Max Mustermann' }) })).status).toBe(200);
    const { a, b } = restartedRace(sim, 2, 'Max Mustermann');
    const other = sim.addSession({ race: generateSingleSport({ seed: 3, start: START, sport: 'bike', durationMin: 20 }), athlete: 'Erika Muster', postTrackPointFrequency: 1 });
    // Same name on both, no profile: two races as far as anyone knows (linking would end the first).
    const unprofiled = restartedRace(sim, 4, 'Anna Beispiel');
    const config = { race_type: 'bike', poll_interval_secs: 1, min_elapsed_min: 600 };
    await postJson(`${base}/sessions`, { url: sim.shareUrl(a.sessionId), race_config: config });
    await postJson(`${base}/sessions`, { url: sim.shareUrl(other.sessionId), race_config: config });
    await postJson(`${base}/sessions`, { url: sim.shareUrl(unprofiled.a.sessionId), race_config: config });
    sim.releaseAll(a.sessionId);
    sim.releaseAll(unprofiled.a.sessionId);
    sim.releaseUntil(other.sessionId, new Date(START.getTime() + 8 * 60_000));
    await waitForStored(base, sim, a.sessionId);
    await waitForStored(base, sim, other.sessionId);
    await waitForStored(base, sim, unprofiled.a.sessionId);

    // B's start cannot read the metadata (500): no athlete name yet, so nothing to link.
    sim.injectFaults(['500'], { sessionId: b.sessionId, path: 'meta' });
    const started = await json(await postJson(`${base}/sessions`, { url: sim.shareUrl(b.sessionId), race_config: config }));
    expect(started).toMatchObject({ athlete: null, athlete_key: null, previous_session_id: null });
    const linked = await waitFor(async () => {
      const s = await status(base, b.sessionId);
      return s.previous_session_id ? s : null;
    }, 15000, 'the late link');
    expect(linked).toMatchObject({ athlete: 'Max Mustermann', athlete_key: 'max', previous_session_id: a.sessionId, active: true });
    expect(await status(base, a.sessionId)).toMatchObject({ next_session_id: b.sessionId, state: 'stopped', stop_reason: 'manual' });
    // Erika's session (no profile, ended earlier) is someone else's race.
    expect(await status(base, other.sessionId)).toMatchObject({ next_session_id: null, active: true });

    const second = await json(await postJson(`${base}/sessions`, { url: sim.shareUrl(unprofiled.b.sessionId), race_config: config }));
    expect(second).toMatchObject({ athlete: 'Anna Beispiel', athlete_key: null, previous_session_id: null });
    expect(await status(base, unprofiled.a.sessionId)).toMatchObject({ next_session_id: null, active: true });

    sim.releaseAll(b.sessionId);
    await waitForStored(base, sim, b.sessionId);
    const summary = await json(await fetch(`${base}/sessions/${b.sessionId}/summary`));
    expect(summary.totals.points).toBe(sim.released(a.sessionId).length + sim.released(b.sessionId).length);
    // The unlinked pair still stands apart after B's points came in.
    expect(await status(base, unprofiled.b.sessionId)).toMatchObject({ previous_session_id: null });
    for (const id of [b.sessionId, other.sessionId, unprofiled.a.sessionId, unprofiled.b.sessionId]) await postJson(`${base}/sessions/${id}/stop`, {});
  });
});
