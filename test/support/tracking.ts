import { LiveTrackSimulator } from '../../src/simulator';
import { GarminTrackPoint } from '../../src/tracking/garmin.types';
import { json, postJson, waitFor } from './app';

/** Environment that points the app at a local simulator and shrinks backoff for tests. */
export function simulatorEnv(sim: LiveTrackSimulator, extra: Record<string, string> = {}): Record<string, string> {
  return { LIVETRACK_ALLOWED_ORIGINS: sim.origin, LIVETRACK_BACKOFF_SCALE: '0.001', LIVETRACK_REQUEST_TIMEOUT_MS: '2000', ...extra };
}

export async function startTracking(baseUrl: string, url: string, raceConfig: Record<string, unknown> = {}): Promise<any> {
  const res = await postJson(`${baseUrl}/sessions`, { url, race_config: { poll_interval_secs: 1, ...raceConfig } });
  const body = await json(res);
  if (res.status !== 201 && res.status !== 200) throw new Error(`start failed ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

export async function storedPoints(baseUrl: string, sessionId: string): Promise<any[]> {
  const res = await fetch(`${baseUrl}/sessions/${sessionId}/points?since=1970-01-01T00:00:00Z`);
  return (await json(res)).points;
}

export async function status(baseUrl: string, sessionId: string): Promise<any> {
  return json(await fetch(`${baseUrl}/sessions/${sessionId}`));
}

/** ISO times of released Garmin points, as the API would print them. */
export function releasedTimes(points: GarminTrackPoint[]): string[] {
  return points.map((p) => new Date(String(p.dateTime)).toISOString());
}

/** Waits until the stored points of a session are exactly the released ones (count and times). */
export async function waitForExactly(baseUrl: string, sim: LiveTrackSimulator, sessionId: string, timeoutMs = 20000): Promise<any[]> {
  const expected = releasedTimes(sim.released(sessionId));
  return waitFor(async () => {
    const stored = await storedPoints(baseUrl, sessionId);
    return stored.length === expected.length && stored.every((p, i) => p.time === expected[i]) ? stored : null;
  }, timeoutMs, `${expected.length} stored points for ${sessionId}`);
}
