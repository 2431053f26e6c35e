import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateTriathlon, LiveTrackSimulator } from '../src/simulator';
import { METRICS, SPANS } from '../src/telemetry/metrics';
import { FakeOtlpCollector } from './support/fake-otlp';
import { FakeRunner } from './support/fake-runner';
import { FakeTelegram } from './support/fake-telegram';
import { json, ServerProcess, spawnServer, startServerProcess, tempDir, waitFor } from './support/app';
import { simulatorEnv, startTracking, waitForExactly } from './support/tracking';

const START = new Date(Date.UTC(2026, 5, 1, 7, 0, 0));
const BOT_TOKEN = '987654:OPS-secret-bot-token';
const VERSION = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')).version;

async function mcpClient(baseUrl: string): Promise<Client> {
  const client = new Client({ name: 'ops-e2e', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${baseUrl}/mcp`)));
  return client;
}

function shareToken(url: string): string {
  const token = /\/token\/([^/?#]+)/.exec(url)?.[1];
  if (!token) throw new Error(`no token in ${url}`);
  return token;
}

/** Resolves true if the process exits within `ms`, false otherwise (without waiting longer). */
function exitsWithin(server: { exited: Promise<number | string> }, ms: number): Promise<boolean> {
  return Promise.race([server.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms))]);
}

describe('operations: telemetry, logs and shutdown (server as a child process)', () => {
  const tmp = tempDir();
  let sim: LiveTrackSimulator;
  let collector: FakeOtlpCollector;
  let runner: FakeRunner;
  let telegram: FakeTelegram;
  const servers: ServerProcess[] = [];

  beforeAll(async () => {
    sim = new LiveTrackSimulator({ seed: 31 });
    await sim.start();
    runner = new FakeRunner();
    await runner.start();
    telegram = new FakeTelegram(BOT_TOKEN, ['42']);
    await telegram.start();
  });
  beforeEach(async () => {
    collector = new FakeOtlpCollector();
    await collector.start();
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) {
      s.child.kill('SIGKILL');
      await s.exited;
    }
    await collector.stop();
  });
  afterAll(async () => {
    await sim?.stop();
    await runner?.stop();
    await telegram?.stop();
    tmp.cleanup();
  });

  async function boot(name: string, env: Record<string, string>): Promise<ServerProcess> {
    const server = await startServerProcess({
      DB_PATH: join(tmp.dir, `${name}.db`),
      LOG_LEVEL: 'warn',
      CLAUDE_RUNNER_URL: runner.origin,
      TELEGRAM_BOT_TOKEN: BOT_TOKEN,
      TELEGRAM_CHAT_ID: '42',
      TELEGRAM_API_BASE: telegram.origin,
      ...simulatorEnv(sim),
      ...env,
    });
    servers.push(server);
    return server;
  }

  it('with OTEL_EXPORTER_OTLP_ENDPOINT: traces and metrics of requests, polls, Garmin calls, analysis, Telegram and MCP tools arrive, tokens redacted, flushed at SIGTERM', async () => {
    const server = await boot('otel', { OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_METRIC_EXPORT_INTERVAL: '500' });
    const race = generateTriathlon({ seed: 7, start: START, pointIntervalS: 10, scale: 0.1 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(server.baseUrl, sim.shareUrl(s.sessionId), { min_elapsed_min: 600, analyze_interval_secs: 3600 });
    sim.release(s.sessionId, 40);
    await waitForExactly(server.baseUrl, sim, s.sessionId);

    const client = await mcpClient(server.baseUrl);
    try {
      const status = (await client.callTool({ name: 'get_tracking_status', arguments: {} })) as CallToolResult;
      expect(status.isError).toBeFalsy();
      const missing = (await client.callTool({ name: 'get_tracking_status', arguments: { session_id: 'no-such-session' } })) as CallToolResult;
      expect(missing.isError).toBe(true);
      const sent = (await client.callTool({ name: 'send_coaching_message', arguments: { text: 'Ease off to 150 W' } })) as CallToolResult;
      expect(sent.isError).toBeFalsy();
      const analysis = (await client.callTool({ name: 'trigger_analysis', arguments: {} })) as CallToolResult;
      expect(analysis.isError).toBeFalsy();
    } finally {
      await client.close();
    }
    await waitFor(() => runner.requests.some((r) => r.status === 200), 15000, 'the analysis to reach the runner');

    // Metrics: exported every 500 ms, cumulative.
    const metricsArrived = await waitFor(() => {
      const names = new Set(collector.metricPoints().map((p) => p.name));
      const wanted = [METRICS.polls, METRICS.pointsIngested, METRICS.pollDuration, METRICS.activeSessions, METRICS.analysisRuns, METRICS.toolCalls].map((m) => m.name);
      return wanted.every((n) => names.has(n)) && collector.metricPoints().some((p) => p.name === METRICS.analysisRuns.name) ? names : null;
    }, 20000, 'the app metrics at the fake collector');
    expect(metricsArrived.has('http.server.duration') || metricsArrived.has('http.server.request.duration')).toBe(true);

    const points = collector.metricPoints();
    const latest = (name: string, attrs: Record<string, unknown> = {}) =>
      points.filter((p) => p.name === name && Object.entries(attrs).every(([k, v]) => p.attributes[k] === v)).at(-1)?.value;
    expect(latest(METRICS.polls.name, { outcome: 'ok' })).toBeGreaterThan(0);
    expect(latest(METRICS.pointsIngested.name)).toBe(40);
    expect(latest(METRICS.pollDuration.name, { outcome: 'ok' })).toBeGreaterThan(0); // histogram count
    expect(latest(METRICS.activeSessions.name)).toBe(1);
    expect(latest(METRICS.analysisRuns.name, { outcome: 'sent' })).toBe(1);
    expect(latest(METRICS.toolCalls.name, { tool: 'get_tracking_status', outcome: 'ok' })).toBe(1);
    expect(latest(METRICS.toolCalls.name, { tool: 'get_tracking_status', outcome: 'error' })).toBe(1);
    expect(latest(METRICS.toolCalls.name, { tool: 'send_coaching_message', outcome: 'ok' })).toBe(1);
    expect(points.find((p) => p.name === METRICS.polls.name)!.resource).toMatchObject({ 'service.name': 'livetrack-mcp', 'service.version': VERSION });

    // Traces: batched (5 s by default).
    await waitFor(() => {
      const names = new Set(collector.spans().map((sp) => sp.name));
      return [SPANS.poll, SPANS.garminCall, SPANS.analysis, SPANS.telegramSend, `${SPANS.toolCall} send_coaching_message`].every((n) => names.has(n));
    }, 20000, 'poll, Garmin, analysis, Telegram and tool spans at the fake collector');
    const spans = collector.spans();
    const poll = spans.find((sp) => sp.name === SPANS.poll && sp.attributes['livetrack.outcome'] === 'ok')!;
    expect(poll.attributes['livetrack.session_id']).toBe(s.sessionId);
    // Each poll is the root of its own trace (not a child of the request that started tracking).
    expect(poll.parentSpanId).toBeUndefined();
    expect(poll.resource).toMatchObject({ 'service.name': 'livetrack-mcp', 'service.version': VERSION });
    const garmin = spans.filter((sp) => sp.name === SPANS.garminCall && sp.traceId === poll.traceId);
    expect(garmin.map((sp) => sp.attributes['garmin.call'])).toContain('track_points');
    for (const call of garmin) {
      expect(call.parentSpanId).toBe(poll.spanId);
      expect(call.attributes['http.response.status_code']).toBe(200);
    }
    // Incoming HTTP requests (Nest's handler spans and the http server spans).
    expect(spans.some((sp) => sp.kind === 2 && /POST/.test(sp.name))).toBe(true);
    const tool = spans.find((sp) => sp.name === `${SPANS.toolCall} send_coaching_message`)!;
    const send = spans.find((sp) => sp.name === SPANS.telegramSend)!;
    expect(send.traceId).toBe(tool.traceId);
    const failedTool = spans.find((sp) => sp.name === `${SPANS.toolCall} get_tracking_status` && sp.attributes['livetrack.outcome'] === 'error');
    expect(failedTool?.status.code).toBe(2);
    expect(spans.find((sp) => sp.name === SPANS.analysis)!.attributes).toMatchObject({ 'livetrack.outcome': 'sent', 'livetrack.session_id': s.sessionId });
    // The outgoing HTTP spans exist (so URLs were recorded) …
    expect(spans.some((sp) => String(sp.attributes['url.full'] ?? sp.attributes['http.url'] ?? '').includes('/token/***'))).toBe(true);
    expect(spans.some((sp) => String(sp.attributes['url.full'] ?? sp.attributes['http.url'] ?? '').includes('/bot***/sendMessage'))).toBe(true);
    // … and no export anywhere carries the share token or the bot token.
    const everything = JSON.stringify(collector.requests);
    expect(everything).not.toContain(shareToken(sim.shareUrl(s.sessionId)));
    expect(everything).not.toContain(BOT_TOKEN);
    // Probes are not traced.
    expect(spans.some((sp) => JSON.stringify(sp.attributes).includes('/health/live'))).toBe(false);

    // A request just before SIGTERM: its spans go out with the shutdown flush.
    expect((await fetch(`${server.baseUrl}/sessions/flush-probe`)).status).toBe(404);
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(JSON.stringify(collector.spans().map((sp) => sp.attributes))).toContain('/sessions/flush-probe');
  });

  it('without OTEL_EXPORTER_OTLP_ENDPOINT nothing is sent, even with signal-specific OTLP variables set', async () => {
    const server = await boot('no-otel', {
      // An SDK loaded by mistake would export here; the service must not load one at all.
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${collector.endpoint}/v1/traces`,
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${collector.endpoint}/v1/metrics`,
      OTEL_METRIC_EXPORT_INTERVAL: '200',
      OTEL_BSP_SCHEDULE_DELAY: '200',
    });
    const race = generateTriathlon({ seed: 8, start: START, pointIntervalS: 10, scale: 0.1 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(server.baseUrl, sim.shareUrl(s.sessionId), { min_elapsed_min: 600, analyze_interval_secs: 3600 });
    sim.release(s.sessionId, 20);
    await waitForExactly(server.baseUrl, sim, s.sessionId);
    const health = await json(await fetch(`${server.baseUrl}/health`));
    expect(health.details.integrations.telemetry).toMatchObject({ enabled: false });
    // Several export intervals' worth of activity, then a shutdown (which would flush).
    await new Promise((r) => setTimeout(r, 1000));
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    expect(collector.requests).toEqual([]);
  });

  it('LOG_LEVEL=debug: every output line is one JSON object with time, level and msg; session lines carry sessionId', async () => {
    const server = await boot('debug-logs', { LOG_LEVEL: 'debug' });
    const race = generateTriathlon({ seed: 9, start: START, pointIntervalS: 10, scale: 0.1 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(server.baseUrl, sim.shareUrl(s.sessionId), { min_elapsed_min: 600, analyze_interval_secs: 3600 });
    sim.release(s.sessionId, 10);
    await waitForExactly(server.baseUrl, sim, s.sessionId);
    await waitFor(() => server.output().includes('"poll ok"'), 10000, 'a debug poll line');
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);

    const lines = server.output().split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(5);
    const entries = lines.map((line) => {
      try {
        return JSON.parse(line);
      } catch {
        throw new Error(`not a JSON line: ${line}`);
      }
    });
    const levels = new Set(['fatal', 'error', 'warn', 'info', 'debug', 'trace']);
    for (const entry of entries) {
      expect(typeof entry).toBe('object');
      expect(levels.has(entry.level)).toBe(true);
      expect(typeof entry.msg).toBe('string');
      expect(Number.isNaN(Date.parse(entry.time))).toBe(false);
    }
    const polls = entries.filter((e) => e.level === 'debug' && e.msg === 'poll ok');
    expect(polls.length).toBeGreaterThan(0);
    expect(polls[0]).toMatchObject({ context: 'Tracker', sessionId: s.sessionId });
    expect(entries.some((e) => e.msg === 'livetrack-mcp listening' && e.telemetry === false)).toBe(true);
    expect(entries.some((e) => e.msg === 'shutdown complete')).toBe(true);
    // The share token never reaches a log line.
    expect(server.output()).not.toContain(shareToken(sim.shareUrl(s.sessionId)));
  });

  it('LOG_FORMAT=pretty: human-readable lines instead of JSON', async () => {
    const server = await boot('pretty', { LOG_LEVEL: 'info', LOG_FORMAT: 'pretty' });
    server.child.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const listening = server.output().split('\n').find((l) => l.includes('livetrack-mcp listening'));
    expect(listening).toMatch(/^\d{4}-\d\d-\d\dT\S+Z INFO +\[Bootstrap\] livetrack-mcp listening \{/);
    expect(() => JSON.parse(listening!)).toThrow();
  });

  it('SIGTERM with a Garmin call hanging: stops accepting at once, aborts the poll within the bound, exits 0 within 10 s', async () => {
    const server = await boot('hang', { LIVETRACK_REQUEST_TIMEOUT_MS: '60000' });
    const race = generateTriathlon({ seed: 10, start: START, pointIntervalS: 10, scale: 0.1 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    await startTracking(server.baseUrl, sim.shareUrl(s.sessionId), { min_elapsed_min: 600, analyze_interval_secs: 3600 });
    sim.release(s.sessionId, 10);
    await waitForExactly(server.baseUrl, sim, s.sessionId);
    // Every next points request hangs for a minute: a poll is stuck in flight.
    sim.injectFaults(['slow', 'slow', 'slow'], { sessionId: s.sessionId, path: 'points', slowMs: 60_000 });
    await waitFor(() => sim.stats(s.sessionId).pendingFaults < 3, 10000, 'a points request to hang');
    // An MCP client holding an SSE stream open (as Claude does) must not hold shutdown either.
    const client = new Client({ name: 'ops-e2e-sse', version: '1.0.0' });
    await client.connect(new SSEClientTransport(new URL(`${server.baseUrl}/sse`)));

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    // New connections are refused while the process is still finishing its in-flight poll.
    await waitFor(async () => {
      try {
        await fetch(`${server.baseUrl}/health/live`);
        return false;
      } catch (error) {
        return /ECONNREFUSED/.test(String((error as { cause?: unknown }).cause ?? error));
      }
    }, 3000, 'the listener to close');
    // … and the process is still there, waiting (bounded) for the stuck poll.
    expect(await exitsWithin(server, 0)).toBe(false);
    expect(await server.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(10000);
    expect(server.output()).not.toContain('shutdown exceeded');
    await client.close().catch(() => undefined);
  });

  it('SIGINT (Ctrl-C) shuts down cleanly with exit 0', async () => {
    const server = await boot('sigint', { LOG_LEVEL: 'info' });
    server.child.kill('SIGINT');
    expect(await server.exited).toBe(0);
    expect(server.output()).toContain('SIGINT received');
    expect(server.output()).toContain('shutdown complete');
  });

  it('a bad OTEL_METRIC_EXPORT_INTERVAL stops the boot with exit 1 and one line naming it', async () => {
    const bad = spawnServer({ DB_PATH: join(tmp.dir, 'bad.db'), OTEL_EXPORTER_OTLP_ENDPOINT: collector.endpoint, OTEL_METRIC_EXPORT_INTERVAL: 'soon' });
    expect(await bad.exited).toBe(1);
    expect(bad.output().trim()).toMatch(/^Invalid configuration: OTEL_METRIC_EXPORT_INTERVAL must be/);
    expect(collector.requests).toEqual([]);
  });
});
