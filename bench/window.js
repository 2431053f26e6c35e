// window: p50/p99 of "last 10 minutes of one session" through TrackStore.findWindow on a database
// of 1,000,000 trackpoints across 100 sessions (1 point/s, ~2.8 h each; ~600 rows per answer).
const Database = require('better-sqlite3');
const { join } = require('node:path');
const { tempDir, percentile, round, makePoint, openStore, createSession } = require('./support');

const SESSIONS = Number(process.env.WINDOW_SESSIONS ?? 100);
const PER_SESSION = Number(process.env.WINDOW_POINTS_PER_SESSION ?? 10_000);
const QUERIES = Number(process.env.WINDOW_QUERIES ?? 2000);
const T0 = Date.UTC(2026, 5, 1, 7);

async function main() {
  const tmp = tempDir('livetrack-bench-window-');
  const dbPath = join(tmp.dir, 'window.db');
  try {
    // Schema through the project's migrations, bulk data through a raw statement (setup is not measured).
    const { dataSource, store } = await openStore(dbPath);
    for (let s = 0; s < SESSIONS; s++) await createSession(store, `bench-${s}`);
    await dataSource.destroy();
    const db = new Database(dbPath);
    db.pragma('journal_mode = WAL');
    const insert = db.prepare(`INSERT INTO trackpoints (session_id,time,lat,lon,altitude_m,speed_mps,distance_m,duration_s,heart_rate,cadence,power,activity_type,leg,status) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)`);
    db.transaction(() => {
      for (let s = 0; s < SESSIONS; s++) {
        for (let i = 0; i < PER_SESSION; i++) {
          const p = makePoint(T0 + i * 1000, i);
          insert.run(`bench-${s}`, p.time, p.lat, p.lon, p.altitudeM, p.speedMps, p.distanceM, p.durationS, p.heartRate, p.cadence, p.power, p.activityType, p.leg, p.status);
        }
      }
    })();
    db.close();

    const opened = await openStore(dbPath);
    const lastTime = T0 + (PER_SESSION - 1) * 1000;
    const timings = [];
    let rows = 0;
    for (let q = 0; q < QUERIES + 100; q++) {
      const id = `bench-${q % SESSIONS}`;
      const started = process.hrtime.bigint();
      const points = await opened.store.findWindow(id, lastTime - 10 * 60_000);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (q >= 100) timings.push(ms); // first 100 warm the statement cache
      rows = points.length;
    }
    await opened.dataSource.destroy();
    timings.sort((a, b) => a - b);

    // Reference: the same query as a raw better-sqlite3 prepared statement on the same file.
    const rawDb = new Database(dbPath, { readonly: true });
    const rawQuery = rawDb.prepare(`SELECT time, lat, lon, altitude_m, speed_mps, distance_m, duration_s, heart_rate, cadence, power, activity_type, leg, status
      FROM trackpoints WHERE session_id = ? AND time >= ? AND time <= ? ORDER BY time ASC`);
    const rawTimings = [];
    for (let q = 0; q < QUERIES + 100; q++) {
      const started = process.hrtime.bigint();
      rawQuery.all(`bench-${q % SESSIONS}`, lastTime - 10 * 60_000, Number.MAX_SAFE_INTEGER);
      if (q >= 100) rawTimings.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    rawDb.close();
    rawTimings.sort((a, b) => a - b);
    console.log(JSON.stringify({
      bench: 'window', rows: SESSIONS * PER_SESSION, sessions: SESSIONS, rows_per_answer: rows, queries: QUERIES,
      p50_ms: round(percentile(timings, 50), 2), p99_ms: round(percentile(timings, 99), 2),
      raw_p50_ms: round(percentile(rawTimings, 50), 2), raw_p99_ms: round(percentile(rawTimings, 99), 2), goal_p99_ms: 5,
    }));
  } finally {
    tmp.cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
