import { flightValues, joinFlightChunks, trackPointsFromPage } from '../tracking/page-fallback';
import { parseGarminCourse } from '../course/garmin-course';
import { LiveTrackSimulator } from './livetrack-simulator';
import { garminCoursesBody } from './sim-course';
import { generateSingleSport, generateTriathlon } from './race-generator';

const START = new Date('2026-06-01T07:00:00.000Z');
const race = () => generateSingleSport({ seed: 5, start: START, sport: 'run', durationMin: 10 }); // 121 points

interface Handshake {
  csrf: string;
  cookie: string;
  setCookies: string[];
  html: string;
}

async function handshake(shareUrl: string): Promise<Handshake> {
  const res = await fetch(shareUrl);
  expect(res.status).toBe(200);
  const html = await res.text();
  const csrf = /<meta name="(?:csrf-token|livetrack-csrf-token)" content="([^"]+)">/.exec(html)?.[1];
  if (!csrf) throw new Error('no csrf meta');
  const setCookies = res.headers.getSetCookie();
  const cookie = setCookies.map((c) => c.split(';')[0]).join('; ');
  return { csrf, cookie, setCookies, html };
}

function api(url: string, hs?: Pick<Handshake, 'csrf' | 'cookie'>): Promise<Response> {
  return fetch(url, { headers: hs ? { 'livetrack-csrf-token': hs.csrf, cookie: hs.cookie } : {} });
}

describe('LiveTrackSimulator over HTTP', () => {
  let sim: LiveTrackSimulator;
  let origin: string;
  let id: string;
  let token: string;
  const metaUrl = () => `${origin}/api/sessions/${id}?token=${token}`;
  const pointsUrl = (begin?: string) =>
    `${origin}/api/sessions/${id}/track-points/common?token=${token}${begin ? `&begin=${encodeURIComponent(begin)}` : ''}`;

  beforeEach(async () => {
    sim = new LiveTrackSimulator({ seed: 9 });
    origin = await sim.start();
    ({ sessionId: id, token } = sim.addSession({ race: race(), sessionName: 'Test Run', athlete: 'Ada' }));
  });

  afterEach(() => sim.stop());

  it('issues UUID-like session ids and 30-char upper-case hex tokens, deterministically', () => {
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(token).toMatch(/^[0-9A-F]{30}$/);
    const again = new LiveTrackSimulator({ seed: 9 }).addSession({ race: race() });
    expect(again.sessionId).toBe(id);
    expect(again.token).toBe(token);
    expect(sim.shareUrl(id)).toBe(`${origin}/session/${id}/token/${token}`);
    expect(sim.shareUrl(id, 'query')).toBe(`${origin}/session/${id}?token=${token}`);
  });

  it('serves the older share page with csrf meta, cookies and embedded __NEXT_DATA__', async () => {
    await sim.stop();
    sim = new LiveTrackSimulator({ seed: 9, pageData: 'next-data' });
    origin = await sim.start();
    ({ sessionId: id, token } = sim.addSession({ race: race(), sessionName: 'Test Run', athlete: 'Ada' }));
    sim.release(id, 4);
    const hs = await handshake(sim.shareUrl(id));
    expect(hs.setCookies.some((c) => /^livetrack_csrf=[0-9a-f]+; Path=\/; HttpOnly; SameSite=Lax$/.test(c))).toBe(true);
    expect(hs.setCookies.some((c) => c.startsWith('__cflb='))).toBe(true);
    const data = JSON.parse(/<script id="__NEXT_DATA__" type="application\/json">(.*?)<\/script>/.exec(hs.html)![1]);
    expect(data.props.pageProps.session.sessionId).toBe(id);
    expect(data.props.pageProps.trackPoints).toEqual(sim.released(id));
    expect(hs.html).not.toContain(token);

    const viaQuery = await fetch(sim.shareUrl(id, 'query'));
    expect(viaQuery.status).toBe(200);
    expect(viaQuery.headers.get('content-type')).toMatch(/text\/html/);
  });

  it("serves today's app-router page: the track-points query in several pages, split across many chunks", async () => {
    sim.releaseAll(id); // 121 points: two pages
    const hs = await handshake(sim.shareUrl(id));
    const chunks = hs.html.match(/self\.__next_f\.push\(\[1,/g) ?? [];
    expect(chunks.length).toBeGreaterThan(5);
    // Some JSON row is cut across chunks: no single chunk parses as the whole state.
    const rows = flightValues(joinFlightChunks(hs.html));
    expect(rows.length).toBe(4);
    const found = trackPointsFromPage(hs.html, null, { sessionId: id, token })!;
    expect(found.found).toBe('query');
    expect(found.trackPoints).toEqual(sim.released(id));
  });

  it('answers only the configured API path forms', async () => {
    for (const [mode, v2, plain] of [['v2-only', 200, 404], ['unversioned-only', 404, 200], ['both', 200, 200]] as const) {
      await sim.stop();
      sim = new LiveTrackSimulator({ seed: 9, apiPaths: mode });
      origin = await sim.start();
      ({ sessionId: id, token } = sim.addSession({ race: race() }));
      const hs = await handshake(sim.shareUrl(id));
      expect((await api(`${origin}/api/v2/sessions/${id}?token=${token}`, hs)).status).toBe(v2);
      expect((await api(metaUrl(), hs)).status).toBe(plain);
      expect((await api(`${origin}/api/v2/sessions/${id}/track-points/common?token=${token}`, hs)).status).toBe(v2);
    }
  });

  it('serves the per-session behaviours: failing metadata, 404 before the first point, bare arrays, empty bodies, nested fields', async () => {
    const s = sim.addSession({ race: race(), metaFailure: 500, notFoundBeforeFirstPoint: true, pointsBody: 'array', emptyWhenNothingNew: true, nestedFitness: true });
    const hs = await handshake(sim.shareUrl(s.sessionId));
    const points = (begin?: string) => api(`${origin}/api/sessions/${s.sessionId}/track-points/common?token=${s.token}${begin ? `&begin=${encodeURIComponent(begin)}` : ''}`, hs);
    expect((await api(`${origin}/api/sessions/${s.sessionId}?token=${s.token}`, hs)).status).toBe(500);
    expect((await points()).status).toBe(404);
    const released = sim.release(s.sessionId, 3);
    const body = await (await points()).json();
    expect(Array.isArray(body)).toBe(true);
    expect(body).toHaveLength(3);
    expect(body[2].heartRateBeatsPerMin).toBeUndefined();
    expect(body[2].fitnessPointData).toEqual({
      heartRateBeatsPerMin: released[2].heartRateBeatsPerMin, cadenceCyclesPerMin: released[2].cadenceCyclesPerMin,
      powerWatts: released[2].powerWatts, activityType: released[2].activityType,
    });
    const nothingNew = await points(String(released[2].dateTime));
    expect(nothingNew.status).toBe(200);
    expect(await nothingNew.text()).toBe('');
  });

  it('redirects the share page, chains short links across hosts, and leads athlete pages to the session', async () => {
    await sim.stop();
    sim = new LiveTrackSimulator({ seed: 9, pageRedirects: true });
    origin = await sim.start();
    ({ sessionId: id, token } = sim.addSession({ race: race() }));
    const first = await fetch(sim.shareUrl(id), { redirect: 'manual' });
    expect([301, 307, 308]).toContain(first.status);
    expect((await fetch(new URL(first.headers.get('location')!, origin), { redirect: 'manual' })).status).toBe(200);

    const link = sim.addShortLink(id, 'path', { statuses: [301, 308], host: 'localhost' });
    expect(link.startsWith(sim.originOn('localhost'))).toBe(true);
    const hop1 = await fetch(link, { redirect: 'manual' });
    expect(hop1.status).toBe(301);
    const hop2 = await fetch(new URL(hop1.headers.get('location')!, link), { redirect: 'manual' });
    expect(hop2.status).toBe(308);
    expect(hop2.headers.get('location')).toBe(sim.shareUrl(id));

    const page = await fetch(sim.addAthletePage('jane', id), { redirect: 'manual' });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`NEXT_REDIRECT;replace;/session/${id}/token/${token};307;`);
    const redirecting = await fetch(sim.addAthletePage('joe', id, 'redirect'), { redirect: 'manual' });
    expect(redirecting.status).toBe(307);
    expect(sim.stats().requests['athlete-page']).toBe(2);
  });

  it('shows a challenge page to everything while bot protection is on', async () => {
    sim.setBotChallenge(true);
    const page = await fetch(sim.shareUrl(id));
    expect(page.status).toBe(403);
    expect(page.headers.get('cf-mitigated')).toBe('challenge');
    expect(await page.text()).toMatch(/Just a moment/);
    expect((await fetch(metaUrl())).status).toBe(403);
    sim.setBotChallenge(false);
    expect((await fetch(sim.shareUrl(id))).status).toBe(200);
  });

  it('answers 404 for a bad token or unknown session, without cookies', async () => {
    const bad = await fetch(`${origin}/session/${id}/token/DEADBEEF`);
    expect(bad.status).toBe(404);
    expect(bad.headers.getSetCookie()).toEqual([]);
    expect((await fetch(`${origin}/session/nope/token/${token}`)).status).toBe(404);
    expect((await fetch(`${origin}/session/${id}`)).status).toBe(404);

    const hs = await handshake(sim.shareUrl(id));
    expect((await api(`${origin}/api/sessions/${id}?token=WRONG`, hs)).status).toBe(404);
    expect((await api(`${origin}/api/sessions/${id}`, hs)).status).toBe(404);
    expect((await api(`${origin}/api/sessions/unknown?token=${token}`, hs)).status).toBe(404);
  });

  it('answers 403 to API calls without a complete csrf handshake', async () => {
    expect((await api(metaUrl())).status).toBe(403);
    const hs = await handshake(sim.shareUrl(id));
    expect((await fetch(metaUrl(), { headers: { 'livetrack-csrf-token': hs.csrf } })).status).toBe(403);
    expect((await fetch(metaUrl(), { headers: { cookie: hs.cookie } })).status).toBe(403);
    expect((await api(metaUrl(), { csrf: hs.csrf, cookie: 'livetrack_csrf=forged' })).status).toBe(403);
    expect((await api(metaUrl(), { csrf: 'forged', cookie: hs.cookie })).status).toBe(403);
    expect((await api(metaUrl(), hs)).status).toBe(200);
  });

  it('serves metadata after a handshake; end is start+24h until finish()', async () => {
    const hs = await handshake(sim.shareUrl(id));
    const res = await api(metaUrl(), hs);
    expect(res.headers.get('content-type')).toMatch(/application\/json/);
    expect(await res.json()).toEqual({
      sessionId: id,
      sessionName: 'Test Run',
      userDisplayName: 'Ada',
      start: '2026-06-01T07:00:00.000Z',
      end: '2026-06-02T07:00:00.000Z',
      postTrackPointFrequency: 30,
      viewable: true,
      privacyLevel: 'PUBLIC',
    });

    sim.releaseAll(id); // releasing the END point alone does not end the session
    expect((await (await api(metaUrl(), hs)).json()).end).toBe('2026-06-02T07:00:00.000Z');
    sim.finish(id);
    const v2 = await api(`${origin}/api/v2/sessions/${id}?token=${token}`, hs);
    expect((await v2.json()).end).toBe('2026-06-01T07:10:00.000Z');

    const courses = await api(`${origin}/api/sessions/${id}/courses?token=${token}`, hs);
    expect(await courses.json()).toEqual({ courses: [] });
  });

  it('serves a session course on every courses path form, settable per session and later', async () => {
    const tri = generateTriathlon({ seed: 3, start: START, scale: 0.2 });
    const bikeCourse = tri.courses!.find((c) => c.leg === 'bike')!;
    const withCourse = sim.addSession({ race: tri, course: 'bike' });
    const hs = await handshake(sim.shareUrl(withCourse.sessionId));
    const coursesAt = async (sessionId: string, tok: string, form: string) => {
      const res = await api(`${origin}/api${form}/sessions/${sessionId}/courses?token=${tok}`, hs);
      expect(res.status).toBe(200);
      return res.json();
    };
    for (const form of ['/v1', '/v2', '']) {
      const body = await coursesAt(withCourse.sessionId, withCourse.token, form);
      expect(body).toEqual(garminCoursesBody(bikeCourse));
      const parsed = parseGarminCourse(body)!;
      expect(Math.abs(parsed.distance_m - bikeCourse.distance_m) / bikeCourse.distance_m).toBeLessThan(0.01);
    }
    // The other session still has none.
    expect(await coursesAt(id, token, '/v1')).toEqual({ courses: [] });

    const run = tri.courses!.find((c) => c.leg === 'run')!;
    sim.setCourse(id, run);
    expect(await coursesAt(id, token, '/v1')).toEqual(garminCoursesBody(run));
    const raw = { courses: [{ courseName: 'Raw', coursePoints: [{ position: { lat: 1, lon: 2 } }] }] };
    sim.setCourse(id, raw);
    expect(await coursesAt(id, token, '')).toEqual(raw);
    sim.setCourse(id, null);
    expect(await coursesAt(id, token, '/v2')).toEqual({ courses: [] });
    expect(sim.stats(withCourse.sessionId).requests.courses).toBe(3);

    // A leg the race does not have is a mistake in the test, not "no course".
    expect(() => sim.setCourse(id, 'bike')).toThrow(/no bike course/);
    expect(() => sim.addSession({ race: race(), course: 'swim' })).toThrow(/no swim course/);
  });

  it('serves released points with an inclusive begin', async () => {
    const hs = await handshake(sim.shareUrl(id));
    expect(await (await api(pointsUrl(), hs)).json()).toEqual({ trackPoints: [] });

    const first = sim.release(id, 5);
    expect(first).toHaveLength(5);
    const all = (await (await api(pointsUrl(), hs)).json()).trackPoints;
    expect(all).toEqual(sim.released(id));

    const lastTime = String(first[4].dateTime);
    expect((await (await api(pointsUrl(lastTime), hs)).json()).trackPoints).toEqual([first[4]]);

    sim.release(id, 3);
    const since = (await (await api(pointsUrl(lastTime), hs)).json()).trackPoints;
    expect(since.map((p: { dateTime: string }) => p.dateTime)).toEqual(
      sim.released(id).slice(4).map((p) => p.dateTime),
    );
    expect((await api(pointsUrl('not-a-date'), hs)).status).toBe(400);

    expect(sim.releaseUntil(id, new Date(START.getTime() + 60_000))).toHaveLength(5); // up to t=60s → 13
    expect(sim.released(id)).toHaveLength(13);
    expect(sim.releaseAll(id)).toHaveLength(121 - 13);
    expect(sim.release(id, 10)).toEqual([]);
  });

  it('rotateCsrf forces 403 until the client redoes the handshake', async () => {
    const hs = await handshake(sim.shareUrl(id));
    expect((await api(metaUrl(), hs)).status).toBe(200);
    sim.rotateCsrf();
    expect((await api(metaUrl(), hs)).status).toBe(403);
    const fresh = await handshake(sim.shareUrl(id));
    expect(fresh.csrf).not.toBe(hs.csrf);
    expect((await api(metaUrl(), fresh)).status).toBe(200);
    expect(sim.stats().handshakes).toBe(2);
  });

  it('consumes faults in order without changing what is released', async () => {
    sim.release(id, 10);
    const before = sim.released(id);
    const hs = await handshake(sim.shareUrl(id));
    sim.injectFaults(['429', '500', '503', 'garbage', 'html', 'truncated', 'wrong-shape', '403'], { retryAfterS: 7 });
    expect(sim.stats().pendingFaults).toBe(8);

    const r429 = await api(pointsUrl(), hs);
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('7');
    expect((await api(pointsUrl(), hs)).status).toBe(500);
    expect((await api(metaUrl(), hs)).status).toBe(503);

    const garbage = await api(pointsUrl(), hs);
    expect(garbage.status).toBe(200);
    expect(garbage.headers.get('content-type')).toMatch(/application\/json/);
    const garbageText = await garbage.text();
    expect(() => JSON.parse(garbageText)).toThrow();

    const html = await api(pointsUrl(), hs);
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toMatch(/^<!DOCTYPE html>/);

    const truncated = await api(pointsUrl(), hs);
    const truncText = await truncated.text();
    expect(() => JSON.parse(truncText)).toThrow();
    expect(JSON.stringify({ trackPoints: before }).startsWith(truncText)).toBe(true);

    expect(await (await api(pointsUrl(), hs)).json()).toEqual({ trackPoints: { oops: 1 } });
    expect((await api(pointsUrl(), hs)).status).toBe(403);

    // queue drained: normal service resumes with the same csrf
    expect(await (await api(pointsUrl(), hs)).json()).toEqual({ trackPoints: before });
    expect(sim.released(id)).toEqual(before);
    const stats = sim.stats();
    expect(stats.pendingFaults).toBe(0);
    expect(stats.faultsServed).toEqual(['429', '500', '503', 'garbage', 'html', 'truncated', 'wrong-shape', '403']);
  });

  it('matches faults by path and session', async () => {
    const other = sim.addSession({ race: race() });
    const hs = await handshake(sim.shareUrl(id));
    sim.injectFaults(['500'], { path: 'points' });
    sim.injectFaults(['503'], { sessionId: other.sessionId });
    expect((await api(metaUrl(), hs)).status).toBe(200);
    expect((await api(pointsUrl(), hs)).status).toBe(500);
    expect((await api(pointsUrl(), hs)).status).toBe(200);
    expect(
      (await api(`${origin}/api/sessions/${other.sessionId}?token=${other.token}`, hs)).status,
    ).toBe(503);
  });

  it('delays slow answers and still stops promptly', async () => {
    const hs = await handshake(sim.shareUrl(id));
    sim.injectFaults(['slow'], { slowMs: 200 });
    const t0 = Date.now();
    const res = await api(metaUrl(), hs);
    expect(res.status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(180);

    sim.injectFaults(['slow'], { slowMs: 30_000 });
    const pending = api(metaUrl(), hs).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 50));
    const t1 = Date.now();
    await sim.stop();
    expect(Date.now() - t1).toBeLessThan(1000);
    expect(String(await pending)).toMatch(/fetch failed/); // connection cut, not answered
  });

  it('answers 404 everywhere once the session is gone', async () => {
    const hs = await handshake(sim.shareUrl(id));
    sim.setGone(id, true);
    expect((await fetch(sim.shareUrl(id))).status).toBe(404);
    expect((await api(metaUrl(), hs)).status).toBe(404);
    expect((await api(pointsUrl(), hs)).status).toBe(404);
    sim.setGone(id, false);
    expect((await api(metaUrl(), hs)).status).toBe(200);
  });

  it('redirects short links to the share URL and /redirect anywhere', async () => {
    const short = sim.addShortLink(id);
    expect(short).toMatch(new RegExp(`^${origin}/s/[0-9a-f]+$`));
    const hop = await fetch(short, { redirect: 'manual' });
    expect(hop.status).toBe(302);
    expect(hop.headers.get('location')).toBe(sim.shareUrl(id));
    expect((await fetch(short)).status).toBe(200); // followed to the page

    const queryShort = sim.addShortLink(id, 'query');
    expect((await fetch(queryShort, { redirect: 'manual' })).headers.get('location')).toBe(sim.shareUrl(id, 'query'));
    expect((await fetch(`${origin}/s/unknown`, { redirect: 'manual' })).status).toBe(404);

    const off = await fetch(sim.redirectUrl('https://evil.example/session/x/token/Y'), { redirect: 'manual' });
    expect(off.status).toBe(302);
    expect(off.headers.get('location')).toBe('https://evil.example/session/x/token/Y');
    expect((await fetch(`${origin}/redirect`, { redirect: 'manual' })).status).toBe(400);
  });

  it('serves several sessions independently', async () => {
    const tri = generateTriathlon({ seed: 3, start: START, scale: 0.02 });
    const b = sim.addSession({ race: tri, sessionId: 'tri-1', token: 'ABCDEF0123456789ABCDEF01234567' });
    sim.release(id, 2);
    sim.release(b.sessionId, 7);
    const hs = await handshake(sim.shareUrl(id)); // csrf is per browser, not per session
    expect((await (await api(pointsUrl(), hs)).json()).trackPoints).toHaveLength(2);
    const other = await api(`${origin}/api/sessions/tri-1/track-points/common?token=${b.token}`, hs);
    expect((await other.json()).trackPoints).toEqual(tri.points.slice(0, 7));
    expect(() => sim.addSession({ race: tri, sessionId: 'tri-1' })).toThrow(/already exists/);
  });

  it('records stats by kind, status, handshakes and begin values', async () => {
    sim.release(id, 3);
    const hs = await handshake(sim.shareUrl(id));
    await api(metaUrl(), hs);
    await api(pointsUrl(), hs);
    await api(pointsUrl('2026-06-01T07:00:05.000Z'), hs);
    await api(`${origin}/api/sessions/${id}/courses?token=${token}`, hs);
    await api(metaUrl()); // 403
    await fetch(`${origin}/nothing-here`);
    const s = sim.stats();
    expect(s.requests).toMatchObject({ page: 1, meta: 2, points: 2, courses: 1, other: 1 });
    expect(s.statuses).toEqual({ 200: 5, 403: 1, 404: 1 });
    expect(s.handshakes).toBe(1);
    expect(s.begins).toEqual(['2026-06-01T07:00:05.000Z']);
    expect(sim.stats(id).requests.other).toBe(0);
    sim.resetStats();
    expect(sim.stats().requests.page).toBe(0);
  });

  it('can name the csrf meta livetrack-csrf-token', async () => {
    const alt = new LiveTrackSimulator({ csrfMetaName: 'livetrack-csrf-token' });
    const altOrigin = await alt.start();
    try {
      const s = alt.addSession({ race: race() });
      const hs = await handshake(alt.shareUrl(s.sessionId));
      expect(hs.html).toContain('<meta name="livetrack-csrf-token"');
      expect((await api(`${altOrigin}/api/sessions/${s.sessionId}?token=${s.token}`, hs)).status).toBe(200);
    } finally {
      await alt.stop();
    }
  });
});

describe('LiveTrackSimulator play()', () => {
  beforeEach(() => jest.useFakeTimers({ now: new Date('2030-01-01T00:00:00Z') }));
  afterEach(() => jest.useRealTimers());

  it('releases points in upload batches on a sped-up race clock', () => {
    const sim = new LiveTrackSimulator();
    const { sessionId } = sim.addSession({ race: race(), postTrackPointFrequency: 30 });
    sim.play(sessionId, 60); // 1 real second = 1 race minute
    expect(sim.released(sessionId)).toHaveLength(1); // t=0 only

    jest.advanceTimersByTime(250); // race +15 s: batch not complete yet
    expect(sim.released(sessionId)).toHaveLength(1);
    jest.advanceTimersByTime(250); // race +30 s: first batch, t=0..30 s
    expect(sim.released(sessionId)).toHaveLength(7);
    jest.advanceTimersByTime(500); // race +60 s
    expect(sim.released(sessionId)).toHaveLength(13);

    sim.pause(sessionId);
    jest.advanceTimersByTime(5000);
    expect(sim.released(sessionId)).toHaveLength(13);

    sim.play(sessionId, 60); // resumes from race +60 s
    jest.advanceTimersByTime(500);
    expect(sim.released(sessionId)).toHaveLength(19);

    jest.advanceTimersByTime(10 * 60_000);
    expect(sim.released(sessionId)).toHaveLength(121);
  });

  it('finishes at the end only when asked', () => {
    const sim = new LiveTrackSimulator();
    const a = sim.addSession({ race: race() });
    const b = sim.addSession({ race: race() });
    sim.play(a.sessionId, 1000, { finishAtEnd: true });
    sim.play(b.sessionId, 1000);
    jest.advanceTimersByTime(2000);
    expect(sim.released(a.sessionId)).toHaveLength(121);
    expect(sim.released(b.sessionId)).toHaveLength(121);
    expect(sim.metadata(a.sessionId).end).toBe('2026-06-01T07:10:00.000Z');
    expect(sim.metadata(b.sessionId).end).toBe('2026-06-02T07:00:00.000Z');
    expect(jest.getTimerCount()).toBe(0); // play timers stop once everything is out
  });
});
