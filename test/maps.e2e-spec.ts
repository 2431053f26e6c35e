// Dashboard maps in headless Chromium. With MAP_TILE_URL pointing at a local fake tile server (real
// 256×256 PNGs on loopback), the race view draws the track on Leaflet tiles, the course read later
// under it with its checkpoints, the athlete's position moving as points arrive, and the attribution.
// Without MAP_TILE_URL, the offline drawing, and the browser asks nothing of any origin but the app's.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { Browser, chromium, Page } from 'playwright-core';
import { generateTriathlon, GeneratedRace, LiveTrackSimulator, SimSession } from '../src/simulator';
import { courseGpx } from '../src/simulator/sim-course';
import { RunningApp, startApp, tempDir } from './support/app';
import { simulatorEnv, startTracking, storedPoints, waitForExactly } from './support/tracking';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const START = new Date(Math.floor((Date.now() - 47 * 60_000) / 60_000) * 60_000);
/** A screenshot of the map card, to look at (not compared). */
const SHOT_DIR = join(tmpdir(), 'livetrack-maps-shots');
/** Shown as text: the markup must not turn into HTML on the map. */
const ATTRIBUTION = 'Tiles © Fake Tiles <b>test</b>';

// ---------- a real PNG, built here (CRC32 + zlib), so the browser decodes a genuine 256×256 image ----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}
/** 256×256 RGB: a light fill with a darker border, so tile edges show in screenshots. */
function tilePng(): Buffer {
  const size = 256;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    raw[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const edge = x === 0 || y === 0;
      raw.set(edge ? [150, 170, 190] : [226, 236, 222], row + 1 + x * 3);
    }
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

interface TileServer {
  server: Server;
  origin: string;
  /** Paths asked for, in order. */
  requests: string[];
  /** The Referer of each request ('' when none). */
  referers: string[];
}

async function startTileServer(): Promise<TileServer> {
  const png = tilePng();
  const requests: string[] = [];
  const referers: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    requests.push(req.url ?? '');
    referers.push(req.headers.referer ?? '');
    if (req.method === 'GET' && /^\/\d+\/\d+\/\d+\.png$/.test(req.url ?? '')) {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': png.length });
      res.end(png);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, origin: `http://127.0.0.1:${port}`, requests, referers };
}

/** The slippy-map tile holding a position at zoom z. */
function tileOf(lat: number, lon: number, z: number): [number, number] {
  const n = 2 ** z;
  const r = (lat * Math.PI) / 180;
  return [Math.floor(((lon + 180) / 360) * n), Math.floor(((1 - Math.log(Math.tan(r) + 1 / Math.cos(r)) / Math.PI) / 2) * n)];
}

describe('dashboard maps: Leaflet on a configured tile server, nothing outside without one', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let tiles: TileServer;
  let browser: Browser;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    sim = new LiveTrackSimulator({ seed: 33 });
    await sim.start();
    tiles = await startTileServer();
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await sim?.stop();
    await new Promise((resolve) => tiles?.server.close(resolve));
    tmp.cleanup();
  });

  /** A page that records console errors, page errors, failed requests and every URL it asks for. */
  async function watchedPage(): Promise<{ page: Page; problems: string[]; requested: string[] }> {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    const problems: string[] = [];
    const requested: string[] = [];
    page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
    page.on('request', (r) => requested.push(r.url()));
    return { page, problems, requested };
  }

  async function trackedRace(app: RunningApp, seed: number, name: string): Promise<{ s: SimSession; race: GeneratedRace }> {
    const race = generateTriathlon({ seed, start: START, pointIntervalS: 20, scale: 0.2 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1, sessionName: name, athlete: 'Alex Example' });
    await startTracking(app.baseUrl, sim.shareUrl(s.sessionId), { race_name: name, min_elapsed_min: 600 });
    sim.release(s.sessionId, 60);
    await waitForExactly(app.baseUrl, sim, s.sessionId);
    return { s, race };
  }

  describe('with MAP_TILE_URL', () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startApp({
        DB_PATH: join(tmp.dir, 'maps-on.db'), ...simulatorEnv(sim),
        MAP_TILE_URL: `${tiles.origin}/{z}/{x}/{y}.png`, MAP_ATTRIBUTION: ATTRIBUTION,
      });
    }, 60_000);
    afterAll(async () => { await app?.close(); });

    it('draws the track on tiles from the tile server, then the course, checkpoints and moving position live', async () => {
      const { s, race } = await trackedRace(app, 5, 'Map 70.3');
      const base = app.baseUrl;
      const { page, problems, requested } = await watchedPage();

      const res = await page.goto(`${base}/dashboard/${s.sessionId}`);
      // The CSP lets images come from exactly the tile server, nothing else from anywhere.
      const csp = res!.headers()['content-security-policy'];
      expect(csp).toContain(`img-src 'self' data: ${tiles.origin};`);
      expect(csp).toContain("script-src 'self';");
      expect(csp).toContain("connect-src 'self';");

      await page.waitForFunction(() => document.querySelector('#fig-points')?.textContent === '60');
      await page.waitForFunction(() => document.getElementById('track-map')?.getAttribute('data-positions') === '60');
      expect(await page.locator('#track-map').isVisible()).toBe(true);
      expect(await page.locator('#track').isVisible()).toBe(false);

      // Tiles: Leaflet <img> tiles, decoded from the fake server's 256×256 PNGs.
      await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('.leaflet-tile-pane img.leaflet-tile'))
        .filter((i) => i.complete && i.naturalWidth === 256 && i.classList.contains('leaflet-tile-loaded')).length >= 4);
      const tileRequests = tiles.requests.filter((p) => /^\/\d+\/\d+\/\d+\.png$/.test(p));
      expect(tileRequests.length).toBeGreaterThanOrEqual(4);
      expect(tiles.requests).toEqual(tileRequests); // nothing but tiles asked of it
      // The tiles asked for are where the athlete is: the current position's tile at the map's zoom.
      const zoom = await page.evaluate(() => Number(document.querySelector<HTMLImageElement>('.leaflet-tile-loaded')!.src.split('/').slice(-3)[0]));
      const stored = await storedPoints(base, s.sessionId);
      const last = stored[stored.length - 1];
      const [tx, ty] = tileOf(last.lat, last.lon, zoom);
      expect(tileRequests).toContain(`/${zoom}/${tx}/${ty}.png`);
      // The tile server learns the app's origin (usage policies ask for a Referer), never the race in the path.
      expect(new Set(tiles.referers)).toEqual(new Set([`${base}/`]));

      // The track: one line per leg on Leaflet's overlay, every position on it; start and current position.
      const lineVertices = () => page.$$eval('.leaflet-overlay-pane path.map-track', (paths) => paths.reduce((n, p) => n + Number(p.getAttribute('data-points')), 0));
      expect(await page.$$eval('.leaflet-overlay-pane path.map-track', (paths) => paths.map((p) => p.getAttribute('data-leg')))).toEqual(['swim', 't1', 'bike']);
      expect(await lineVertices()).toBeGreaterThanOrEqual(60);
      // Drawn across the map, fitted inside it: the lines' screen box is large and within the map's.
      const fit = await page.evaluate(() => {
        const boxes = Array.from(document.querySelectorAll('path.map-track')).map((p) => p.getBoundingClientRect());
        const map = document.getElementById('track-map')!.getBoundingClientRect();
        const left = Math.min(...boxes.map((b) => b.left)), right = Math.max(...boxes.map((b) => b.right));
        const top = Math.min(...boxes.map((b) => b.top)), bottom = Math.max(...boxes.map((b) => b.bottom));
        return { span: Math.max(right - left, bottom - top), inside: left >= map.left && right <= map.right && top >= map.top && bottom <= map.bottom };
      });
      expect(fit.span).toBeGreaterThan(150);
      expect(fit.inside).toBe(true);
      expect(await page.locator('path.map-start').count()).toBe(1);
      expect(await page.locator('path.map-current').count()).toBe(1);
      expect(await page.getAttribute('#track-map', 'data-current')).toBe(`${last.lat.toFixed(6)},${last.lon.toFixed(6)}`);

      // Attribution from MAP_ATTRIBUTION, as text.
      expect(await page.locator('.leaflet-control-attribution').innerText()).toContain(ATTRIBUTION);
      expect(await page.locator('.leaflet-control-attribution b').count()).toBe(0);

      // A course put after the page opened appears under the track with its checkpoints, without a reload.
      const bike = race.courses!.find((c) => c.leg === 'bike')!;
      const put = await fetch(`${base}/sessions/${s.sessionId}/course`, { method: 'PUT', headers: { 'content-type': 'application/gpx+xml' }, body: courseGpx(bike) });
      expect(put.status).toBe(200);
      const { checkpoints } = await put.json();
      expect(checkpoints.length).toBeGreaterThan(0);
      await page.waitForFunction(() => document.querySelector('.leaflet-pane path.map-course') !== null, null, { timeout: 15_000 });
      const view = await (await fetch(`${base}/sessions/${s.sessionId}/course`)).json();
      expect(await page.getAttribute('#track-map', 'data-course-points')).toBe(String(view.points.length));
      expect(view.points.length).toBeGreaterThan(10);
      const markers = page.locator('.leaflet-marker-pane img.map-checkpoint');
      expect(await markers.count()).toBe(checkpoints.length);
      expect(await markers.evaluateAll((imgs) => imgs.map((i) => i.getAttribute('title')))).toEqual(checkpoints.map((c: { name: string }) => c.name));
      await page.waitForFunction(() => Array.from(document.querySelectorAll<HTMLImageElement>('img.map-checkpoint')).every((i) => i.complete && i.naturalWidth > 0));
      // Under the track: the course's pane is stacked below the overlay pane the track is in.
      const z = await page.evaluate(() => [
        Number(getComputedStyle(document.querySelector('.leaflet-course-pane')!).zIndex),
        Number(getComputedStyle(document.querySelector('.leaflet-overlay-pane')!).zIndex),
      ]);
      expect(z[0]).toBeLessThan(z[1]);

      // Live: new points move the line and the position marker.
      sim.release(s.sessionId, 30);
      const more = await waitForExactly(base, sim, s.sessionId);
      const newest = more[more.length - 1];
      await page.waitForFunction((want) => document.getElementById('track-map')?.getAttribute('data-current') === want, `${newest.lat.toFixed(6)},${newest.lon.toFixed(6)}`);
      expect(await lineVertices()).toBeGreaterThanOrEqual(90);
      expect(await page.locator('path.map-current').count()).toBe(1);

      mkdirSync(SHOT_DIR, { recursive: true });
      await page.locator('.track-card').screenshot({ path: join(SHOT_DIR, 'map.png') });

      // Every request went to the app or the tile server.
      const elsewhere = requested.filter((u) => !u.startsWith(`${base}/`) && !u.startsWith(`${tiles.origin}/`) && !u.startsWith('data:'));
      expect(elsewhere).toEqual([]);
      expect(problems).toEqual([]);
      await page.close();
    });
  });

  describe('without MAP_TILE_URL', () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startApp({ DB_PATH: join(tmp.dir, 'maps-off.db'), ...simulatorEnv(sim) });
    }, 60_000);
    afterAll(async () => { await app?.close(); });

    it('shows the offline drawing and the browser asks nothing of any other origin', async () => {
      const { s, race } = await trackedRace(app, 5, 'Offline 70.3');
      const base = app.baseUrl;
      const bike = race.courses!.find((c) => c.leg === 'bike')!;
      expect((await fetch(`${base}/sessions/${s.sessionId}/course`, { method: 'PUT', headers: { 'content-type': 'application/gpx+xml' }, body: courseGpx(bike) })).status).toBe(200);
      const before = tiles.requests.length;
      const { page, problems, requested } = await watchedPage();

      const res = await page.goto(`${base}/dashboard/${s.sessionId}`);
      expect(res!.headers()['content-security-policy']).toContain("img-src 'self' data:;");
      await page.waitForFunction(() => document.querySelector('#fig-points')?.textContent === '60');
      await page.waitForFunction(() => document.querySelectorAll('#track polyline').length >= 3);
      sim.release(s.sessionId, 10);
      await waitForExactly(base, sim, s.sessionId);
      await page.waitForFunction(() => document.querySelector('#fig-points')?.textContent === '70');

      // Today's drawing: the SVG track with start and current position; no map code, no map container.
      expect(await page.locator('#track').isVisible()).toBe(true);
      expect(await page.locator('#track-start').count()).toBe(1);
      expect(await page.locator('#track-current').count()).toBe(1);
      expect(await page.locator('#track-map').count()).toBe(0);
      expect(await page.evaluate(() => 'L' in window || 'LivetrackMap' in window)).toBe(false);

      // Every request the page made: the app's own origin only (page, assets, points, events).
      expect(requested.length).toBeGreaterThan(3);
      const origin = new URL(base).origin;
      expect(requested.filter((u) => !u.startsWith('data:') && new URL(u).origin !== origin)).toEqual([]);
      expect(requested.some((u) => /leaflet|map\.js/.test(u))).toBe(false);
      expect(tiles.requests.length).toBe(before);
      expect(problems).toEqual([]);
      await page.close();
    });
  });
});
