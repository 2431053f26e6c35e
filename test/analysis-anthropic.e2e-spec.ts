import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { createApp } from '../src/bootstrap';
import { JsonLogger } from '../src/common/json-logger';
import { ConfigError, parseEnv } from '../src/config/app-config';
import { generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { json, postJson, RunningApp, startApp, tempDir, waitFor } from './support/app';
import {
  endTurn, FakeAnthropic, hang, MessagesBody, overloaded, rateLimited, reply, text, toolResults, toolUse, useTools,
} from './support/fake-anthropic';
import { FakeRunner } from './support/fake-runner';
import { FakeTelegram } from './support/fake-telegram';
import { simulatorEnv, startTracking, status, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const KEY = 'sk-ant-api03-e2e-secret-key-7f3a9c';
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Like startApp, but keeps every log line (debug and up) so a test can look for the key in them. */
async function startLoggedApp(env: Record<string, string>, lines: string[]): Promise<RunningApp> {
  const config = parseEnv({ HOST: '127.0.0.1', PORT: '0', ...env });
  const app = await createApp(config, { logger: new JsonLogger('debug', 'json', (line) => lines.push(line)) });
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, baseUrl: `http://127.0.0.1:${port}`, close: () => app.close() };
}

describe('analysis with the anthropic backend (Messages API with tool use)', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let fake: FakeAnthropic;
  let telegram: FakeTelegram;
  let running: RunningApp;
  const logs: string[] = [];
  let seed = 60;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 51 });
    await sim.start();
    fake = new FakeAnthropic(KEY);
    await fake.start();
    telegram = new FakeTelegram();
    await telegram.start();
    running = await startLoggedApp(
      {
        DB_PATH: join(tmp.dir, 'anthropic.db'),
        ...simulatorEnv(sim),
        ANALYSIS_BACKEND: 'anthropic',
        ANTHROPIC_API_KEY: KEY,
        ANTHROPIC_BASE_URL: fake.origin,
        ANALYSIS_TIMEOUT_S: '2',
        TELEGRAM_BOT_TOKEN: telegram.token,
        TELEGRAM_CHAT_ID: '42',
        TELEGRAM_API_BASE: telegram.origin,
      },
      logs,
    );
  });
  afterAll(async () => {
    await running?.close();
    await fake?.stop();
    await telegram?.stop();
    await sim?.stop();
    tmp.cleanup();
  });

  /** A tracked bike race with points stored; cycles only when triggered (the interval is far away). */
  async function race(raceConfig: Record<string, unknown> = {}): Promise<string> {
    const s = sim.addSession({ race: generateSingleSport({ seed: seed++, start: START, sport: 'bike', durationMin: 20 }), postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), {
      race_type: 'bike', race_name: 'E2E Anthropic Fondo', hr_max: 150, analyze_interval_secs: 600, min_elapsed_min: 600, ...raceConfig,
    });
    sim.release(s.sessionId, 60);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    return s.sessionId;
  }
  const trigger = async (id: string) => {
    const res = await postJson(`${running.baseUrl}/sessions/${id}/analysis`, {});
    expect(res.status).toBe(202);
    return (await json(res)).job_id as string;
  };
  const history = async (id: string, base = running.baseUrl) => json(await fetch(`${base}/sessions/${id}/analyses?limit=100`));
  /** The analysis of one job, once recorded. */
  const analysisOf = (id: string, jobId: string) =>
    waitFor(async () => (await history(id)).analyses.find((a: any) => a.job_id === jobId), 10000, `analysis ${jobId}`);
  const stop = (id: string) => postJson(`${running.baseUrl}/sessions/${id}/stop`, {});

  it('runs a cycle in which Claude changes the thresholds and messages the athlete, then ends its turn', async () => {
    const id = await race();
    const coaching = 'HR 152 for 8 min against a 150 cap: ease off to about 200 W.';
    fake.scriptSession(
      id,
      reply('tool_use', [text('HR is above the cap; adjusting.'), toolUse('update_thresholds', { hr_max: 158 }), toolUse('send_coaching_message', { text: coaching })], {
        input_tokens: 1200, output_tokens: 80,
      }),
      endTurn('Steady bike, HR drifting above 150 in the heat: cap raised to 158, athlete told to hold ~200 W.', { input_tokens: 1400, output_tokens: 60 }),
    );
    const analysis = await analysisOf(id, await trigger(id));

    expect(analysis).toMatchObject({
      session_id: id, backend: 'anthropic', origin: 'manual', outcome: 'completed',
      text: 'Steady bike, HR drifting above 150 in the heat: cap raised to 158, athlete told to hold ~200 W.',
      input_tokens: 2600, output_tokens: 140,
      tool_calls: [
        { name: 'update_thresholds', input: { hr_max: 158 }, ok: true },
        { name: 'send_coaching_message', input: { text: coaching }, ok: true },
      ],
    });
    expect(analysis.detail).toMatch(/ended its turn after 2 requests and 2 tool calls/);
    expect(analysis.tool_calls[0].result).toContain('"hr_max":158');

    // The tools acted through the same services as REST and MCP.
    const st = await status(running.baseUrl, id);
    expect(st.thresholds).toMatchObject({ hr_max: 158 });
    expect(st.thresholds_updated_by).toBe('analysis');
    expect(st.analysis).toMatchObject({ runs: 1, errors: 0, last_result: 'completed' });
    expect(telegram.messages.filter((m) => m.text === coaching)).toEqual([expect.objectContaining({ chat_id: '42' })]);

    // What went over the wire.
    const [first, second] = fake.requestsFor(id);
    expect(fake.requestsFor(id)).toHaveLength(2);
    expect(first).toMatchObject({ method: 'POST', path: '/v1/messages', keyOk: true, auth: expect.any(String), status: 200 });
    expect(first.headers['anthropic-version']).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(first.headers['content-type']).toContain('application/json');
    const body = first.body as MessagesBody;
    expect(body).toMatchObject({ model: 'claude-sonnet-5-5', max_tokens: 1024 });
    expect(body.tool_choice).toBeUndefined();
    expect(body.system).toEqual(expect.stringContaining('coach'));
    expect(body.system).toEqual(expect.stringMatching(/at most one message per cycle/));
    expect(body.tools!.map((t) => t.name)).toEqual(['update_thresholds', 'send_coaching_message']);
    for (const tool of body.tools!) {
      expect(tool.input_schema.type).toBe('object');
      expect(tool.description).toEqual(expect.any(String));
      expect(Object.keys(tool.input_schema.properties as object)).not.toContain('session_id');
    }
    expect(Object.keys(body.tools![0].input_schema.properties as object)).toEqual(expect.arrayContaining(['hr_max', 'run_hr_max', 'power_max']));
    expect(Object.keys(body.tools![1].input_schema.properties as object)).toEqual(expect.arrayContaining(['text']));
    // The same prompt the claude-runner gets, as the first user turn.
    expect(body.messages).toHaveLength(1);
    expect(body.messages[0]).toMatchObject({ role: 'user', content: expect.stringContaining(`Session id: ${id}`) });
    expect(body.messages[0].content).toContain('- Race: E2E Anthropic Fondo (bike)');
    expect(body.messages[0].content).toContain('- Bike: hr_max 150');

    // The second request answers both tool calls in one user turn, by id, with no error.
    const uses = (second.body!.messages[1].content as any[]).filter((b) => b.type === 'tool_use');
    const results = toolResults(second.body);
    expect(second.body!.messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
    expect(results.map((r) => r.tool_use_id)).toEqual(uses.map((u) => u.id));
    expect(results.every((r) => r.is_error === undefined)).toBe(true);
    expect(results[0].content).toContain('"hr_max":158');
    expect(results[1].content).toMatch(/sent to Telegram chat 42/);

    const summary = await json(await fetch(`${running.baseUrl}/sessions/${id}/summary`));
    expect(summary.analyses).toMatchObject({ cycles: 1, tool_calls: 2, input_tokens: 2600, output_tokens: 140 });
    await stop(id);
  });

  it("shows each cycle in the dashboard timeline: folded, its text and tool calls one click away", async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    const id = await race();
    const said = 'Power steady at 205 W, HR 148 under the cap: on plan, nothing to change.';
    fake.scriptSession(id, useTools(toolUse('update_thresholds', { power_max: 260 })), endTurn(said, { input_tokens: 900, output_tokens: 40 }));
    await analysisOf(id, await trigger(id));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`${running.baseUrl}/dashboard/${id}`);
      const entry = page.locator('#timeline details.analysis');
      await entry.first().waitFor({ timeout: 10000 });
      expect(await entry.count()).toBe(1);
      expect(await entry.locator('summary').innerText()).toMatch(/^Analysis completed · 1 tool call · \d+ tokens$/);
      // Collapsed: the text is there but hidden until the coach opens it.
      const body = entry.locator('.analysis-text');
      expect(await body.isVisible()).toBe(false);
      await entry.locator('summary').click();
      expect(await body.innerText()).toBe(said);
      expect(await entry.locator('.tool-calls li').innerText()).toBe('✓ update_thresholds {"power_max":260}');
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
    }
    await stop(id);
  });

  it('answers a tool call with bad input as an is_error tool_result, and the cycle goes on', async () => {
    const id = await race();
    let correction: MessagesBody | null = null;
    fake.scriptSession(
      id,
      useTools(toolUse('update_thresholds', { hr_max: 'very high', session_id: 'other' })),
      (body) => {
        correction = body;
        return useTools(toolUse('update_thresholds', { hr_max: 155 }));
      },
      endTurn('Corrected the cap to 155.'),
    );
    const analysis = await analysisOf(id, await trigger(id));

    const [bad] = toolResults(correction);
    expect(bad).toMatchObject({ type: 'tool_result', is_error: true });
    expect(bad.content).toMatch(/^invalid input: /);
    expect(bad.content).toMatch(/hr_max/);
    expect(bad.content).toMatch(/session_id/); // not one of this tool's fields here
    expect(analysis).toMatchObject({
      outcome: 'completed', text: 'Corrected the cap to 155.',
      tool_calls: [{ name: 'update_thresholds', ok: false }, { name: 'update_thresholds', input: { hr_max: 155 }, ok: true }],
    });
    expect(analysis.tool_calls[0].result).toMatch(/^invalid input: /);
    expect(toolResults(fake.requestsFor(id)[2].body)[0].is_error).toBeUndefined();
    expect((await status(running.baseUrl, id)).thresholds.hr_max).toBe(155);
    await stop(id);
  });

  it("retries 529 and 429 by the SDK's own settings, then counts an API that stays overloaded as an error", async () => {
    const id = await race();
    fake.scriptSession(id, overloaded(), endTurn('All good after the retry.'));
    const ok = await analysisOf(id, await trigger(id));
    expect(ok).toMatchObject({ outcome: 'completed', text: 'All good after the retry.' });
    let requests = fake.requestsFor(id);
    expect(requests.map((r) => r.status)).toEqual([529, 200]);
    expect(requests[1].headers['x-stainless-retry-count']).toBe('1');
    expect(requests[1].at - requests[0].answeredAt!).toBeLessThan(1500); // retry-after-ms honoured

    fake.scriptSession(id, rateLimited(), endTurn('Fine.'));
    expect(await analysisOf(id, await trigger(id))).toMatchObject({ outcome: 'completed' });

    fake.scriptSession(id, overloaded(), overloaded(), overloaded());
    const failed = await analysisOf(id, await trigger(id));
    requests = fake.requestsFor(id);
    expect(requests.slice(-3).map((r) => r.status)).toEqual([529, 529, 529]);
    expect(failed).toMatchObject({ outcome: 'error', text: null, tool_calls: [], input_tokens: 0, output_tokens: 0 });
    expect(failed.detail).toBe('Anthropic API overloaded (529 overloaded_error) after 2 retries: Overloaded');
    expect((await status(running.baseUrl, id)).analysis).toMatchObject({ runs: 3, errors: 1, last_result: 'error' });
    await stop(id);
  });

  it('ends as error with a clear message when the API refuses the key (401), and the key shows nowhere', async () => {
    const id = await race();
    fake.apiKey = 'sk-ant-some-other-key';
    try {
      const analysis = await analysisOf(id, await trigger(id));
      expect(analysis).toMatchObject({ outcome: 'error', tool_calls: [], input_tokens: 0 });
      expect(analysis.detail).toBe('Anthropic API refused the API key (401 authentication_error): invalid x-api-key; check ANTHROPIC_API_KEY');
      // A 401 is not retried.
      expect(fake.requestsFor(id).map((r) => ({ status: r.status, keyOk: r.keyOk }))).toEqual([{ status: 401, keyOk: false }]);
    } finally {
      fake.apiKey = KEY;
    }
    for (const path of [`/sessions/${id}/analyses`, `/sessions/${id}`, `/sessions/${id}/summary`, '/health', '/sessions']) {
      const body = await (await fetch(`${running.baseUrl}${path}`)).text();
      expect({ path, leaked: body.includes(KEY) }).toEqual({ path, leaked: false });
    }
    expect(logs.some((l) => l.includes('refused the API key'))).toBe(true);
    expect(logs.filter((l) => l.includes(KEY))).toEqual([]);
    await stop(id);
  });

  it('ends a cycle against a hanging API as timeout at ANALYSIS_TIMEOUT_S, while polling goes on', async () => {
    const id = await race();
    fake.scriptSession(id, hang());
    const jobId = await trigger(id);
    // Points keep being stored while the API hangs.
    await waitFor(() => fake.requestsFor(id).length === 1, 5000, 'the request to hang');
    sim.release(id, 30);
    await waitForExactly(running.baseUrl, sim, id);
    const analysis = await analysisOf(id, jobId);
    expect(analysis.outcome).toBe('timeout');
    expect(analysis.detail).toMatch(/did not finish within ANALYSIS_TIMEOUT_S=2 s/);
    expect(analysis.duration_ms).toBeGreaterThanOrEqual(1900);
    expect(analysis.duration_ms).toBeLessThan(4000);
    expect(fake.requestsFor(id)[0].status).toBeNull(); // never answered

    // The next cycle is unaffected.
    fake.scriptSession(id, endTurn('Back to normal.'));
    expect(await analysisOf(id, await trigger(id))).toMatchObject({ outcome: 'completed', text: 'Back to normal.' });
    expect(await status(running.baseUrl, id)).toMatchObject({ active: true, poll_errors: 0 });
    await stop(id);
  });

  describe('token guard', () => {
    let guarded: RunningApp;
    beforeAll(async () => {
      guarded = await startApp({
        DB_PATH: join(tmp.dir, 'guard.db'), ...simulatorEnv(sim),
        ANALYSIS_BACKEND: 'anthropic', ANTHROPIC_API_KEY: KEY, ANTHROPIC_BASE_URL: fake.origin,
        ANALYSIS_MAX_TOKENS_PER_RACE: '4000',
        TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_CHAT_ID: '42', TELEGRAM_API_BASE: telegram.origin,
      });
    });
    afterAll(() => guarded?.close());

    it('stops the tool loop before a request that would pass the budget, then stops cycles for the race', async () => {
      const s = sim.addSession({ race: generateSingleSport({ seed: seed++, start: START, sport: 'bike', durationMin: 20 }), postTrackPointFrequency: 1 });
      const id = s.sessionId;
      // Cycle 1 spends 3100 and would need ~3100 more for its second request; cycle 2 spends 1550,
      // passing the 4000; from then on the race gets no cycle.
      fake.scriptSession(
        id,
        reply('tool_use', [toolUse('update_thresholds', { hr_max: 160 })], { input_tokens: 3000, output_tokens: 100 }),
        endTurn('Short one.', { input_tokens: 1500, output_tokens: 50 }),
      );
      await startTracking(guarded.baseUrl, sim.shareUrl(id), { race_type: 'bike', analyze_interval_secs: 1, min_elapsed_min: 600 });
      sim.release(id, 30);

      const done = await waitFor(async () => {
        const h = await history(id, guarded.baseUrl);
        return h.analyses.some((a: any) => /token budget reached/.test(a.detail)) ? h : null;
      }, 15000, 'the budget to stop cycles');
      const [third, second, first] = done.analyses;
      expect(done.total).toBe(3);
      expect(first).toMatchObject({ outcome: 'error', input_tokens: 3000, output_tokens: 100, tool_calls: [{ name: 'update_thresholds', ok: true }] });
      expect(first.detail).toMatch(/^token budget: stopped before request 2, which would take about \d+ input tokens with 900 of this race's budget left/);
      expect(second).toMatchObject({ outcome: 'completed', input_tokens: 1500, output_tokens: 50 });
      expect(third).toMatchObject({ outcome: 'error', input_tokens: 0, output_tokens: 0 });
      expect(third.detail).toMatch(/token budget reached: this race has spent 4650 of ANALYSIS_MAX_TOKENS_PER_RACE=4000/);
      expect(fake.requestsFor(id)).toHaveLength(2);

      // Several intervals later: no request reached the API, no cycle ran.
      await new Promise((r) => setTimeout(r, 3000));
      expect(fake.requestsFor(id)).toHaveLength(2);
      expect((await history(id, guarded.baseUrl)).total).toBe(3);
      expect((await status(guarded.baseUrl, id)).thresholds.hr_max).toBe(160);
      await postJson(`${guarded.baseUrl}/sessions/${id}/stop`, {});
    });
  });

  describe('ANALYSIS_BACKEND=off', () => {
    let off: RunningApp;
    let runner: FakeRunner;
    beforeAll(async () => {
      runner = new FakeRunner();
      await runner.start();
      off = await startApp({
        DB_PATH: join(tmp.dir, 'off.db'), ...simulatorEnv(sim),
        ANALYSIS_BACKEND: 'off', ANTHROPIC_BASE_URL: fake.origin, CLAUDE_RUNNER_URL: runner.origin,
      });
    });
    afterAll(async () => {
      await off?.close();
      await runner?.stop();
    });

    it('makes no outside call over several analyze intervals, and refuses a trigger with 409', async () => {
      const before = fake.requests.length;
      const s = sim.addSession({ race: generateSingleSport({ seed: seed++, start: START, sport: 'run', durationMin: 10 }), postTrackPointFrequency: 1 });
      await startTracking(off.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', analyze_interval_secs: 1, min_elapsed_min: 600 });
      sim.release(s.sessionId, 30);
      await waitForExactly(off.baseUrl, sim, s.sessionId);
      await new Promise((r) => setTimeout(r, 3500));

      expect(fake.requests.length).toBe(before);
      expect(runner.requests).toHaveLength(0);
      const res = await postJson(`${off.baseUrl}/sessions/${s.sessionId}/analysis`, {});
      expect(res.status).toBe(409);
      expect((await json(res)).message).toMatch(/ANALYSIS_BACKEND=off/);
      expect((await history(s.sessionId, off.baseUrl)).total).toBe(0);
      expect((await status(off.baseUrl, s.sessionId)).analysis).toMatchObject({ runs: 0, errors: 0 });
      expect(fake.requests.length).toBe(before);
      await postJson(`${off.baseUrl}/sessions/${s.sessionId}/stop`, {});
    });
  });

  it('refuses to boot with ANALYSIS_BACKEND=anthropic and no ANTHROPIC_API_KEY, in one line naming it', () => {
    let caught: unknown;
    try {
      parseEnv({ ANALYSIS_BACKEND: 'anthropic' });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).variable).toBe('ANTHROPIC_API_KEY');
    expect((caught as ConfigError).message).toMatch(/^ANTHROPIC_API_KEY /);
    expect((caught as ConfigError).message).not.toContain('\n');
    expect(() => parseEnv({ ANALYSIS_BACKEND: 'anthropic', ANTHROPIC_API_KEY: KEY })).not.toThrow();
  });
});
