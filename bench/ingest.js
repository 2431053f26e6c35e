// ingest: rows/s through TrackStore.insertPointsIgnoringDuplicates (the tracker's write path:
// one transaction per batch, duplicates skipped, session counters updated) vs a raw
// better-sqlite3 prepared INSERT in one transaction, same machine, same file system, same pragmas.
const Database = require('better-sqlite3');
const { join } = require('node:path');
const { tempDir, round, makePoint, openStore, createSession } = require('./support');

const ROWS = Number(process.env.INGEST_ROWS ?? 200_000);
const BATCH = Number(process.env.INGEST_BATCH ?? 1000);
const T0 = Date.UTC(2026, 5, 1, 7);

async function project(dir) {
  const { dataSource, store } = await openStore(join(dir, 'project.db'));
  await createSession(store, 'bench-ingest');
  const points = Array.from({ length: ROWS }, (_, i) => makePoint(T0 + i * 1000, i));
  const started = process.hrtime.bigint();
  for (let i = 0; i < ROWS; i += BATCH) {
    await store.insertPointsIgnoringDuplicates('bench-ingest', points.slice(i, i + BATCH));
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const stored = await store.countPoints('bench-ingest');
  await dataSource.destroy();
  if (stored !== ROWS) throw new Error(`project stored ${stored} of ${ROWS}`);
  return ROWS / seconds;
}

function raw(dir) {
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(`CREATE TABLE trackpoints (session_id varchar(64) NOT NULL, time bigint NOT NULL, lat double precision, lon double precision,
    altitude_m double precision, speed_mps double precision, distance_m double precision, duration_s double precision,
    heart_rate integer, cadence integer, power integer, activity_type varchar(32), leg varchar(8) NOT NULL, status varchar(16),
    PRIMARY KEY (session_id, time))`);
  const insert = db.prepare(`INSERT INTO trackpoints VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING`);
  const points = Array.from({ length: ROWS }, (_, i) => makePoint(T0 + i * 1000, i));
  const insertAll = db.transaction((rows) => {
    for (const p of rows) {
      insert.run('bench-ingest', p.time, p.lat, p.lon, p.altitudeM, p.speedMps, p.distanceM, p.durationS, p.heartRate, p.cadence, p.power, p.activityType, p.leg, p.status);
    }
  });
  const started = process.hrtime.bigint();
  insertAll(points);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  db.close();
  return ROWS / seconds;
}

async function main() {
  const tmp = tempDir('livetrack-bench-ingest-');
  try {
    const rawRate = raw(tmp.dir);
    const projectRate = await project(tmp.dir);
    console.log(JSON.stringify({
      bench: 'ingest', rows: ROWS, batch: BATCH,
      project_rows_s: Math.round(projectRate), raw_rows_s: Math.round(rawRate), ratio: round(projectRate / rawRate, 2), goal_ratio: 0.5,
    }));
  } finally {
    tmp.cleanup();
  }
}

main().catch((e) => { console.error(e); process.exit(1); });
