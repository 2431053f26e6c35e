import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { promises as fs } from 'node:fs';
import { Between, DataSource, EntityManager, In, IsNull, Not } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { RaceCourseEntity } from './race-course.entity';
import { RaceSessionEntity } from './race-session.entity';
import { TrackpointEntity } from './trackpoint.entity';
import { TrackpointRecord } from './trackpoint.types';
import { placeholdersFor, WriteQueue, writeQueueOf } from './write-queue';

const POINT_COLUMNS = [
  'session_id', 'time', 'lat', 'lon', 'altitude_m', 'speed_mps', 'distance_m', 'duration_s',
  'heart_rate', 'cadence', 'power', 'activity_type', 'leg', 'status',
] as const;

/** The record fields behind POINT_COLUMNS after session_id, with their PostgreSQL types (for UNNEST). */
const POINT_FIELDS: ReadonlyArray<keyof TrackpointRecord> = [
  'time', 'lat', 'lon', 'altitudeM', 'speedMps', 'distanceM', 'durationS', 'heartRate', 'cadence', 'power', 'activityType', 'leg', 'status',
];
const POINT_PG_TYPES = ['int8', 'float8', 'float8', 'float8', 'float8', 'float8', 'float8', 'int4', 'int4', 'int4', 'varchar', 'varchar', 'varchar'];

/** Sessions per resume-marks query: well under both databases' bound-parameter limits. */
const RESUME_MARKS_CHUNK = 500;

/** What resuming a session's poller needs from its stored points. */
export interface ResumeMark {
  firstTime: number | null;
  lastLeg: TrackpointRecord['leg'] | null;
}

/** Sessions one chain may hold: a guard, not a rule (a restart or two is the real case). */
const MAX_CHAIN = 50;

/** linkSessions: one of the two links was already taken (rolls the transaction back). */
class LinkTaken extends Error {}

/** Rows per INSERT statement: well under SQLite's and PostgreSQL's bound-parameter limits. */
const INSERT_CHUNK = 200;

export interface StoreStats {
  races: number;
  active_races: number;
  points: number;
  db_bytes: number | null;
}

export type SessionPatch = Partial<Omit<RaceSessionEntity, 'id'>>;

export type SessionCounters = Partial<
  Record<'polls' | 'pollErrors' | 'rejectedPoints' | 'analysisRuns' | 'analysisErrors' | 'alertsSent' | 'revivals', number>
>;

/**
 * Every read and write of races and trackpoints goes through here, in intent-named methods, so the
 * rest of the service never writes SQL and a PostgreSQL backend only touches this folder.
 */
@Injectable()
export class TrackStore {
  private readonly insertSql = new Map<number, string>();
  private readonly writes: WriteQueue;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.writes = writeQueueOf(dataSource);
  }

  /** Writes go one at a time on SQLite (see writeQueueOf). */
  private exclusive<T>(write: () => Promise<T>): Promise<T> {
    return this.writes.run(write);
  }

  private get sessions() {
    return this.dataSource.getRepository(RaceSessionEntity);
  }

  async createSession(session: RaceSessionEntity): Promise<RaceSessionEntity> {
    return this.exclusive(() => this.sessions.save(session));
  }

  findSession(id: string): Promise<RaceSessionEntity | null> {
    return this.sessions.findOneBy({ id });
  }

  /** Several sessions by id in one query (a takeover resumes hundreds at once); unknown ids are left out. */
  findSessions(ids: string[]): Promise<RaceSessionEntity[]> {
    return ids.length ? this.sessions.findBy({ id: In(ids) }) : Promise.resolve([]);
  }

  findActiveSessions(): Promise<RaceSessionEntity[]> {
    return this.sessions.find({ where: { state: 'active' }, order: { startedAt: 'ASC' } });
  }

  /** Sessions stopped provisionally (stale/gone) that still watch Garmin for new points. */
  findWatchingSessions(): Promise<RaceSessionEntity[]> {
    return this.sessions.find({ where: { state: 'finished', watchingUntil: Not(IsNull()) }, order: { startedAt: 'ASC' } });
  }

  /** Oldest stored point of a session, or null (its time anchors the link's 24 h life). */
  async findFirstPoint(sessionId: string): Promise<TrackpointRecord | null> {
    const rows: RawPoint[] = await this.dataSource.query(
      this.placeholders(`SELECT ${SELECT_POINT} FROM trackpoints WHERE session_id = ? ORDER BY time ASC LIMIT 1`),
      [sessionId],
    );
    return rows.length ? fromRaw(rows[0]) : null;
  }

  /** Active sessions first, then the most recently started finished ones. */
  async listSessions(limit = 100): Promise<RaceSessionEntity[]> {
    const active = await this.findActiveSessions();
    const recent = await this.sessions.find({
      where: { state: In(['finished', 'stopped']) },
      order: { startedAt: 'DESC' },
      take: Math.max(0, limit - active.length),
    });
    return [...active, ...recent];
  }

  /**
   * Sessions that may be the one a new session continues: last point within [fromMs, toMs], not
   * continued yet, not `excludeId`, of the athlete `athleteKey`. A coarse filter: the linking rule
   * (src/tracking/session-links.ts) decides.
   */
  findLinkCandidates(q: { athleteKey: string; fromMs: number; toMs: number; excludeId: string }): Promise<RaceSessionEntity[]> {
    return this.sessions.find({
      where: {
        id: Not(q.excludeId),
        nextSessionId: IsNull(),
        lastPointAt: Between(Math.trunc(q.fromMs), Math.trunc(q.toMs)),
        athleteKey: q.athleteKey,
      },
      order: { lastPointAt: 'DESC' },
      take: 50,
    });
  }

  /**
   * Links `nextId` as the continuation of `prevId`, both ways in one transaction, only while
   * neither link is taken (another start or replica may race for it). Answers whether it linked.
   */
  async linkSessions(prevId: string, nextId: string): Promise<boolean> {
    if (prevId === nextId) return false;
    return this.exclusive(() =>
      this.dataSource
        .transaction(async (manager) => {
          const now = Date.now();
          const forward = await manager.createQueryBuilder().update(RaceSessionEntity).set({ nextSessionId: nextId, updatedAt: now })
            .where('id = :id AND next_session_id IS NULL', { id: prevId }).execute();
          if (forward.affected !== 1) throw new LinkTaken();
          const back = await manager.createQueryBuilder().update(RaceSessionEntity).set({ previousSessionId: prevId, updatedAt: now })
            .where('id = :id AND previous_session_id IS NULL', { id: nextId }).execute();
          // Already continuing another: roll the forward link back.
          if (back.affected !== 1) throw new LinkTaken();
          return true;
        })
        .catch((error) => {
          // A unique index refusing it: another writer took the link meanwhile.
          if (error instanceof LinkTaken || isUniqueViolation(error)) return false;
          throw error;
        }),
    );
  }

  /**
   * The chain a session belongs to (every session linked before and after it), oldest first; just
   * the session when it is linked to none, empty when unknown. Chains are a few sessions long: one
   * primary-key read per link, a cycle (never written, but cheap to guard) ends the walk.
   */
  async findChain(sessionId: string): Promise<RaceSessionEntity[]> {
    const start = await this.findSession(sessionId);
    if (!start) return [];
    const seen = new Set([start.id]);
    const before: RaceSessionEntity[] = [];
    const after: RaceSessionEntity[] = [];
    for (let s = start; s.previousSessionId && !seen.has(s.previousSessionId) && seen.size < MAX_CHAIN; ) {
      const prev = await this.findSession(s.previousSessionId);
      if (!prev) break;
      seen.add(prev.id);
      before.unshift(prev);
      s = prev;
    }
    for (let s = start; s.nextSessionId && !seen.has(s.nextSessionId) && seen.size < MAX_CHAIN; ) {
      const next = await this.findSession(s.nextSessionId);
      if (!next) break;
      seen.add(next.id);
      after.push(next);
      s = next;
    }
    return [...before, start, ...after];
  }

  /**
   * Garmin's cumulative distance and duration at the end of a session (their largest stored
   * values: both only grow within one activity); null where no point carries one.
   */
  async findPointTotals(sessionId: string): Promise<{ distanceM: number | null; durationS: number | null }> {
    const rows: Array<{ distance_m: number | string | null; duration_s: number | string | null }> = await this.dataSource.query(
      this.placeholders(`SELECT MAX(distance_m) AS distance_m, MAX(duration_s) AS duration_s FROM trackpoints WHERE session_id = ?`),
      [sessionId],
    );
    const num = (v: number | string | null | undefined) => (v === null || v === undefined ? null : Number(v));
    return { distanceM: num(rows[0]?.distance_m), durationS: num(rows[0]?.duration_s) };
  }

  /** Stores (or replaces) a session's course. */
  async saveCourse(course: RaceCourseEntity): Promise<void> {
    await this.exclusive(() => this.dataSource.getRepository(RaceCourseEntity).save(course));
  }

  findCourse(sessionId: string): Promise<RaceCourseEntity | null> {
    return this.dataSource.getRepository(RaceCourseEntity).findOneBy({ sessionId });
  }

  async updateSession(id: string, patch: SessionPatch): Promise<void> {
    await this.exclusive(() => this.sessions.update({ id }, asUpdate({ ...patch, updatedAt: Date.now() })));
  }

  /** Adds to counters atomically (no read-modify-write race between poll and analysis). */
  async incrementSession(id: string, counters: SessionCounters, patch: SessionPatch = {}): Promise<void> {
    await this.exclusive(() => this.updateSessionRow(this.dataSource.manager, id, { ...patch, updatedAt: Date.now() }, counters));
  }

  /**
   * One UPDATE of a session row: the patch, the counters added in place (`polls = polls + n`, no
   * read-modify-write race between poll and analysis) and, when given, last_point_at moved up to
   * `newestPoint` but never back. One statement instead of one per counter: a poll is the hottest
   * write there is (2,500 sessions on a database shared by several replicas).
   */
  private async updateSessionRow(manager: EntityManager, id: string, patch: SessionPatch, counters: SessionCounters & { points?: number }, newestPoint?: number): Promise<void> {
    const set = this.sessionRowSet(patch, counters);
    if (newestPoint !== undefined) {
      set.params.newest_point = Math.trunc(newestPoint);
      set.values.lastPointAt = () => 'CASE WHEN last_point_at IS NULL OR last_point_at < :newest_point THEN :newest_point ELSE last_point_at END';
    }
    await manager.createQueryBuilder().update(RaceSessionEntity).set(asUpdate(set.values as SessionPatch)).where('id = :id', { id }).setParameters(set.params).execute();
  }

  /** The SET of a session row's UPDATE: the patch as values, each counter added in place (`polls = polls + n`). */
  private sessionRowSet(patch: SessionPatch, counters: SessionCounters & { points?: number }): { values: Record<string, unknown>; params: Record<string, number> } {
    const values: Record<string, unknown> = { ...patch };
    const params: Record<string, number> = {};
    for (const [property, by] of Object.entries(counters)) {
      if (!by) continue;
      const column = this.sessionColumn(property);
      params[`by_${property}`] = Math.trunc(by);
      values[property] = () => `${column} + :by_${property}`;
    }
    return { values, params };
  }

  private sessionColumn(property: string): string {
    const column = this.dataSource.getMetadata(RaceSessionEntity).findColumnWithPropertyName(property);
    if (!column) throw new Error(`race_sessions has no column for ${property}`);
    return column.databaseName;
  }

  /**
   * Stores a polled batch in one transaction: points already stored (same session and time) are
   * skipped, and the session's counters move with the rows actually inserted (and with
   * `counters`, e.g. polls). When anything new arrived, last_point_at and
   * last_new_point_received_at move too. Returns the number of new rows.
   */
  async insertPointsIgnoringDuplicates(sessionId: string, points: TrackpointRecord[], patch: SessionPatch = {}, counters: SessionCounters = {}): Promise<number> {
    if (this.dataSource.options.type === 'postgres') return this.insertBatchStatement(sessionId, points, patch, counters);
    return this.exclusive(() => this.dataSource.transaction(async (manager) => {
      const inserted = await this.insertChunks(manager, sessionId, points);
      const now = Date.now();
      if (inserted === 0) {
        await this.updateSessionRow(manager, sessionId, { ...patch, updatedAt: now }, counters);
        return 0;
      }
      const newest = points.reduce((max, p) => Math.max(max, p.time), 0);
      await this.updateSessionRow(manager, sessionId, { ...patch, updatedAt: now, lastNewPointReceivedAt: now }, { ...counters, points: inserted }, newest);
      return inserted;
    }));
  }

  /**
   * PostgreSQL: the batch and its session row in ONE statement, atomic by itself: the points go in
   * as one array per column (UNNEST: 14 parameters whatever the batch size, 2.3–2.5× the multi-row
   * VALUES insert in bench/ingest-pg.js), and the row's UPDATE counts what the insert really
   * stored. No BEGIN/COMMIT round trips, and no connection held idle in a transaction while the
   * event loop is busy elsewhere: with 2,500 sessions on three replicas that was the pool's
   * bottleneck.
   */
  private async insertBatchStatement(sessionId: string, points: TrackpointRecord[], patch: SessionPatch, counters: SessionCounters): Promise<number> {
    const now = Date.now();
    const set = this.sessionRowSet({ ...patch, updatedAt: now }, counters);
    set.values.points = () => 'points + agg.n';
    set.values.lastPointAt = () => 'CASE WHEN agg.n > 0 AND (last_point_at IS NULL OR last_point_at < agg.newest) THEN agg.newest ELSE last_point_at END';
    set.values.lastNewPointReceivedAt = () => 'CASE WHEN agg.n > 0 THEN :received_at ELSE last_new_point_received_at END';
    set.params.received_at = now;
    const [update, params] = this.dataSource
      .createQueryBuilder()
      .update(RaceSessionEntity)
      .set(asUpdate(set.values as SessionPatch))
      .where('id = :id', { id: sessionId })
      .setParameters(set.params)
      .getQueryAndParameters();
    const where = update.lastIndexOf(' WHERE ');
    if (!update.startsWith('UPDATE ') || where < 0) throw new Error(`unexpected UPDATE from the query builder: ${update.slice(0, 80)}`);
    const columns = POINT_FIELDS.map(() => new Array<unknown>(points.length));
    points.forEach((p, row) => {
      POINT_FIELDS.forEach((field, c) => {
        columns[c][row] = p[field];
      });
    });
    const first = params.length + 1;
    const unnest = POINT_PG_TYPES.map((t, i) => `$${first + 1 + i}::${t}[]`).join(',');
    const sql =
      `WITH ins AS (INSERT INTO trackpoints (${POINT_COLUMNS.join(',')}) SELECT $${first}, u.* FROM unnest(${unnest}) AS u ` +
      'ON CONFLICT (session_id, time) DO NOTHING RETURNING time), agg AS (SELECT COUNT(*)::int AS n, MAX(time) AS newest FROM ins) ' +
      `${update.slice(0, where)} FROM agg${update.slice(where)} RETURNING agg.n AS n`;
    const runner = this.dataSource.createQueryRunner();
    try {
      const result: { records: Array<{ n: number }> } = await runner.query(sql, [...params, sessionId, ...columns], true);
      return Number(result.records[0]?.n ?? 0);
    } finally {
      await runner.release();
    }
  }

  private async insertChunks(manager: EntityManager, sessionId: string, points: TrackpointRecord[]): Promise<number> {
    if (points.length === 0) return 0;
    let inserted = 0;
    for (let start = 0; start < points.length; start += INSERT_CHUNK) {
      const chunk = points.slice(start, start + INSERT_CHUNK);
      const params: unknown[] = [];
      for (const p of chunk) {
        params.push(sessionId, p.time, p.lat, p.lon, p.altitudeM, p.speedMps, p.distanceM, p.durationS,
          p.heartRate, p.cadence, p.power, p.activityType, p.leg, p.status);
      }
      // Structured result: `affected` counts rows actually inserted (conflicts skipped).
      const result = await manager.queryRunner!.query(this.insertStatement(chunk.length), params, true);
      inserted += result.affected ?? 0;
    }
    return inserted;
  }

  /** Multi-row INSERT ... ON CONFLICT DO NOTHING: valid in SQLite ≥3.24 and PostgreSQL alike. */
  private insertStatement(rows: number): string {
    let sql = this.insertSql.get(rows);
    if (!sql) {
      const postgres = this.dataSource.options.type === 'postgres';
      let n = 0;
      const row = () => `(${POINT_COLUMNS.map(() => (postgres ? `$${++n}` : '?')).join(',')})`;
      const values = Array.from({ length: rows }, row).join(',');
      sql = `INSERT INTO trackpoints (${POINT_COLUMNS.join(',')}) VALUES ${values} ON CONFLICT (session_id, time) DO NOTHING`;
      this.insertSql.set(rows, sql);
    }
    return sql;
  }

  /**
   * Points of one session with from ≤ time ≤ to, oldest first: a range scan on the primary key.
   * Plain SQL mapped straight to records; entity hydration cost more than the query itself.
   */
  async findWindow(sessionId: string, fromMs: number, toMs = Number.MAX_SAFE_INTEGER, limit?: number): Promise<TrackpointRecord[]> {
    const rows: RawPoint[] = await this.dataSource.query(
      this.placeholders(
        `SELECT ${SELECT_POINT} FROM trackpoints WHERE session_id = ? AND time >= ? AND time <= ? ORDER BY time ASC` +
          (limit ? ` LIMIT ${Math.floor(limit)}` : ''),
      ),
      [sessionId, fromMs, toMs],
    );
    return rows.map(fromRaw);
  }

  private placeholders(sql: string): string {
    return placeholdersFor(this.dataSource, sql);
  }

  /**
   * Every stored point of a session, oldest first, handed over in pages so a 17-hour race is
   * never one giant array (metrics and course progress build their state from it once).
   */
  async forEachPointPage(sessionId: string, take: (page: TrackpointRecord[]) => void, pageSize = 20_000): Promise<void> {
    let from = 0;
    for (;;) {
      const page = await this.findWindow(sessionId, from, Number.MAX_SAFE_INTEGER, pageSize);
      take(page);
      if (page.length < pageSize) return;
      from = page[page.length - 1].time + 1;
    }
  }

  /**
   * For each session, what a poller needs to resume it: the time of its oldest stored point and
   * the leg of its newest (null when it has none). One query for hundreds of sessions (a takeover):
   * correlated subqueries on the primary key, cheap on both databases however long the races.
   */
  async findResumeMarks(sessionIds: string[]): Promise<Map<string, ResumeMark>> {
    const marks = new Map<string, ResumeMark>();
    for (let start = 0; start < sessionIds.length; start += RESUME_MARKS_CHUNK) {
      const ids = sessionIds.slice(start, start + RESUME_MARKS_CHUNK);
      const rows: Array<{ id: string; first_time: string | number | null; last_leg: TrackpointRecord['leg'] | null }> = await this.dataSource.query(
        this.placeholders(
          `SELECT s.id AS id,
             (SELECT MIN(p.time) FROM trackpoints p WHERE p.session_id = s.id) AS first_time,
             (SELECT p.leg FROM trackpoints p WHERE p.session_id = s.id ORDER BY p.time DESC LIMIT 1) AS last_leg
           FROM race_sessions s WHERE s.id IN (${ids.map(() => '?').join(',')})`,
        ),
        ids,
      );
      for (const r of rows) marks.set(r.id, { firstTime: r.first_time === null ? null : Number(r.first_time), lastLeg: r.last_leg ?? null });
    }
    return marks;
  }

  /** Newest stored point of a session, or null. */
  async findLastPoint(sessionId: string): Promise<TrackpointRecord | null> {
    const rows: RawPoint[] = await this.dataSource.query(
      this.placeholders(`SELECT ${SELECT_POINT} FROM trackpoints WHERE session_id = ? ORDER BY time DESC LIMIT 1`),
      [sessionId],
    );
    return rows.length ? fromRaw(rows[0]) : null;
  }

  countPoints(sessionId?: string): Promise<number> {
    return this.dataSource.getRepository(TrackpointEntity).countBy(sessionId ? { sessionId } : {});
  }

  /** Cheap figures for health: counters from the sessions table, not a scan of trackpoints. */
  async stats(): Promise<StoreStats> {
    const row = await this.sessions
      .createQueryBuilder('s')
      .select('COUNT(*)', 'races')
      .addSelect(`SUM(CASE WHEN s.state = 'active' THEN 1 ELSE 0 END)`, 'active')
      .addSelect('COALESCE(SUM(s.points), 0)', 'points')
      .getRawOne<{ races: string | number; active: string | number | null; points: string | number }>();
    return {
      races: Number(row?.races ?? 0),
      active_races: Number(row?.active ?? 0),
      points: Number(row?.points ?? 0),
      db_bytes: await this.databaseBytes(),
    };
  }

  /** Database answers a trivial query and no migration is pending. */
  async isReady(): Promise<{ ok: boolean; detail: string }> {
    if (!this.dataSource.isInitialized) return { ok: false, detail: 'database not initialised' };
    try {
      await this.dataSource.query('SELECT 1');
      const pending = await this.dataSource.showMigrations();
      return pending ? { ok: false, detail: 'migrations pending' } : { ok: true, detail: 'migrations applied' };
    } catch (error) {
      return { ok: false, detail: (error as Error).message };
    }
  }

  private async databaseBytes(): Promise<number | null> {
    if (this.dataSource.options.type === 'postgres') {
      const rows: Array<{ bytes: string | number }> = await this.dataSource.query(`SELECT pg_database_size(current_database()) AS bytes`);
      return Number(rows[0]?.bytes ?? 0);
    }
    const file = this.dataSource.options.database;
    if (typeof file !== 'string' || file === ':memory:') return null;
    let total = 0;
    for (const suffix of ['', '-wal']) {
      total += await fs.stat(file + suffix).then((s) => s.size, () => 0);
    }
    return total;
  }
}

const SELECT_POINT =
  'time, lat, lon, altitude_m, speed_mps, distance_m, duration_s, heart_rate, cadence, power, activity_type, leg, status';

interface RawPoint {
  time: number | string;
  lat: number | null;
  lon: number | null;
  altitude_m: number | null;
  speed_mps: number | null;
  distance_m: number | null;
  duration_s: number | null;
  heart_rate: number | null;
  cadence: number | null;
  power: number | null;
  activity_type: string | null;
  leg: TrackpointRecord['leg'];
  status: string | null;
}

function fromRaw(r: RawPoint): TrackpointRecord {
  return {
    time: Number(r.time),
    lat: r.lat,
    lon: r.lon,
    altitudeM: r.altitude_m,
    speedMps: r.speed_mps,
    distanceM: r.distance_m,
    durationS: r.duration_s,
    heartRate: r.heart_rate,
    cadence: r.cadence,
    power: r.power,
    activityType: r.activity_type,
    leg: r.leg,
    status: r.status,
  };
}

/** A unique index refused the write (PostgreSQL 23505, SQLite's UNIQUE constraint). */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: unknown; driverError?: { code?: unknown } };
  const code = String(e?.driverError?.code ?? e?.code ?? '');
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** simple-json columns defeat TypeORM's deep-partial typing; the patch is a plain column map. */
function asUpdate(patch: SessionPatch): QueryDeepPartialEntity<RaceSessionEntity> {
  return patch as QueryDeepPartialEntity<RaceSessionEntity>;
}
