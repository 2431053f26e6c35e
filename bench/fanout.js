// fanout: N sessions tracked at once by the built server (a child process, so its RSS and CPU are
// its own) against the replay simulator playing every race at a compressed clock. Reports polls
// run, polls that started a whole interval late (missed), the worst start lag, RSS and CPU.
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const net = require('node:net');
const { tempDir } = require('./support');
const { LiveTrackSimulator, generateSingleSport } = require('../dist/simulator');

const SESSIONS = Number(process.env.FANOUT_SESSIONS ?? 1000);
const INTERVAL_S = Number(process.env.FANOUT_INTERVAL_S ?? 5);
const SPEEDUP = Number(process.env.FANOUT_SPEEDUP ?? 5);
const RUN_S = Number(process.env.FANOUT_RUN_S ?? 40);
// The heap cap the Dockerfile and deploy/k8s ship (NODE_OPTIONS): without it V8 lets garbage from
// the poll churn pile up to ~300 MB RSS although the live heap stays ~50 MB.
const NODE_OPTIONS = process.env.FANOUT_NODE_OPTIONS ?? '--max-old-space-size=192';
// FANOUT_HEAPSNAPSHOT=1 writes a heap snapshot of the server (into FANOUT_CWD) at the end of the run.

const freePort = () => new Promise((resolve) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = 100;

function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  const cpuTicks = Number(fields[11]) + Number(fields[12]); // utime + stime
  return { rssMb: rssKb / 1024, cpuS: cpuTicks / CLK_TCK };
}

async function main() {
  const tmp = tempDir('livetrack-bench-fanout-');
  const sim = new LiveTrackSimulator({ seed: 77 });
  const origin = await sim.start();
  // One race shared by every session keeps the bench's own memory small.
  const race = generateSingleSport({ seed: 1, start: new Date(Date.UTC(2026, 5, 1, 7)), sport: 'bike', durationMin: 240 });
  const ids = [];
  for (let i = 0; i < SESSIONS; i++) ids.push(sim.addSession({ race, postTrackPointFrequency: INTERVAL_S }).sessionId);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [join(__dirname, '..', 'dist', 'main.js')], {
    env: { PATH: process.env.PATH, PORT: String(port), HOST: '127.0.0.1', DB_PATH: join(tmp.dir, 'fanout.db'), LOG_LEVEL: 'error', LIVETRACK_ALLOWED_ORIGINS: origin, ...(NODE_OPTIONS ? { NODE_OPTIONS: `${NODE_OPTIONS}${process.env.FANOUT_HEAPSNAPSHOT ? ' --heapsnapshot-signal=SIGUSR2' : ''}` } : {}) }, cwd: process.env.FANOUT_CWD || process.cwd(),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    for (;;) {
      try { if ((await fetch(`${base}/health/live`)).ok) break; } catch { /* booting */ }
      await sleep(50);
    }
    // Start every session (20 at a time), then play every race.
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(ids.slice(i, i + 20).map(async (id) => {
        const res = await fetch(`${base}/sessions`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ url: sim.shareUrl(id), race_config: { race_type: 'bike', poll_interval_secs: INTERVAL_S, min_elapsed_min: 600, analyze_interval_secs: 86400 } }),
        });
        if (res.status !== 201) throw new Error(`start ${id}: HTTP ${res.status} ${await res.text()}`);
      }));
    }
    for (const id of ids) sim.play(id, SPEEDUP);
    await sleep(INTERVAL_S * 1000); // let the start-up burst settle
    const before = await (await fetch(`${base}/health`)).json();
    const start = procStats(child.pid);
    const t0 = Date.now();
    let maxRss = start.rssMb;
    while (Date.now() - t0 < RUN_S * 1000) {
      await sleep(1000);
      maxRss = Math.max(maxRss, procStats(child.pid).rssMb);
    }
    if (process.env.FANOUT_HEAPSNAPSHOT) { child.kill('SIGUSR2'); await sleep(8000); }
    const end = procStats(child.pid);
    const wall = (Date.now() - t0) / 1000;
    const after = await (await fetch(`${base}/health`)).json();
    const tb = before.details.tracker;
    const ta = after.details.tracker;
    const polls = ta.ticks - tb.ticks;
    for (const id of ids) sim.pause(id);
    console.log(JSON.stringify({
      bench: 'fanout', node_options: NODE_OPTIONS, sessions: SESSIONS, interval_s: INTERVAL_S, speedup: SPEEDUP, run_s: Math.round(wall),
      polls, expected_polls: Math.floor((SESSIONS * wall) / INTERVAL_S), missed_polls: ta.missed_polls - tb.missed_polls,
      max_lag_ms: ta.max_lag_ms, rss_mb: Math.round(maxRss), cpu_pct: Math.round(((end.cpuS - start.cpuS) / wall) * 100),
      points_stored: ta.store.points, memory: ta.memory, active_sessions: ta.active_sessions, goal: { sessions: 1000, missed_polls: 0, rss_mb: 300 },
    }));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.on('exit', r));
    await sim.stop();
    tmp.cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
