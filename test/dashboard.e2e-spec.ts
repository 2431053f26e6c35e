import { DOMParser } from '@xmldom/xmldom';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { DashboardLive } from '../src/dashboard/dashboard-live.service';
import { GPX_NS, GPXPX_NS, GPXTPX_NS } from '../src/dashboard/export-format';
import { generateTriathlon, LiveTrackSimulator, SimSession } from '../src/simulator';
import { json, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { openSse } from './support/sse';
import { simulatorEnv, startTracking, storedPoints, waitForExactly } from './support/tracking';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
/** The race began 47 min ago (whole minute), so by the second batch its points reach about now, as in a live race. */
const START = new Date(Math.floor((Date.now() - 47 * 60_000) / 60_000) * 60_000);
/** Screenshots always go here; UPDATE_SCREENSHOT=1 also refreshes the committed ones in docs/. */
const SHOT_DIR = join(tmpdir(), 'livetrack-dashboard-shots');
const DOCS_DIR = join(__dirname, '..', 'docs');

const CSV_HEADER = 'time,lat,lon,altitude_m,speed_mps,distance_m,duration_s,heart_rate,cadence,power,activity_type,leg,status';

describe('dashboard: live race view in headless Chromium, SSE and exports', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let running: RunningApp;
  let browser: Browser;
  let page: Page;
  let s: SimSession;
  let base: string;
  /** Console errors, page errors, failed requests and requests leaving the service, over the whole run. */
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    sim = new LiveTrackSimulator({ seed: 21 });
    await sim.start();
    running = await startApp({ DB_PATH: join(tmp.dir, 'dashboard.db'), ...simulatorEnv(sim) });
    base = running.baseUrl;
    const race = generateTriathlon({ seed: 5, start: START, pointIntervalS: 20, scale: 0.2 });
    s = sim.addSession({ race, postTrackPointFrequency: 1, sessionName: 'Lakeside 70.3', athlete: 'Alex Example' });
    await startTracking(base, sim.shareUrl(s.sessionId), {
      race_name: 'Lakeside 70.3', hr_max: 145, power_min: 170, power_max: 240, cadence_min: 85,
      run_hr_max: 158, run_cadence_min: 176, min_elapsed_min: 600,
    });
    sim.release(s.sessionId, 60);
    await waitForExactly(base, sim, s.sessionId);

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      // The board's event stream is cut when the page navigates from the board to a race: not a failure.
      if (!(r.url().endsWith('/dashboard/events') && r.failure()?.errorText === 'net::ERR_ABORTED')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
    });
    page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`left the service: ${r.url()}`); });
  }, 120_000);

  let closed = false;
  afterAll(async () => {
    await browser?.close();
    if (!closed) await running?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  const figure = (id: string) => page.locator(`#fig-${id}`).innerText();

  /** Painted (non-transparent) pixels of a chart's canvas. */
  const paintedPixels = (chartId: string) =>
    page.$eval(`#chart-${chartId} canvas`, (c) => {
      const canvas = c as HTMLCanvasElement;
      const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) n++;
      return n;
    });

  /** Positions drawn in the track SVG (all leg polylines). */
  const trackVertices = () =>
    page.$$eval('#track polyline', (lines) => lines.reduce((n, l) => n + (l.getAttribute('points') ?? '').trim().split(/\s+/).filter(Boolean).length, 0));

  it('lists the race and opens its live view: track, charts with threshold bands, figures with units', async () => {
    await page.goto(`${base}/dashboard`);
    const link = page.locator(`a[href="/dashboard/${s.sessionId}"]`);
    await link.waitFor();
    // The coach board: one card per athlete, named after Garmin's athlete name, the race beneath.
    expect(await link.innerText()).toBe('Alex Example');
    expect(await page.locator(`li[data-session="${s.sessionId}"]`).innerText()).toContain('Lakeside 70.3');
    await link.click();
    await page.waitForURL(`${base}/dashboard/${s.sessionId}`);

    await page.waitForFunction(() => document.querySelector('#conn')?.textContent?.includes('live'));
    await page.waitForFunction(() => document.querySelector('#fig-points')?.textContent === '60');
    expect(await page.locator('h1').innerText()).toBe('Lakeside 70.3');
    expect(await page.locator('#state').innerText()).toMatch(/^active/);

    // Track: all 60 positions (plus the joins between legs), start and current position.
    expect(await trackVertices()).toBeGreaterThanOrEqual(60);
    expect(await page.locator('#track-start').count()).toBe(1);
    expect(await page.locator('#track-current').count()).toBe(1);

    // Charts drawn; the bike thresholds shade HR, power and cadence over the bike leg.
    for (const id of ['hr', 'power', 'cadence', 'speed']) {
      await page.waitForFunction((c) => Number(document.querySelector(`#chart-${c}`)?.getAttribute('data-samples')) > 10, id);
      expect(await paintedPixels(id)).toBeGreaterThan(1000);
    }
    for (const id of ['hr', 'power', 'cadence']) expect(await page.getAttribute(`#chart-${id}`, 'data-bands')).toBe('1');

    // Figures, with units.
    const stored = await storedPoints(base, s.sessionId);
    const last = stored[stored.length - 1];
    expect(await figure('leg')).toBe('Bike');
    expect(await figure('elapsed')).toMatch(/^0:\d\d:\d\d/);
    expect(await figure('distance')).toMatch(/^\d+\.\d\d km$/);
    expect(await figure('hr')).toMatch(/^\d+ bpm$/);
    expect(await figure('power')).toMatch(/^\d+ W$/);
    expect(await figure('cadence')).toMatch(/^\d+ rpm$/);
    expect(await figure('speed')).toMatch(/^\d+\.\d km\/h$/);
    expect(await figure('last-point')).toMatch(/s ago/);
    expect(await figure('poll-errors')).toMatch(/^0\b/);
    expect(await figure('analysis')).toMatch(/^\d+ runs?/);
    expect(await figure('alerts')).toBe('0');
    expect(await figure('hr')).toBe(`${[...stored].reverse().find((p) => p.heart_rate !== null).heart_rate} bpm`);
    expect(last.leg).toBe('bike');

    // Timeline: tracking start and the legs so far.
    const timeline = await page.locator('#timeline').innerText();
    expect(timeline).toMatch(/Tracking started/);
    for (const leg of ['Swim started', 'T1 started', 'Bike started']) expect(timeline).toContain(leg);

    // Exports are linked from the page.
    expect(await page.getAttribute('#export-gpx', 'href')).toBe(`/sessions/${s.sessionId}/export.gpx`);
    expect(await page.getAttribute('#export-csv', 'href')).toBe(`/sessions/${s.sessionId}/export.csv`);
    expect(problems).toEqual([]);
  });

  it('moves figures, track and charts when the simulator releases new points, without a reload', async () => {
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
    await page.evaluate(() => ((window as unknown as { __sameDocument: number }).__sameDocument = 42));
    const before = { vertices: await trackVertices(), run: await page.locator('#timeline').innerText() };
    expect(before.run).not.toContain('Run started');

    sim.release(s.sessionId, 80); // through T2 into the run
    const stored = await waitForExactly(base, sim, s.sessionId);
    expect(stored).toHaveLength(140);
    const lastTime = new Date(stored[stored.length - 1].time).getTime();

    await page.waitForFunction(() => document.querySelector('#fig-points')?.textContent === '140');
    expect(await figure('leg')).toBe('Run');
    // Page clock of the newest point (the browser's own time zone).
    const expectedClock = await page.evaluate((t) => {
      const d = new Date(t);
      const p = (n: number) => String(n).padStart(2, '0');
      return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
    }, lastTime);
    expect(await figure('last-point')).toContain(`point time ${expectedClock}`);
    expect(await figure('cadence')).toMatch(/^\d+ steps\/min$/);
    expect(await figure('speed')).toMatch(/^\d:\d\d \/km/);
    expect(await trackVertices()).toBeGreaterThan(before.vertices + 70);
    await page.waitForFunction(() => Number(document.querySelector('#chart-hr')?.getAttribute('data-samples')) > 120);
    // Bike and run thresholds: two HR bands now.
    expect(await page.getAttribute('#chart-hr', 'data-bands')).toBe('2');
    expect(await page.locator('#timeline').innerText()).toContain('Run started');
    // The bike's sustained HR stretches over hr_max 145 were raised as alerts (Telegram is off here).
    await page.waitForFunction(() => /Alert: Bike: HR \d+ for \d+ s, ceiling 145.*\(Telegram off\)/.test(document.getElementById('timeline')!.textContent ?? ''), null, { timeout: 10000 });

    expect(await page.evaluate(() => (window as unknown as { __sameDocument?: number }).__sameDocument)).toBe(42);
    expect(navigations).toBe(0);
    expect(problems).toEqual([]);
  });

  it('keeps a screenshot of the race view at desktop and phone width', async () => {
    mkdirSync(SHOT_DIR, { recursive: true });
    const desktop = join(SHOT_DIR, 'dashboard.png');
    await page.screenshot({ path: desktop, fullPage: true });

    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    phone.on('console', (m) => { if (m.type() === 'error') problems.push(`phone console: ${m.text()}`); });
    phone.on('pageerror', (e) => problems.push(`phone page error: ${e.message}`));
    await phone.goto(`${base}/dashboard?session=${s.sessionId}`);
    expect(phone.url()).toBe(`${base}/dashboard/${s.sessionId}`);
    await phone.waitForFunction(() => document.querySelector('#fig-points')?.textContent === '140');
    await phone.waitForFunction(() => Number(document.querySelector('#chart-speed')?.getAttribute('data-samples')) > 100);
    // Nothing wider than the phone: no sideways scrolling.
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const phoneShot = join(SHOT_DIR, 'dashboard-phone.png');
    await phone.screenshot({ path: phoneShot }); // the first screen, as a phone shows it
    await phone.close();

    if (process.env.UPDATE_SCREENSHOT === '1') {
      mkdirSync(DOCS_DIR, { recursive: true });
      copyFileSync(desktop, join(DOCS_DIR, 'dashboard.png'));
      copyFileSync(phoneShot, join(DOCS_DIR, 'dashboard-phone.png'));
    }
    expect(existsSync(desktop) && existsSync(phoneShot)).toBe(true);
    expect(problems).toEqual([]);
  });

  it('exports GPX 1.1 that parses back to the stored points (count, times, position, sensors)', async () => {
    const stored = await storedPoints(base, s.sessionId);
    const res = await fetch(`${base}/sessions/${s.sessionId}/export.gpx`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/gpx\+xml/);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="livetrack-${s.sessionId}.gpx"`);
    const doc = new DOMParser({
      onError: (level, message) => {
        throw new Error(`GPX does not parse (${level}): ${message}`);
      },
    }).parseFromString(await res.text(), 'application/xml');

    const gpx = doc.documentElement!;
    expect(gpx.namespaceURI).toBe(GPX_NS);
    expect(gpx.getAttribute('version')).toBe('1.1');
    const text = (parent: Element, ns: string, name: string) => parent.getElementsByTagNameNS(ns, name)[0]?.textContent ?? null;
    expect(text(doc.getElementsByTagNameNS(GPX_NS, 'trk')[0], GPX_NS, 'name')).toBe('Lakeside 70.3');

    const positioned = stored.filter((p) => p.lat !== null && p.lon !== null);
    const trkpts = Array.from(doc.getElementsByTagNameNS(GPX_NS, 'trkpt'));
    expect(trkpts).toHaveLength(positioned.length);
    expect(positioned.length).toBe(140);
    trkpts.forEach((pt, i) => {
      const p = positioned[i];
      expect(text(pt, GPX_NS, 'time')).toBe(p.time);
      expect(Number(pt.getAttribute('lat'))).toBe(p.lat);
      expect(Number(pt.getAttribute('lon'))).toBe(p.lon);
      if (p.altitude_m !== null) expect(Number(text(pt, GPX_NS, 'ele'))).toBe(p.altitude_m);
      const hr = text(pt, GPXTPX_NS, 'hr');
      expect(hr === null ? null : Number(hr)).toBe(p.heart_rate);
      const power = text(pt, GPXPX_NS, 'PowerInWatts');
      expect(power === null ? null : Number(power)).toBe(p.power);
      const cad = text(pt, GPXTPX_NS, 'cad');
      expect(cad === null ? null : Number(cad)).toBe(p.cadence === null ? null : p.leg === 'run' ? Math.round(p.cadence / 2) : p.cadence);
    });
    // One segment per leg, in race order.
    const legRuns = positioned.map((p) => p.leg).filter((leg, i, all) => i === 0 || all[i - 1] !== leg);
    expect(legRuns).toEqual(['swim', 't1', 'bike', 't2', 'run']);
    expect(doc.getElementsByTagNameNS(GPX_NS, 'trkseg')).toHaveLength(legRuns.length);
  });

  it('exports CSV with the API field names as header and every stored point', async () => {
    const stored = await storedPoints(base, s.sessionId);
    const res = await fetch(`${base}/sessions/${s.sessionId}/export.csv`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const lines = (await res.text()).split('\r\n');
    expect(lines.pop()).toBe('');
    expect(lines[0]).toBe(CSV_HEADER);
    const fields = CSV_HEADER.split(',');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(stored.length);
    rows.forEach((row, i) => {
      fields.forEach((f, j) => {
        const v = stored[i][f];
        expect(row[j]).toBe(v === null ? '' : String(v));
      });
    });
  });

  it('documents the exports and the event stream in OpenAPI', async () => {
    const doc = await json(await fetch(`${base}/docs-json`));
    expect(Object.keys(doc.paths['/sessions/{id}/export.gpx'].get.responses['200'].content)).toEqual(['application/gpx+xml']);
    expect(Object.keys(doc.paths['/sessions/{id}/export.csv'].get.responses['200'].content)).toEqual(['text/csv']);
    expect(doc.paths['/dashboard/{id}/events'].get).toBeDefined();
  });

  it('streams status and points over SSE and drops the subscription when the client leaves', async () => {
    const live = running.app.get(DashboardLive);
    const before = live.openStreams; // the browser page holds one
    const sse = await openSse(`${base}/dashboard/${s.sessionId}/events`);
    expect(sse.status).toBe(200);
    expect(sse.contentType).toMatch(/^text\/event-stream/);
    const next = (type: string) => sse.next(type);
    const status = await next('status');
    expect(status.status).toMatchObject({ session_id: s.sessionId, points: 140 });
    expect(status.thresholds_by_leg.run).toEqual(expect.arrayContaining([{ field: 'run_hr_max', metric: 'heart_rate', bound: 'max', value: 158 }]));
    expect(live.openStreams).toBe(before + 1);

    sim.release(s.sessionId, 3);
    const { points } = await next('points');
    expect(points.length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(points[0])).toEqual(CSV_HEADER.split(','));
    // The status that follows the batch counts it.
    await waitFor(async () => (await next('status')).status.points === 143, 15_000, 'status with 143 points');

    await sse.close();
    await waitFor(() => live.openStreams === before, 10_000, 'the SSE subscription to end after disconnect');
  });

  it('answers unknown races with 404 (HTML page, event stream, exports)', async () => {
    const pageRes = await fetch(`${base}/dashboard/0000-unknown`);
    expect(pageRes.status).toBe(404);
    expect(pageRes.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await pageRes.text()).toContain('No race 0000-unknown');
    for (const path of ['/dashboard/0000-unknown/events', '/sessions/0000-unknown/export.gpx', '/sessions/0000-unknown/export.csv']) {
      const res = await fetch(`${base}${path}`);
      expect([path, res.status]).toEqual([path, 404]);
      expect(await json(res)).toMatchObject({ statusCode: 404 });
    }
    const bad = await fetch(`${base}/dashboard?session=${encodeURIComponent('<script>')}`, { redirect: 'manual' });
    expect(bad.status).toBe(400);
    const asset = await fetch(`${base}/dashboard/assets/..%2Fdashboard.controller.ts`);
    expect(asset.status).toBe(404);
  });

  it('ends open event streams when the app shuts down, so shutdown is not held up', async () => {
    await browser.close();
    const res = await fetch(`${base}/dashboard/${s.sessionId}/events`);
    const reader = res.body!.getReader();
    await reader.read(); // the stream is open and has sent its first status
    expect(running.app.get(DashboardLive).openStreams).toBe(1);
    closed = true;
    await running.close();
    // The stream ends (cleanly, or with the socket closed behind it) instead of holding the server open.
    const ended = await (async () => {
      for (;;) if ((await reader.read()).done) return 'done';
    })().catch((error: Error) => `terminated: ${error.message}`);
    expect(ended).toMatch(/^(done|terminated)/);
    expect(running.app.get(DashboardLive).openStreams).toBe(0);
  });
});
