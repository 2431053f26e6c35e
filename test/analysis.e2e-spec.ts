import { join } from 'node:path';
import { generateSingleSport, LiveTrackSimulator } from '../src/simulator';
import { json, postJson, RunningApp, startApp, tempDir, waitFor } from './support/app';
import { FakeRunner, RunnerRequest } from './support/fake-runner';
import { FakeTelegram } from './support/fake-telegram';
import { simulatorEnv, startTracking, status, storedPoints, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const WORKSPACE = '/srv/coach-workspace';

describe('analysis: prompts to the Claude runner, and POST /control', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let runner: FakeRunner;
  let telegram: FakeTelegram;
  let running: RunningApp;

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 31 });
    await sim.start();
    runner = new FakeRunner();
    await runner.start();
    telegram = new FakeTelegram();
    await telegram.start();
    running = await startApp({
      DB_PATH: join(tmp.dir, 'analysis.db'),
      ...simulatorEnv(sim),
      CLAUDE_RUNNER_URL: runner.origin,
      CLAUDE_WORKSPACE: WORKSPACE,
      TELEGRAM_BOT_TOKEN: telegram.token,
      TELEGRAM_CHAT_ID: '42',
      TELEGRAM_API_BASE: telegram.origin,
    });
  });
  afterAll(async () => {
    await running?.close();
    await runner?.stop();
    await telegram?.stop();
    await sim?.stop();
    tmp.cleanup();
  });

  const promptsFor = (sessionId: string): RunnerRequest[] => runner.requests.filter((r) => r.prompt.includes(`Session id: ${sessionId}`));
  const stop = (sessionId: string) => postJson(`${running.baseUrl}/sessions/${sessionId}/stop`, {});

  it('sends the runner a prompt with the real figures of the window, the workspace and how to act', async () => {
    const race = generateSingleSport({ seed: 5, start: START, sport: 'bike', durationMin: 20 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), {
      race_type: 'bike', race_name: 'E2E Gran Fondo', hr_max: 150, power_max: 240,
      analyze_interval_secs: 1, analyze_window_min: 5, min_elapsed_min: 600,
    });
    sim.release(s.sessionId, 120);
    const all = await waitForExactly(running.baseUrl, sim, s.sessionId);
    const lastIso = all[all.length - 1].time.replace(/\.000Z$/, 'Z');

    const request = await waitFor(
      () => promptsFor(s.sessionId).find((r) => r.prompt.includes(`Last data point: ${lastIso}`)),
      10000, 'a prompt covering every released point',
    );
    const window = (await json(await fetch(`${running.baseUrl}/sessions/${s.sessionId}/points?minutes=5`))).points as any[];
    const hr = window.map((p) => p.heart_rate).filter((v): v is number => v !== null);
    const power = window.map((p) => p.power).filter((v): v is number => v !== null);
    const { prompt } = request;

    expect(request.workspace).toBe(WORKSPACE);
    expect(prompt).toContain('- Race: E2E Gran Fondo (bike)');
    expect(prompt).toContain('- Current leg: bike');
    expect(prompt).toContain(`- Distance so far: ${(all[all.length - 1].distance_m / 1000).toFixed(2)} km`);
    expect(prompt).toContain(`- Elapsed race time: ${Math.floor(all[all.length - 1].duration_s / 60)}:`);
    expect(prompt).toContain(`- Heart rate (bpm): avg `);
    expect(prompt).toContain(`min ${Math.min(...hr)}, max ${Math.max(...hr)}, last ${hr[hr.length - 1]}; trend vs previous window: `);
    expect(prompt).toContain(`- Power (W): avg `);
    expect(prompt).toContain(`min ${Math.min(...power)}, max ${Math.max(...power)}, last ${power[power.length - 1]}; `);
    expect(prompt).toMatch(/- Time outside thresholds: hr_max 150: \d+ s above; power_max 240: \d+ s above/);
    expect(prompt).toContain('- Bike: hr_max 150, hr_min not set, power_max 240');
    // Instructions carry this server's real address (the port it listens on) and the session id.
    expect(prompt).toContain(`curl -s -X POST ${running.baseUrl}/control -H 'Content-Type: application/json' -d '{"session_id":"${s.sessionId}","hr_max":150}'`);
    expect(prompt).toContain('send_coaching_message');
    expect(prompt).not.toContain(s.token);

    const st = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.analysis.runs >= 1 && x.analysis.last_result === 'sent' ? x : null;
    }, 5000, 'analysis recorded on the session');
    expect(st.analysis.errors).toBe(0);
    expect(Date.parse(st.analysis.last_at)).toBeGreaterThan(0);
    await stop(s.sessionId);
  });

  it('counts a cycle with the runner down (and one answering 500), then succeeds on the next cycle, polling untouched', async () => {
    const race = generateSingleSport({ seed: 6, start: START, sport: 'run', durationMin: 20 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', analyze_interval_secs: 1, min_elapsed_min: 600 });
    sim.release(s.sessionId, 30);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    await waitFor(async () => (await status(running.baseUrl, s.sessionId)).analysis.last_result === 'sent', 5000, 'a first analysis');

    await runner.down();
    const down = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.analysis.last_result === 'runner_down' ? x : null;
    }, 5000, 'runner_down recorded');
    expect(down.analysis.errors).toBeGreaterThanOrEqual(1);
    // Tracking goes on while the runner is down.
    sim.release(s.sessionId, 30);
    await waitForExactly(running.baseUrl, sim, s.sessionId);

    runner.mode = '500';
    await runner.up();
    const failed = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.analysis.last_result === 'error' ? x : null;
    }, 5000, 'runner error recorded');
    expect(failed.analysis.errors).toBeGreaterThan(down.analysis.errors);

    runner.mode = 'ok';
    const before = promptsFor(s.sessionId).length;
    const back = await waitFor(async () => {
      const x = await status(running.baseUrl, s.sessionId);
      return x.analysis.last_result === 'sent' && x.analysis.runs > failed.analysis.runs ? x : null;
    }, 5000, 'the next cycle to succeed');
    expect(promptsFor(s.sessionId).length).toBeGreaterThan(before);
    expect(back.analysis.errors).toBe(failed.analysis.errors);
    expect(back).toMatchObject({ active: true, poll_errors: 0 });
    await stop(s.sessionId);

    // Every cycle is in the history, newest first, with the runner's own outcome and why.
    const history = await json(await fetch(`${running.baseUrl}/sessions/${s.sessionId}/analyses?limit=100`));
    expect(history.total).toBe(history.analyses.length);
    expect(history.total).toBeGreaterThanOrEqual(back.analysis.runs);
    const outcomes: string[] = history.analyses.map((a: any) => a.outcome);
    const starts = history.analyses.map((a: any) => Date.parse(a.started_at));
    expect(starts).toEqual([...starts].sort((a, b) => b - a));
    expect(outcomes[outcomes.length - 1]).toBe('sent'); // the oldest
    expect(outcomes).toEqual(expect.arrayContaining(['sent', 'runner_down', 'error']));
    const down1 = history.analyses.find((a: any) => a.outcome === 'runner_down');
    expect(down1).toMatchObject({ backend: 'claude-runner', origin: 'schedule', text: null, tool_calls: [], input_tokens: 0, output_tokens: 0 });
    expect(down1.detail).toMatch(/cannot reach the runner|did not answer/);
    expect(history.analyses.find((a: any) => a.outcome === 'error').detail).toMatch(/runner answered HTTP 500/);
    // Pages: limit and offset walk the same list.
    const page2 = await json(await fetch(`${running.baseUrl}/sessions/${s.sessionId}/analyses?limit=1&offset=1`));
    expect(page2).toMatchObject({ total: history.total, limit: 1, offset: 1 });
    expect(page2.analyses.map((a: any) => a.job_id)).toEqual([history.analyses[1].job_id]);
    const bad = await fetch(`${running.baseUrl}/sessions/${s.sessionId}/analyses?limit=0&offset=x`);
    expect(bad.status).toBe(400);
    expect((await json(bad)).fields).toEqual(expect.arrayContaining(['limit', 'offset']));
    expect((await fetch(`${running.baseUrl}/sessions/no-such-session/analyses`)).status).toBe(404);
    // The summary counts them.
    const summary = await json(await fetch(`${running.baseUrl}/sessions/${s.sessionId}/summary`));
    expect(summary.analyses).toMatchObject({ cycles: history.total, tool_calls: 0, input_tokens: 0, output_tokens: 0 });
    expect(summary.analyses.by_outcome.runner_down).toBe(outcomes.filter((o) => o === 'runner_down').length);
  });

  it('answers a trigger with 202 at once while the runner is slow, and never runs two analyses of a session together', async () => {
    const race = generateSingleSport({ seed: 7, start: START, sport: 'bike', durationMin: 20 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    // The periodic cycle is far away: only triggers run here.
    await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'bike', analyze_interval_secs: 600, min_elapsed_min: 600 });
    sim.release(s.sessionId, 40);
    await waitForExactly(running.baseUrl, sim, s.sessionId);
    runner.mode = 'slow';
    runner.slowMs = 1500;
    try {
      const t0 = Date.now();
      const res = await postJson(`${running.baseUrl}/sessions/${s.sessionId}/analysis`, {});
      const elapsed = Date.now() - t0;
      expect(res.status).toBe(202);
      const first = await json(res);
      expect(first).toMatchObject({ job_id: expect.any(String), session_id: s.sessionId });
      expect(elapsed).toBeLessThan(1000); // the issue asks for "at once"; the runner takes 1.5 s

      // While that run is in flight, triggers queue one more run (shared), never a parallel one.
      const second = await json(await postJson(`${running.baseUrl}/sessions/${s.sessionId}/analysis`, {}));
      const third = await json(await postJson(`${running.baseUrl}/sessions/${s.sessionId}/analysis`, {}));
      expect(second.job_id).not.toBe(first.job_id);
      expect(third.job_id).toBe(second.job_id);

      // Polling carries on while the runner is busy.
      sim.release(s.sessionId, 20);
      await waitForExactly(running.baseUrl, sim, s.sessionId);

      const done = await waitFor(async () => {
        const x = await status(running.baseUrl, s.sessionId);
        return x.analysis.runs === 2 ? x : null;
      }, 8000, 'both runs recorded');
      expect(done.analysis).toMatchObject({ errors: 0, last_result: 'sent' });
      const requests = promptsFor(s.sessionId);
      expect(requests).toHaveLength(2);
      expect(requests[1].at).toBeGreaterThanOrEqual(requests[0].answeredAt!);
    } finally {
      runner.mode = 'ok';
    }

    expect((await postJson(`${running.baseUrl}/sessions/no-such-session/analysis`, {})).status).toBe(404);
    const bad = await postJson(`${running.baseUrl}/sessions/bad%20id!/analysis`, {});
    expect(bad.status).toBe(400);
    expect((await json(bad)).fields).toEqual(['id']);
    await stop(s.sessionId);
  });

  describe('POST /control', () => {
    const control = (body: unknown) => postJson(`${running.baseUrl}/control`, body);

    it('requires session_id (400 naming it, listing the active ids) unless exactly one session is active', async () => {
      const none = await control({ hr_max: 150 });
      expect(none.status).toBe(400);
      expect((await json(none)).fields).toEqual(['session_id']);

      const ids: string[] = [];
      for (const seed of [8, 9]) {
        const s = sim.addSession({ race: generateSingleSport({ seed, start: START, sport: 'bike', durationMin: 5 }), postTrackPointFrequency: 1 });
        await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'bike', analyze_interval_secs: 600, min_elapsed_min: 600 });
        ids.push(s.sessionId);
      }
      const two = await control({ hr_max: 150 });
      const body = await json(two);
      expect(two.status).toBe(400);
      expect(body.fields).toEqual(['session_id']);
      for (const id of ids) expect(body.message).toContain(id);

      await stop(ids[1]);
      const one = await control({ hr_max: 151 });
      expect(one.status).toBe(200);
      expect(await json(one)).toMatchObject({ session_id: ids[0], thresholds: { hr_max: 151 } });
      await stop(ids[0]);
    });

    it('rejects bad types, unknown fields, non-positive values and min > max with 400 naming the field; applies valid ones', async () => {
      const s = sim.addSession({ race: generateSingleSport({ seed: 10, start: START, sport: 'run', durationMin: 5 }), postTrackPointFrequency: 1 });
      await startTracking(running.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', hr_max: 150, analyze_interval_secs: 600, min_elapsed_min: 600 });
      const id = s.sessionId;
      const cases: Array<[Record<string, unknown>, string[]]> = [
        [{ hr_max: 'abc' }, ['hr_max']],
        [{ hr_max: '150' }, ['hr_max']],
        [{ power_max: 250.5 }, ['power_max']],
        [{ vo2_max: 60 }, ['vo2_max']],
        [{ run_hr_max: -5 }, ['run_hr_max']],
        [{ cadence_min: 0 }, ['cadence_min']],
        [{ hr_min: 160, hr_max: 150 }, ['hr_min', 'hr_max']],
        [{ hr_min: 155 }, ['hr_min']], // above the stored hr_max of 150
        [{ run_hr_min: 170, run_hr_max: 160, extra: true }, ['extra']],
      ];
      for (const [update, fields] of cases) {
        const res = await control({ session_id: id, ...update });
        const body = await json(res);
        expect({ update, status: res.status }).toEqual({ update, status: 400 });
        expect(body.fields).toEqual(expect.arrayContaining(fields));
      }
      expect((await control({ session_id: 'unknown-session', hr_max: 150 })).status).toBe(404);
      expect((await status(running.baseUrl, id)).thresholds).toMatchObject({ hr_max: 150, hr_min: null, run_hr_max: null });

      const ok = await control({ session_id: id, run_hr_max: 165, run_hr_min: 120 });
      expect(ok.status).toBe(200);
      const result = await json(ok);
      expect(result).toMatchObject({
        session_id: id, changed: expect.arrayContaining(['run_hr_max', 'run_hr_min']), updated_by: 'rest',
        thresholds: { hr_max: 150, run_hr_max: 165, run_hr_min: 120, power_max: null },
      });
      const st = await status(running.baseUrl, id);
      expect(st.thresholds).toEqual(result.thresholds);
      expect(st).toMatchObject({ thresholds_updated_by: 'rest', thresholds_updated_at: result.updated_at });
      await stop(id);
    });
  });

  it('schedules analysis again for a session resumed at boot, with the new server address', async () => {
    const env = {
      DB_PATH: join(tmp.dir, 'resume.db'), ...simulatorEnv(sim), CLAUDE_RUNNER_URL: runner.origin,
      TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_CHAT_ID: '42', TELEGRAM_API_BASE: telegram.origin,
    };
    const s = sim.addSession({ race: generateSingleSport({ seed: 11, start: START, sport: 'run', durationMin: 10 }), postTrackPointFrequency: 1 });
    let other = await startApp(env);
    try {
      await startTracking(other.baseUrl, sim.shareUrl(s.sessionId), { race_type: 'run', analyze_interval_secs: 1, min_elapsed_min: 600 });
      sim.release(s.sessionId, 20);
      await waitForExactly(other.baseUrl, sim, s.sessionId);
      await waitFor(() => promptsFor(s.sessionId).length > 0, 5000, 'a first prompt');
    } finally {
      await other.close();
    }
    other = await startApp(env); // same database: the session is still active and resumes
    let before: string[] = [];
    try {
      const resumed = await waitFor(() => promptsFor(s.sessionId).find((r) => r.prompt.includes(`${other.baseUrl}/control`)), 8000, 'a prompt from the restarted server');
      expect(resumed.prompt).toContain(`"session_id":"${s.sessionId}"`);
      await postJson(`${other.baseUrl}/sessions/${s.sessionId}/stop`, {});
      // The cycles of the first boot are still in the history (restart-safe).
      before = (await json(await fetch(`${other.baseUrl}/sessions/${s.sessionId}/analyses?limit=100`))).analyses.map((a: any) => a.job_id);
      expect(before.length).toBeGreaterThanOrEqual(2);
    } finally {
      await other.close();
    }
    other = await startApp(env);
    try {
      const after = (await json(await fetch(`${other.baseUrl}/sessions/${s.sessionId}/analyses?limit=100`))).analyses.map((a: any) => a.job_id);
      expect(after.slice(-before.length)).toEqual(before);
    } finally {
      await other.close();
    }
  });

  it('keeps polling and stored points exact whatever the runner does', async () => {
    // Guard against analysis ever interfering with ingestion: all sessions above stored every point.
    const sessions = (await json(await fetch(`${running.baseUrl}/sessions`))).sessions as any[];
    for (const x of sessions) {
      expect(x.poll_errors).toBe(0);
      expect((await storedPoints(running.baseUrl, x.session_id)).length).toBe(sim.released(x.session_id).length);
    }
  });
});
