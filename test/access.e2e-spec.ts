import { INestApplication } from '@nestjs/common';
import Database from 'better-sqlite3';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createApp } from '../src/bootstrap';
import { parseEnv } from '../src/config/app-config';
import { JsonLogger } from '../src/common/json-logger';
import { generateTriathlon, LiveTrackSimulator, SimSession } from '../src/simulator';
import { json, tempDir, waitFor } from './support/app';
import { simulatorEnv } from './support/tracking';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const KEY = 'k3y-for-the-access-e2e-0123456789';
const AUTH = { authorization: `Bearer ${KEY}` };

/** Routes the contract leaves open with API_KEY set (plus the sign-in form, which must be reachable to sign in). */
function isOpen(path: string): boolean {
  return /^\/health(\/live|\/ready)?$/.test(path) || /^\/docs(-json)?/.test(path) || /^\/watch\//.test(path) || /^\/dashboard\/sign-(in|out)$/.test(path);
}

/** Every route Express knows (Nest's controllers, mcp-nest's transports), as [METHOD, /path/:param]. */
function routerRoutes(app: INestApplication): Array<[string, string]> {
  const express = app.getHttpAdapter().getInstance() as { router?: { stack: any[] }; _router?: { stack: any[] } };
  const stack = (express.router ?? express._router)!.stack;
  const routes: Array<[string, string]> = [];
  for (const layer of stack) {
    if (!layer.route) continue;
    for (const method of Object.keys(layer.route.methods)) if (method !== '_all') routes.push([method.toUpperCase(), String(layer.route.path)]);
  }
  return routes;
}

describe('access: API_KEY on every route, the dashboard sign-in cookie, viewer links', () => {
  const tmp = tempDir();
  const dbPath = join(tmp.dir, 'access.db');
  const logLines: string[] = [];
  let sim: LiveTrackSimulator;
  let app: INestApplication;
  let base: string;
  let race: SimSession;
  let other: SimSession;
  let browser: Browser | undefined;

  const startRace = async (s: SimSession) => {
    const res = await fetch(`${base}/sessions`, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': 'application/json' },
      body: JSON.stringify({ url: sim.shareUrl(s.sessionId), race_config: { poll_interval_secs: 1, race_name: 'Access 70.3' } }),
    });
    expect(res.status).toBe(201);
  };

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 41, playTickMs: 100 });
    await sim.start();
    const start = new Date(Date.now() - 30 * 60_000);
    race = sim.addSession({ race: generateTriathlon({ seed: 41, start, pointIntervalS: 10, scale: 0.2 }), postTrackPointFrequency: 1, sessionName: 'Access 70.3', athlete: 'Alex Example' });
    other = sim.addSession({ race: generateTriathlon({ seed: 42, start, pointIntervalS: 10, scale: 0.2 }), postTrackPointFrequency: 1, sessionName: 'Other race', athlete: 'Bea Sample' });
    sim.release(race.sessionId, 30);
    sim.release(other.sessionId, 30);
    const config = parseEnv({ HOST: '127.0.0.1', PORT: '0', DB_PATH: dbPath, API_KEY: KEY, LOG_LEVEL: 'debug', ...simulatorEnv(sim) });
    app = await createApp(config, { logger: new JsonLogger('debug', 'json', (line) => logLines.push(line)) });
    await app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    await startRace(race);
    await startRace(other);
    await waitFor(async () => (await json(await fetch(`${base}/sessions/${race.sessionId}`, { headers: AUTH }))).points >= 30, 15_000, 'points stored');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await sim?.stop();
    tmp.cleanup();
  });

  /** A request to `path` (params filled in) without credentials, with the key, or with a cookie. */
  const fill = (path: string) =>
    path
      .replace(/\{id\}|:id\b/g, race.sessionId)
      .replace(/\{key\}|:key\b/g, 'zoe')
      .replace(/\{name\}|:name\b/g, 'dashboard.js')
      .replace(/\{[^}]+\}|:[a-z_]+\b/gi, 'x');

  async function signInCookie(): Promise<string> {
    const res = await fetch(`${base}/dashboard/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: KEY, next: '/dashboard' }).toString(),
      redirect: 'manual',
    });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/dashboard');
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^livetrack_session=v1\.\d+\.[A-Za-z0-9_-]{43}; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
    expect(setCookie).not.toContain(KEY);
    return setCookie.split(';')[0];
  }

  it('answers 401 on every route the OpenAPI document and the router list, except the open ones', async () => {
    const doc = await json(await fetch(`${base}/docs-json`));
    const documented: Array<[string, string]> = [];
    for (const [path, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      for (const method of Object.keys(ops)) documented.push([method.toUpperCase(), path]);
    }
    const routes = routerRoutes(app);
    // The walk covers what is not in the document too: MCP transports and the page assets.
    expect(routes.map(([, p]) => p)).toEqual(expect.arrayContaining(['/mcp', '/sse', '/messages', '/dashboard/assets/:name']));
    expect(documented.length).toBeGreaterThan(25);
    const all = new Map<string, [string, string]>();
    for (const [method, path] of [...documented, ...routes]) all.set(`${method} ${fill(path)}`, [method, fill(path)]);

    const refused: string[] = [];
    const wronglyOpen: string[] = [];
    for (const [method, path] of all.values()) {
      if (isOpen(path)) continue;
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { accept: 'application/json', ...(method === 'GET' || method === 'DELETE' ? {} : { 'content-type': 'application/json' }) },
        body: method === 'GET' || method === 'DELETE' ? undefined : '{}',
        signal: AbortSignal.timeout(5_000),
      });
      if (res.status === 401) {
        refused.push(`${method} ${path}`);
        expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
        expect((await json(res)).message).toMatch(/missing API key/);
      } else {
        wronglyOpen.push(`${method} ${path} → ${res.status}`);
        await res.body?.cancel();
      }
    }
    expect(wronglyOpen).toEqual([]);
    expect(refused.length).toBeGreaterThan(25);
    // A wrong key is refused as such.
    const wrong = await fetch(`${base}/sessions`, { headers: { authorization: 'Bearer nope' } });
    expect(wrong.status).toBe(401);
    expect((await json(wrong)).message).toMatch(/wrong API key/);
    // Nothing of it stored was lost or changed: the races still poll.
    expect((await json(await fetch(`${base}/sessions`, { headers: AUTH }))).sessions).toHaveLength(2);
  }, 120_000);

  it('answers the open routes without a key', async () => {
    for (const path of ['/health', '/health/live', '/health/ready', '/docs-json', '/dashboard/sign-in']) {
      const res = await fetch(`${base}${path}`);
      expect([path, res.status]).toEqual([path, 200]);
      await res.body?.cancel();
    }
    expect((await fetch(`${base}/docs`, { redirect: 'manual' })).status).toBeLessThan(400);
  });

  it('reads every documented GET route with the key and with the sign-in cookie alike', async () => {
    const cookie = await signInCookie();
    const doc = await json(await fetch(`${base}/docs-json`));
    const gets = Object.entries<Record<string, unknown>>(doc.paths)
      .filter(([path, ops]) => 'get' in ops && !isOpen(path) && !path.includes('{key}') && !/^\/(mcp|sse|messages)/.test(path))
      .map(([path]) => fill(path));
    expect(gets).toEqual(expect.arrayContaining(['/sessions', `/sessions/${race.sessionId}/points`, '/dashboard', `/dashboard/${race.sessionId}`]));
    for (const path of gets) {
      for (const headers of [AUTH, { cookie }]) {
        const res = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(5_000) });
        // 404: a course this race has none of; never 401.
        const ok = res.status === 200 || (res.status === 404 && path.endsWith('/course'));
        expect([path, Object.keys(headers)[0], ok ? 'ok' : res.status]).toEqual([path, Object.keys(headers)[0], 'ok']);
        await res.body?.cancel();
      }
    }
    // The MCP transports: their own protocol (the SDK client below and in the viewer-link test).
    const sse = await fetch(`${base}/sse`, { headers: { cookie } });
    expect(sse.status).toBe(200);
    await sse.body?.cancel();
    // Writes take the cookie too (SameSite=Strict keeps other sites from sending it).
    const put = await fetch(`${base}/athletes/zoe`, { method: 'PUT', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ display_name: 'Zoë' }) });
    expect(put.status).toBe(200);
    // Signing out clears the cookie.
    const out = await fetch(`${base}/dashboard/sign-out`, { method: 'POST', headers: { cookie }, redirect: 'manual' });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^livetrack_session=; Path=\/; Max-Age=0; HttpOnly; SameSite=Strict$/);
  }, 60_000);

  it('refuses a wrong key on the sign-in form and never sends an outside redirect', async () => {
    const wrong = await fetch(`${base}/dashboard/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: 'guess', next: '/dashboard' }).toString(),
      redirect: 'manual',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(await wrong.text()).toContain('That is not the API key');
    const away = await fetch(`${base}/dashboard/sign-in`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ key: KEY, next: '//evil.example/' }).toString(),
      redirect: 'manual',
    });
    expect(away.headers.get('location')).toBe('/dashboard');
  });

  describe('viewer links', () => {
    let link: { url: string; expires_at: string };
    let token: string;

    it('creates a link (key needed) that opens its race, its points and its events without the key', async () => {
      expect((await fetch(`${base}/sessions/${race.sessionId}/viewer-links`, { method: 'POST' })).status).toBe(401);
      const bad = await fetch(`${base}/sessions/${race.sessionId}/viewer-links`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ expires_in_h: 9999 }) });
      expect(bad.status).toBe(400);
      expect((await json(bad)).fields).toEqual(['expires_in_h']);
      const unknown = await fetch(`${base}/sessions/00000000-0000-0000-0000-000000000000/viewer-links`, { method: 'POST', headers: AUTH });
      expect(unknown.status).toBe(404);

      const before = Date.now();
      const res = await fetch(`${base}/sessions/${race.sessionId}/viewer-links`, { method: 'POST', headers: { ...AUTH, 'content-type': 'application/json' }, body: JSON.stringify({ expires_in_h: 2 }) });
      expect(res.status).toBe(201);
      link = await json(res);
      expect(link.url).toMatch(/^\/watch\/[A-Za-z0-9_-]{43}$/);
      expect(Math.abs(Date.parse(link.expires_at) - (before + 2 * 3_600_000))).toBeLessThan(10_000);
      token = link.url.split('/')[2];
      // Stored hashed: the database holds no copy of the token.
      const db = new Database(dbPath, { readonly: true });
      const rows = db.prepare('SELECT * FROM viewer_links').all() as Array<Record<string, unknown>>;
      db.close();
      expect(rows).toHaveLength(1);
      expect(JSON.stringify(rows)).not.toContain(token);

      const page = await fetch(`${base}${link.url}`);
      expect(page.status).toBe(200);
      const html = await page.text();
      expect(html).toContain(`data-points="/watch/${token}/points"`);
      expect(html).not.toMatch(/href="\/(sessions|dashboard)/);
      const points = await json(await fetch(`${base}${link.url}/points?since=1970-01-01T00:00:00Z`));
      expect(points.session_id).toBe(race.sessionId);
      expect(points.count).toBeGreaterThanOrEqual(30);
      const events = await fetch(`${base}${link.url}/events`);
      expect(events.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = events.body!.getReader();
      let text = '';
      while (!text.includes('event: status')) text += new TextDecoder().decode((await reader.read()).value);
      expect(text).toContain(race.sessionId);
      expect(text).not.toContain(other.sessionId);
      await reader.cancel();
    });

    it('opens nothing else: not another race, not the REST API, not MCP, not the dashboard', async () => {
      for (const path of [`/sessions/${other.sessionId}`, `/sessions/${race.sessionId}`, `/sessions/${race.sessionId}/points`, `/dashboard/${other.sessionId}`, '/dashboard', '/dashboard/events', '/athletes']) {
        expect([path, (await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${token}` } })).status]).toEqual([path, 401]);
      }
      // The link's routes take no other session.
      expect((await fetch(`${base}${link.url}/points?session_id=${other.sessionId}`)).status).toBe(400);
      expect((await fetch(`${base}${link.url}/../../sessions/${other.sessionId}`)).status).toBe(401);
      const mcp = new Client({ name: 'viewer', version: '1' });
      const transport = new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } });
      await expect(mcp.connect(transport)).rejects.toThrow(/401/);
      // With the key, MCP works (the same guard).
      const ok = new Client({ name: 'coach', version: '1' });
      await ok.connect(new StreamableHTTPClientTransport(new URL(`${base}/mcp`), { requestInit: { headers: AUTH } }));
      expect((await ok.listTools()).tools.map((t) => t.name)).toContain('get_tracking_status');
      await ok.close();
    });

    it('shows the live race in a browser without the key, with no console error and nothing from elsewhere', async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
      browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
      const page: Page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('request', (r) => { if (!r.url().startsWith(base) && !r.url().startsWith('data:')) problems.push(`left: ${r.url()}`); });
      await page.goto(`${base}${link.url}`);
      await page.waitForFunction(() => document.querySelector('#conn')?.textContent?.includes('live'));
      await page.waitForFunction(() => Number(document.querySelector('#fig-points')?.textContent) >= 30);
      expect(await page.locator('h1').innerText()).toBe('Access 70.3');
      expect(await page.locator('#athlete').innerText()).toContain('Alex Example');
      expect(await page.locator('a[href^="/sessions"], a[href^="/dashboard"]').count()).toBe(0);
      expect(problems).toEqual([]);
      await page.close();
    }, 60_000);

    it('signs a browser in once on the form; the board then works with the cookie', async () => {
      const page: Page = await browser!.newPage();
      const problems: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error' && !/401/.test(m.text())) problems.push(m.text()); });
      page.on('pageerror', (e) => problems.push(e.message));
      const first = await page.goto(`${base}/dashboard`);
      expect(first!.status()).toBe(401);
      await page.fill('#key', KEY);
      await Promise.all([page.waitForURL(`${base}/dashboard`), page.click('button[type=submit]')]);
      expect(page.url()).toBe(`${base}/dashboard`);
      await page.waitForFunction(() => document.querySelectorAll('#board-active li.athlete').length === 2, null, { timeout: 15_000 });
      const cookies = await page.context().cookies();
      expect(cookies.map((c) => [c.name, c.httpOnly, c.sameSite])).toEqual([['livetrack_session', true, 'Strict']]);
      expect(problems).toEqual([]);
      await page.close();
    }, 60_000);

    it('stops working after revoke (open views end) and after expiry', async () => {
      const events = await fetch(`${base}${link.url}/events`);
      const reader = events.body!.getReader();
      await reader.read();
      const revoke = await fetch(`${base}/sessions/${race.sessionId}/viewer-links`, { method: 'DELETE', headers: AUTH });
      expect(revoke.status).toBe(204);
      // The open stream ends.
      for (;;) if ((await reader.read()).done) break;
      for (const path of ['', '/points', '/events', '/assets/dashboard.js', '/course']) {
        expect([path, (await fetch(`${base}${link.url}${path}`)).status]).toEqual([path, 404]);
      }
      expect(await (await fetch(`${base}${link.url}`)).text()).toContain('does not work any more');

      // Expiry: a new link, then its time passes (the clock of the stored row moved back).
      const fresh = await json(await fetch(`${base}/sessions/${race.sessionId}/viewer-links`, { method: 'POST', headers: AUTH }));
      expect((await fetch(`${base}${fresh.url}`)).status).toBe(200);
      const db = new Database(dbPath);
      db.prepare('UPDATE viewer_links SET expires_at = ?').run(Date.now() - 1);
      db.close();
      expect((await fetch(`${base}${fresh.url}`)).status).toBe(404);
      expect((await fetch(`${base}${fresh.url}/points`)).status).toBe(404);
    });

    it('never wrote the key or a viewer token into a log line', () => {
      const logs = logLines.join('\n');
      expect(logLines.length).toBeGreaterThan(10);
      expect(logs).not.toContain(KEY);
      expect(logs).not.toContain(token);
      expect(logs).toContain('viewer link created');
    });
  });
});
