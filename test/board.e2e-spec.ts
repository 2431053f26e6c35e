import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { BoardService } from '../src/dashboard/board.service';
import { generateTriathlon, LiveTrackSimulator, SimSession } from '../src/simulator';
import { json, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { simulatorEnv, startTracking } from './support/tracking';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
/** Race time runs this much faster than wall time, so "standing still > 5 min" (race time) takes seconds. */
const SPEEDUP = 60;
const POLL_S = 2;
/** The simulated watches upload a batch every UPLOAD_S (Garmin's postTrackPointFrequency). */
const UPLOAD_S = 2;
/**
 * From any moment, every athlete has a new batch stored within one upload period plus one poll
 * interval; the board sends it within its one-second gap (BOARD_MIN_GAP_MS); scheduling on a shared
 * 2-core machine gets 2 s more.
 */
const UPDATE_WITHIN_MS = (UPLOAD_S + POLL_S) * 1000 + 1000 + 2000;

const SHOT_DIR = join(tmpdir(), 'livetrack-board-shots');
const DOCS_DIR = join(__dirname, '..', 'docs');

/** Keeps a screenshot; UPDATE_SCREENSHOT=1 copies it into docs/ for the README. */
async function keepShot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOT_DIR, { recursive: true });
  const path = join(SHOT_DIR, name);
  await page.screenshot({ path, fullPage: true });
  expect(existsSync(path)).toBe(true);
  if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(path, join(DOCS_DIR, name));
}

/** Console errors, page errors, failed requests and requests leaving the service, per browser page. */
function watch(page: Page, base: string, problems: string[]): Page {
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    // EventSource requests are cut when a page closes; that is not a failure of the board.
    if (!r.url().endsWith('/dashboard/events')) problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`);
  });
  page.on('request', (r) => { if (!r.url().startsWith(base)) problems.push(`left the service: ${r.url()}`); });
  return page;
}

/** Text of every card's figure `f`, by session id, in board order. */
const cardTexts = (page: Page, f: string) =>
  page.$$eval('#board-active li.athlete', (lis, field) => lis.map((li) => [li.getAttribute('data-session')!, li.querySelector(`[data-f="${field}"] dd`)!.textContent!]), f);

describe('coach board: three athletes of one race, live in headless Chromium', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let running: RunningApp;
  let browser: Browser;
  let page: Page;
  let base: string;
  const athletes: Record<'alex' | 'bea' | 'cem', SimSession> = {} as never;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    sim = new LiveTrackSimulator({ seed: 31, playTickMs: 200 });
    await sim.start();
    running = await startApp({ DB_PATH: join(tmp.dir, 'board.db'), ...simulatorEnv(sim) });
    base = running.baseUrl;
    const start = Date.now() - 60 * 60_000;
    const plan = [
      // Alex rides far over a low hr_max: "over threshold", first on the board until Cem stops.
      { key: 'alex', name: 'Alex Example', wave: 0, seed: 11, config: { hr_max: 100, run_hr_max: 100 } },
      { key: 'bea', name: 'Bea Sample', wave: 1, seed: 12, config: { hr_max: 190, run_hr_max: 190 } },
      // Cem stops on the bike 8 min into the race and stands still for 30 min, the device uploading all along.
      { key: 'cem', name: 'Cem Demo', wave: 2, seed: 13, config: { hr_max: 190, run_hr_max: 190 }, standstills: [{ atMin: 8, forMin: 30 }] },
    ] as const;
    for (const a of plan) {
      const race = generateTriathlon({
        seed: a.seed, start: new Date(start + a.wave * 60_000), pointIntervalS: 5, scale: 0.2,
        standstills: 'standstills' in a ? [...a.standstills] : undefined,
      });
      const s = sim.addSession({ race, postTrackPointFrequency: UPLOAD_S, sessionName: 'Board 70.3', athlete: a.name });
      athletes[a.key] = s;
      await startTracking(base, sim.shareUrl(s.sessionId), { race_name: 'Board 70.3', poll_interval_secs: POLL_S, min_elapsed_min: 600, ...a.config });
    }
    // Staggered starts: each wave a minute of race time after the previous one.
    for (const a of plan) setTimeout(() => sim.play(athletes[a.key].sessionId, SPEEDUP), (a.wave * 60_000) / SPEEDUP).unref();

    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
    page = watch(await browser.newPage({ viewport: { width: 1280, height: 800 } }), base, problems);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  it('shows every athlete with name, leg, elapsed, distance, figures against the thresholds, and a status', async () => {
    await page.goto(`${base}/dashboard`);
    await page.waitForFunction(() => document.querySelector('#conn')?.textContent?.includes('live'));
    await page.waitForFunction(() => {
      const cards = Array.from(document.querySelectorAll('#board-active li.athlete'));
      return cards.length === 3 && cards.every((li) => /km$/.test(li.querySelector('[data-f="distance"] dd')!.textContent!));
    }, null, { timeout: 30_000 });
    for (const [key, s] of Object.entries(athletes)) {
      const link = page.locator(`#board-active li[data-session="${s.sessionId}"] a.ath-name`);
      expect(await link.getAttribute('href')).toBe(`/dashboard/${s.sessionId}`);
      expect(await link.innerText()).toBe({ alex: 'Alex Example', bea: 'Bea Sample', cem: 'Cem Demo' }[key]);
    }
    const card = page.locator(`li[data-session="${athletes.alex.sessionId}"]`);
    expect(await card.locator('[data-f="leg"] dd').innerText()).toMatch(/^(Swim|T1|Bike)$/);
    expect(await card.locator('[data-f="elapsed"] dd').innerText()).toMatch(/^0:\d\d:\d\d$/);
    expect(await card.locator('[data-f="distance"] dd').innerText()).toMatch(/^\d+\.\d\d km$/);
    expect(await card.locator('[data-f="last"] dd').innerText()).toMatch(/ago$/);
    expect(await card.locator('[data-f="alerts"] dd').innerText()).toMatch(/^\d+$/);
    // Alex is over hr_max 100 on the bike and the run (no HR threshold applies in the swim or a transition).
    await page.waitForFunction((id) => {
      const li = document.querySelector(`li[data-session="${id}"]`)!;
      return li.getAttribute('data-status') === 'over threshold' && li.querySelector('[data-f="hr"]')!.classList.contains('over');
    }, athletes.alex.sessionId, { timeout: 30_000 });
    expect(await card.locator('[data-f="hr"]').getAttribute('title')).toBe('above hr_max 100');
    expect(await card.locator('[data-f="hr"] dd').innerText()).toMatch(/^▲ \d+ bpm$/);
    expect(await page.locator('.ath-status').first().innerText()).toBe('over threshold');
    expect(problems).toEqual([]);
  });

  it('updates all three cards in place, without a reload, within a poll interval and the board\'s one-second gap', async () => {
    let navigations = 0;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigations++; });
    await page.evaluate(() => ((window as unknown as { __same: number }).__same = 7));
    const nodesBefore = await page.evaluate(() => Array.from(document.querySelectorAll('li.athlete')).map((li) => ((li as unknown as { __k: number }).__k = 1)));
    const before = new Map(await cardTexts(page, 'elapsed'));
    const t0 = Date.now();
    await waitFor(async () => {
      const now = new Map(await cardTexts(page, 'elapsed'));
      return [...before].every(([id, text]) => now.has(id) && now.get(id) !== text);
    }, UPDATE_WITHIN_MS, `all three cards to update within ${UPDATE_WITHIN_MS} ms`);
    const tookMs = Date.now() - t0;
    console.log(`board: all three cards updated ${tookMs} ms after the first look`);
    // The same card elements were updated (keyed in place), the same document.
    expect(await page.evaluate(() => Array.from(document.querySelectorAll('li.athlete')).filter((li) => (li as unknown as { __k?: number }).__k === 1).length)).toBe(nodesBefore.length);
    expect(await page.evaluate(() => (window as unknown as { __same?: number }).__same)).toBe(7);
    expect(navigations).toBe(0);
    expect(running.app.get(BoardService).openStreams).toBe(1);
  });

  it('lifts the athlete who stopped moving to the top, with how long, while the others race on', async () => {
    const order = () => page.$$eval('#board-active li.athlete', (lis) => lis.map((li) => li.getAttribute('data-session')));
    // Before the stop counts (race time): Alex over threshold first, Cem not first.
    expect((await order())[0]).not.toBe(athletes.cem.sessionId);
    await page.waitForFunction((id) => {
      const first = document.querySelector('#board-active li.athlete');
      return first?.getAttribute('data-session') === id && first.getAttribute('data-status') === 'stopped moving';
    }, athletes.cem.sessionId, { timeout: 45_000 });
    expect(await order()).toEqual([athletes.cem.sessionId, athletes.alex.sessionId, athletes.bea.sessionId]);
    const cem = page.locator(`li[data-session="${athletes.cem.sessionId}"]`);
    expect(await cem.locator('.ath-sub').innerText()).toMatch(/not moving for \d+ min/);
    expect(await cem.locator('[data-f="pace"] dd').innerText()).toMatch(/^(0\.0 km\/h|–)$/);
    expect(await cem.getAttribute('class')).toContain('st-stopped');
    expect(await page.locator('#board-summary').innerText()).toContain('1 stopped moving');
    expect(await page.title()).toMatch(/^\(1\) Coach board/);
    // Cem's distance stands while the others' moves on.
    const distance = (id: string) => page.locator(`li[data-session="${id}"] [data-f="distance"] dd`).innerText();
    const [c0, b0] = [await distance(athletes.cem.sessionId), await distance(athletes.bea.sessionId)];
    await waitFor(async () => (await distance(athletes.bea.sessionId)) !== b0, UPDATE_WITHIN_MS, "Bea's distance to move on");
    expect(await distance(athletes.cem.sessionId)).toBe(c0);
    await keepShot(page, 'board-desktop.png');
    expect(problems).toEqual([]);
  });

  it('fits a phone (375 px): no sideways scrolling', async () => {
    const phone = watch(await browser.newPage({ viewport: { width: 375, height: 812 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true }), base, problems);
    await phone.goto(`${base}/dashboard`);
    await phone.waitForFunction(() => document.querySelectorAll('#board-active li.athlete').length === 3);
    await phone.waitForFunction(() => /km$/.test(document.querySelector('#board-active [data-f="distance"] dd')?.textContent ?? ''));
    const widths = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    expect(widths.client).toBe(375);
    expect(widths.scroll).toBeLessThanOrEqual(widths.client);
    await keepShot(phone, 'board-phone.png');
    await phone.close();
    expect(problems).toEqual([]);
  });

  it('documents the board stream in OpenAPI and keeps ?session=<id> opening one race', async () => {
    const doc = await json(await fetch(`${base}/docs-json`));
    expect(doc.paths['/dashboard/events'].get.summary).toMatch(/coach board/);
    expect(doc.paths['/dashboard/{id}/events'].get).toBeDefined();
    const res = await fetch(`${base}/dashboard?session=${athletes.bea.sessionId}`, { redirect: 'manual' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/dashboard/${athletes.bea.sessionId}`);
    const events = await fetch(`${base}/dashboard/events`);
    expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
    await events.body!.cancel();
  });
});

describe('coach board: 50 athletes stay cheap to update', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let running: RunningApp;
  let browser: Browser;
  const problems: string[] = [];
  const N = 50;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 32 });
    await sim.start();
    running = await startApp({ DB_PATH: join(tmp.dir, 'board50.db'), ...simulatorEnv(sim) });
    const start = Date.now() - 60 * 60_000;
    const sessions: SimSession[] = [];
    for (let i = 0; i < N; i++) {
      const race = generateTriathlon({ seed: 100 + i, start: new Date(start + (i % 10) * 30_000), pointIntervalS: 10, scale: 0.3 });
      sessions.push(sim.addSession({ race, postTrackPointFrequency: 10, sessionName: 'Big race', athlete: `Athlete ${String(i + 1).padStart(2, '0')}` }));
    }
    await Promise.all(sessions.map((s) => startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { poll_interval_secs: POLL_S, hr_max: 150, min_elapsed_min: 600 })));
    for (const s of sessions) sim.play(s.sessionId, 30);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await running?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  it('renders one update of 50 cards in under 50 ms of main-thread script', async () => {
    const page = watch(await browser.newPage({ viewport: { width: 1280, height: 800 } }), running.baseUrl, problems);
    await page.goto(`${running.baseUrl}/dashboard`);
    await page.waitForFunction((n) => {
      const cards = Array.from(document.querySelectorAll('#board-active li.athlete'));
      return cards.length === n && cards.every((li) => /km$/.test(li.querySelector('[data-f="distance"] dd')!.textContent!));
    }, N, { timeout: 90_000 });
    const firstRenders = await page.evaluate(() => performance.getEntriesByName('board-update', 'measure').map((m) => m.duration));

    // Each update goes over every card; count those whose race figures (elapsed, distance) changed (a new
    // batch since the last update), and time the updates in which at least a third of the 50 did.
    const measured: number[] = [];
    const changedCounts: number[] = [];
    for (let i = 0; i < 30 && measured.length < 5; i++) {
      const update = await page.evaluate(() => new Promise<{ changed: number; ms: number }>((resolve) => {
        const root = document.getElementById('board')!;
        const texts = () => Array.from(document.querySelectorAll('#board-active li.athlete')).map((li) =>
          `${li.querySelector('[data-f="elapsed"] dd')!.textContent}|${li.querySelector('[data-f="distance"] dd')!.textContent}`);
        const before = texts();
        const count = Number(root.getAttribute('data-updates'));
        const poll = () => {
          if (Number(root.getAttribute('data-updates')) === count) return void setTimeout(poll, 20);
          const after = texts();
          const entries = performance.getEntriesByName('board-update', 'measure');
          resolve({ changed: after.filter((t, k) => t !== before[k]).length, ms: entries[entries.length - 1].duration });
        };
        poll();
      }));
      changedCounts.push(update.changed);
      if (update.changed >= N / 3) measured.push(update.ms);
    }
    console.log(`board: cards changed per update ${changedCounts.join(', ')}; timed updates ${measured.map((m) => m.toFixed(1)).join(', ')} ms; first renders ${firstRenders.map((m) => m.toFixed(1)).join(', ')} ms`);
    expect(measured.length).toBeGreaterThanOrEqual(3);
    const sorted = [...measured].sort((a, b) => a - b);
    // The acceptance figure: one update of 50 cards under 50 ms of main-thread script (median, so
    // one scheduling hiccup of the shared CI machine does not decide it).
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(50);
    expect(problems).toEqual([]);
    await page.close();
  }, 180_000);
});
