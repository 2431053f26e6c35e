// alert: ms from the simulator releasing a breaching batch to the Telegram fake receiving the
// alert, with the server (child process) polling every 1 s. Goal: ≤ poll interval + 1 s.
const { spawn } = require('node:child_process');
const http = require('node:http');
const { join } = require('node:path');
const net = require('node:net');
const { tempDir, percentile } = require('./support');
const { LiveTrackSimulator, generateSingleSport } = require('../dist/simulator');

const ROUNDS = Number(process.env.ALERT_ROUNDS ?? 5);
const POLL_S = 1;
const TOKEN = '123456:BENCH';

const freePort = () => new Promise((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Minimal Bot API sendMessage fake that timestamps each message on arrival. */
function fakeTelegram() {
  const received = [];
  let nextId = 1;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const at = Date.now();
      if (req.url !== `/bot${TOKEN}/sendMessage`) {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"ok":false,"error_code":404,"description":"Not Found"}');
        return;
      }
      const msg = JSON.parse(body);
      received.push({ at, text: msg.text });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: true, result: { message_id: nextId++, date: Math.floor(at / 1000), chat: { id: Number(msg.chat_id), type: 'private' }, text: msg.text } }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, received, origin: `http://127.0.0.1:${server.address().port}` })));
}

async function main() {
  const tmp = tempDir('livetrack-bench-alert-');
  const sim = new LiveTrackSimulator({ seed: 3 });
  const origin = await sim.start();
  const telegram = await fakeTelegram();
  // Bike race, points every 5 s, HR 130 everywhere except breaching stretches we release on cue.
  const race = generateSingleSport({ seed: 4, start: new Date(Date.UTC(2026, 5, 1, 7)), sport: 'bike', durationMin: 120 });
  const BLOCK = 60; // points per round: 5 min of race
  race.points.forEach((p, i) => {
    if (p.totalDistanceMeters === undefined) return;
    // The last 10 points (50 s) of every block breach the 150 bpm ceiling.
    p.heartRateBeatsPerMin = i % BLOCK >= BLOCK - 10 ? 175 : 130;
  });
  const s = sim.addSession({ race, postTrackPointFrequency: POLL_S });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'main.js')], {
    env: {
      PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DB_PATH: join(tmp.dir, 'alert.db'), LOG_LEVEL: 'error',
      LIVETRACK_ALLOWED_ORIGINS: origin, TELEGRAM_BOT_TOKEN: TOKEN, TELEGRAM_CHAT_ID: '42', TELEGRAM_API_BASE: telegram.origin,
      CLAUDE_RUNNER_URL: 'http://127.0.0.1:9',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      try { if ((await fetch(`${base}/health/live`)).ok) break; } catch { /* booting */ }
      await sleep(50);
    }
    const res = await fetch(`${base}/sessions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: sim.shareUrl(s.sessionId), race_config: { race_type: 'bike', poll_interval_secs: POLL_S, hr_max: 150, min_elapsed_min: 600, analyze_interval_secs: 86400 } }),
    });
    if (res.status !== 201) throw new Error(`start: HTTP ${res.status} ${await res.text()}`);
    const latencies = [];
    for (let round = 0; round < ROUNDS; round++) {
      // The calm part of the block first: HR back well inside (130 < 150 − 3 %) re-arms the alert.
      sim.release(s.sessionId, BLOCK - 10);
      await sleep(2500);
      const before = telegram.received.length;
      const releasedAt = Date.now();
      sim.release(s.sessionId, 10);
      const deadline = releasedAt + 15000;
      while (telegram.received.length === before && Date.now() < deadline) await sleep(5);
      if (telegram.received.length === before) throw new Error(`round ${round}: no alert within 15 s`);
      latencies.push(telegram.received[before].at - releasedAt);
    }
    latencies.sort((a, b) => a - b);
    console.log(JSON.stringify({
      bench: 'alert', poll_interval_s: POLL_S, rounds: ROUNDS, alert_latency_ms: percentile(latencies, 50),
      max_ms: latencies[latencies.length - 1], min_ms: latencies[0], goal_ms: POLL_S * 1000 + 1000,
      messages: telegram.received.length,
    }));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    telegram.server.close();
    await sim.stop();
    tmp.cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
