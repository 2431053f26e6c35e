// mcp: tool-call latency of get_tracking_status on the real app (Nest + @rekog/mcp-nest, Streamable
// HTTP, API key guard in the chain) against a bare @modelcontextprotocol/sdk McpServer on node:http
// (stateful, SDK defaults) doing the same work: its tool reads the same session through the same
// TrackingService and answers the same payload with the same outputSchema, so `ratio` is what our
// stack adds. A second bare tool that answers a constant gives `ratio_vs_trivial` (which also counts
// the status lookup itself: two SQLite reads). Everything runs in this process, called by the SDK
// client over loopback, calls interleaved so drift hits all alike. Prints one JSON line; goal ≤ 1.5.
const http = require('node:http');
const { join } = require('node:path');
const { tempDir, percentile, round } = require('./support');
const { Client } = require('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = require('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
const { isInitializeRequest } = require('@modelcontextprotocol/sdk/types.js');
const { randomUUID } = require('node:crypto');
const { z } = require('zod');
const { parseEnv } = require('../dist/config/app-config');
const { createApp } = require('../dist/bootstrap');
const { LiveTrackSimulator, generateTriathlon } = require('../dist/simulator');
const { TrackingService } = require('../dist/tracking/tracking.service');
const { statusOutput } = require('../dist/mcp/schemas');
const { toolOk } = require('../dist/mcp/tool-result');
const { statusText } = require('../dist/mcp/tool-text');

const CALLS = Number(process.env.MCP_BENCH_CALLS ?? 300);
const WARMUP = Number(process.env.MCP_BENCH_WARMUP ?? 30);
const API_KEY = 'bench-key';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The bare server: stateful Streamable HTTP with the SDK's defaults (SSE-framed answers). */
async function startBare(tracking) {
  const transports = new Map();
  const newServer = () => {
    const server = new McpServer({ name: 'bare', version: '1.0.0' });
    const input = { session_id: z.string().optional() };
    server.registerTool('get_tracking_status', { description: 'same work as ours', inputSchema: input, outputSchema: statusOutput }, async ({ session_id }) => {
      const status = await tracking.status(session_id);
      return toolOk(statusText(status), status);
    });
    server.registerTool('trivial', { description: 'answers a constant', inputSchema: input }, async ({ session_id }) => {
      const data = { session_id: session_id ?? 'bench', active: true, points: 42 };
      return { content: [{ type: 'text', text: JSON.stringify(data) }], structuredContent: data };
    });
    return server;
  };
  const httpServer = http.createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const body = raw ? JSON.parse(raw) : undefined;
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? transports.get(sid) : undefined;
    if (!transport && !sid && body && isInitializeRequest(body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      await newServer().connect(transport);
    }
    if (!transport) {
      res.writeHead(400).end();
      return;
    }
    await transport.handleRequest(req, res, body);
  });
  await new Promise((r) => httpServer.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${httpServer.address().port}/mcp`, close: () => new Promise((r) => httpServer.close(r)) };
}

async function connect(url, headers) {
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
  return client;
}

async function timed(fn) {
  const started = process.hrtime.bigint();
  const result = await fn();
  if (result.isError) throw new Error(`tool error: ${JSON.stringify(result.content)}`);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

async function main() {
  const tmp = tempDir('livetrack-bench-mcp-');
  const sim = new LiveTrackSimulator({ seed: 5 });
  const origin = await sim.start();
  const config = parseEnv({
    HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', DB_PATH: join(tmp.dir, 'mcp.db'), API_KEY,
    LIVETRACK_ALLOWED_ORIGINS: origin, LIVETRACK_BACKOFF_SCALE: '0.001',
  });
  const app = await createApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const base = `http://127.0.0.1:${app.getHttpServer().address().port}`;
  const bare = await startBare(app.get(TrackingService));
  const clients = [];
  try {
    // A real tracked race: a replayed triathlon, half released, polled once a minute (idle during the bench).
    const race = generateTriathlon({ seed: 9, start: new Date(Date.UTC(2026, 5, 1, 7)), pointIntervalS: 5, scale: 0.5 });
    const s = sim.addSession({ race, postTrackPointFrequency: 1 });
    sim.release(s.sessionId, Math.floor(race.points.length / 2));
    const auth = { Authorization: `Bearer ${API_KEY}` };
    const ours = await connect(`${base}${config.mcpPath}`, auth);
    clients.push(ours);
    const started = await ours.callTool({
      name: 'start_tracking',
      arguments: { url: sim.shareUrl(s.sessionId), race_config: { poll_interval_secs: 60, min_elapsed_min: 600, analyze_interval_secs: 86400 } },
    });
    if (started.isError) throw new Error(started.content[0].text);
    for (let i = 0; ; i++) {
      const st = await ours.callTool({ name: 'get_tracking_status', arguments: {} });
      if (st.structuredContent.points > 0) break;
      if (i > 200) throw new Error('no points stored');
      await sleep(50);
    }
    const bareClient = await connect(bare.url, {});
    clients.push(bareClient);
    // As real clients do: list first, so the SDK client validates structuredContent against outputSchema.
    await ours.listTools();
    await bareClient.listTools();

    const args = { session_id: s.sessionId };
    const variants = {
      ours: () => ours.callTool({ name: 'get_tracking_status', arguments: args }),
      bare: () => bareClient.callTool({ name: 'get_tracking_status', arguments: args }),
      trivial: () => bareClient.callTool({ name: 'trivial', arguments: args }),
    };
    const ms = { ours: [], bare: [], trivial: [] };
    const order = Object.keys(variants);
    for (let i = 0; i < WARMUP + CALLS; i++) {
      // Rotate which goes first so none always benefits from a warm loop.
      for (let k = 0; k < order.length; k++) {
        const name = order[(i + k) % order.length];
        const t = await timed(variants[name]);
        if (i >= WARMUP) ms[name].push(t);
      }
    }
    for (const v of Object.values(ms)) v.sort((a, b) => a - b);
    const p = (name, q) => percentile(ms[name], q);
    console.log(JSON.stringify({
      bench: 'mcp',
      p50_ms: round(p('ours', 50)),
      p95_ms: round(p('ours', 95)),
      bare_p50_ms: round(p('bare', 50)),
      bare_p95_ms: round(p('bare', 95)),
      ratio: round(p('ours', 50) / p('bare', 50), 2),
      bare_trivial_p50_ms: round(p('trivial', 50)),
      bare_trivial_p95_ms: round(p('trivial', 95)),
      ratio_vs_trivial: round(p('ours', 50) / p('trivial', 50), 2),
      calls: CALLS,
      warmup: WARMUP,
      transport: 'streamable-http, stateful; ours JSON answers + API key guard, bare SDK defaults',
      goal_ratio: 1.5,
      node: process.version,
    }));
  } finally {
    await Promise.allSettled(clients.map((c) => c.close()));
    await bare.close();
    await app.close();
    await sim.stop();
    tmp.cleanup();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
