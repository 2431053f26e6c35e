import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryRunner } from 'typeorm';
import { placeholdersFor, WriteQueue, writeQueueOf } from './write-queue';

/** A replica as the others see it. */
export interface ReplicaRow {
  id: string;
  startedAt: number;
  seenAt: number;
  sessions: number;
}

/** Sessions that need a poller: active ones and the watches after a provisional stop. */
const LEASABLE = `(state = 'active' OR (state = 'finished' AND watching_until IS NOT NULL))`;

/**
 * Session leases and replica heartbeats. The database is the coordinator: a lease is two columns
 * of race_sessions, taken by one atomic UPDATE. On PostgreSQL, claims lock candidate rows with
 * FOR UPDATE SKIP LOCKED so replicas claiming at the same moment never take the same session and
 * never wait on each other; SQLite is one process, where the write queue does the same.
 */
@Injectable()
export class SessionLeaseStore implements OnApplicationShutdown {
  private readonly writes: WriteQueue;
  private readonly postgres: boolean;
  /** PostgreSQL: a connection of its own for the coordination queries (see query()). */
  private coordinator: QueryRunner | null = null;
  private closed = false;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.writes = writeQueueOf(dataSource);
    this.postgres = dataSource.options.type === 'postgres';
  }

  /**
   * On PostgreSQL the lease queries run on one reserved pool connection, not through the pool's
   * queue: with a thousand pollers waiting for a connection, a renewal queued behind them would
   * come too late and the leases would lapse under a replica that is alive. A broken connection is
   * dropped (TypeORM releases it on error) and the next query takes a fresh one.
   */
  private async query<T>(sql: string, params: unknown[]): Promise<T> {
    const text = placeholdersFor(this.dataSource, sql);
    if (!this.postgres || this.closed) return this.dataSource.query(text, params);
    let runner = this.coordinator;
    if (!runner || runner.isReleased) {
      runner = this.dataSource.createQueryRunner('master');
      this.coordinator = runner;
    }
    try {
      return await runner.query(text, params);
    } catch (error) {
      // A failed query may have left the connection unusable: start afresh next time.
      if (this.coordinator === runner) this.coordinator = null;
      await runner.release().catch(() => undefined);
      throw error;
    }
  }

  /** Gives the reserved connection back (shutdown): later queries go through the pool. */
  async closeCoordinator(): Promise<void> {
    this.closed = true;
    const runner = this.coordinator;
    this.coordinator = null;
    if (runner && !runner.isReleased) await runner.release().catch(() => undefined);
  }

  onApplicationShutdown(): Promise<void> {
    return this.closeCoordinator();
  }

  /** Records that a replica is alive and how many sessions it holds. */
  async heartbeat(replicaId: string, startedAt: number, sessions: number, now = Date.now()): Promise<void> {
    await this.writes.run(() =>
      this.query(
        `INSERT INTO replicas (id, started_at, seen_at, sessions) VALUES (?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at, sessions = excluded.sessions`,
        [replicaId, startedAt, now, sessions],
      ),
    );
  }

  /** Replicas seen within `ttlMs`, least loaded first (ties by id, so every replica sorts alike). */
  async aliveReplicas(ttlMs: number, now = Date.now()): Promise<ReplicaRow[]> {
    const rows = await this.query<Array<{ id: string; started_at: string | number; seen_at: string | number; sessions: number }>>(
      `SELECT id, started_at, seen_at, sessions FROM replicas WHERE seen_at >= ? ORDER BY sessions ASC, id ASC`,
      [now - ttlMs],
    );
    return rows.map((r) => ({ id: r.id, startedAt: Number(r.started_at), seenAt: Number(r.seen_at), sessions: Number(r.sessions) }));
  }

  /** A replica leaving (graceful shutdown): its row goes, so shares are recomputed at once. */
  async removeReplica(replicaId: string): Promise<void> {
    await this.writes.run(() => this.query(`DELETE FROM replicas WHERE id = ?`, [replicaId]));
  }

  /** Sessions that need a poller, held or not. */
  async countLeasable(): Promise<number> {
    const rows = await this.query<Array<{ n: string | number }>>(`SELECT COUNT(*) AS n FROM race_sessions WHERE ${LEASABLE}`, []);
    return Number(rows[0]?.n ?? 0);
  }

  /** Extends every lease this replica holds; answers the ids it still holds (a lost one is not among them). */
  async renewLeases(replicaId: string, until: number): Promise<string[]> {
    const rows = await this.writes.run(() =>
      this.query<Array<{ id: string }>>(
        `UPDATE race_sessions SET lease_expires_at = ? WHERE lease_holder = ? AND ${LEASABLE} RETURNING id`,
        [until, replicaId],
      ),
    );
    return idsOf(rows);
  }

  /** Takes up to `limit` sessions nobody holds (or whose lease ran out), oldest first; answers their ids. */
  async claimSessions(replicaId: string, limit: number, until: number, now = Date.now()): Promise<string[]> {
    if (limit <= 0) return [];
    const lock = this.postgres ? ' FOR UPDATE SKIP LOCKED' : '';
    const rows = await this.writes.run(() =>
      this.query<Array<{ id: string }>>(
        `UPDATE race_sessions SET lease_holder = ?, lease_expires_at = ?
         WHERE id IN (
           SELECT id FROM race_sessions
           WHERE ${LEASABLE} AND (lease_holder IS NULL OR lease_expires_at IS NULL OR lease_expires_at < ?)
           ORDER BY started_at ASC LIMIT ${Math.floor(limit)}${lock}
         ) RETURNING id`,
        [replicaId, until, now],
      ),
    );
    return idsOf(rows);
  }

  /** Takes one given session when nobody holds it (or its lease ran out) or this replica already does. */
  async claimSession(sessionId: string, replicaId: string, until: number, now = Date.now()): Promise<boolean> {
    const rows = await this.writes.run(() =>
      this.query<Array<{ id: string }>>(
        `UPDATE race_sessions SET lease_holder = ?, lease_expires_at = ?
         WHERE id = ? AND (lease_holder IS NULL OR lease_holder = ? OR lease_expires_at IS NULL OR lease_expires_at < ?) RETURNING id`,
        [replicaId, until, sessionId, replicaId, now],
      ),
    );
    return idsOf(rows).length === 1;
  }

  /** Hands leases back at once (graceful shutdown, rebalancing, a stop): the given ids, or all this replica holds. */
  async releaseLeases(replicaId: string, sessionIds?: string[]): Promise<void> {
    if (sessionIds && sessionIds.length === 0) return;
    const only = sessionIds ? ` AND id IN (${sessionIds.map(() => '?').join(',')})` : '';
    await this.writes.run(() =>
      this.query(`UPDATE race_sessions SET lease_holder = NULL, lease_expires_at = NULL WHERE lease_holder = ?${only}`, [replicaId, ...(sessionIds ?? [])]),
    );
  }

  /** Frees every lease (a single SQLite process at boot: they are all its own from before). */
  async clearAllLeases(): Promise<void> {
    await this.writes.run(() => this.query(`UPDATE race_sessions SET lease_holder = NULL, lease_expires_at = NULL WHERE lease_holder IS NOT NULL`, []));
  }

  /** Frees a session's lease, whoever holds it (the holder lets go at its next renewal). */
  async clearLease(sessionId: string): Promise<void> {
    await this.writes.run(() => this.query(`UPDATE race_sessions SET lease_holder = NULL, lease_expires_at = NULL WHERE id = ?`, [sessionId]));
  }

  /**
   * The earliest future expiry among other replicas' leases that were not renewed on time (their
   * expiry is more than `lateByMs` short of a fresh lease): a replica that died. The keeper wakes
   * then, so a dead replica's sessions are taken when its leases run out, not a round later.
   */
  async nextLapse(replicaId: string, ttlMs: number, lateByMs: number, now = Date.now()): Promise<number | null> {
    const rows = await this.query<Array<{ t: string | number | null }>>(
      `SELECT MIN(lease_expires_at) AS t FROM race_sessions
       WHERE ${LEASABLE} AND lease_holder IS NOT NULL AND lease_holder <> ? AND lease_expires_at > ? AND lease_expires_at < ?`,
      [replicaId, now, now + ttlMs - lateByMs],
    );
    const t = rows[0]?.t;
    return t === null || t === undefined ? null : Number(t);
  }

  /** Who holds a session now (null when nobody, or the lease ran out). */
  async leaseOf(sessionId: string, now = Date.now()): Promise<string | null> {
    const rows = await this.query<Array<{ lease_holder: string | null; lease_expires_at: string | number | null }>>(
      `SELECT lease_holder, lease_expires_at FROM race_sessions WHERE id = ?`,
      [sessionId],
    );
    const row = rows[0];
    return row?.lease_holder && row.lease_expires_at !== null && Number(row.lease_expires_at) >= now ? row.lease_holder : null;
  }
}

/** UPDATE … RETURNING answers rows on SQLite and [rows, count] on PostgreSQL (TypeORM's pg driver). */
function idsOf(result: unknown): string[] {
  const rows = Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number' ? result[0] : result;
  return (Array.isArray(rows) ? rows : []).map((r: { id: string }) => r.id);
}
