import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { placeholdersFor, WriteQueue, writeQueueOf } from './write-queue';

/**
 * Small shared state in the database: named values (e.g. a bot's getUpdates offset) and named
 * leases, so one holder at a time does a job that must not run twice (one getUpdates poller per
 * bot token), across restarts and, on PostgreSQL, across replicas. The database is the
 * coordinator: a lease is one row, taken or renewed by one atomic upsert.
 */
@Injectable()
export class StateStore {
  private readonly writes: WriteQueue;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.writes = writeQueueOf(dataSource);
  }

  private sql(text: string): string {
    return placeholdersFor(this.dataSource, text);
  }

  async readValue(key: string): Promise<string | null> {
    const rows: Array<{ value: string }> = await this.dataSource.query(this.sql(`SELECT value FROM app_state WHERE key = ?`), [key]);
    return rows[0]?.value ?? null;
  }

  async writeValue(key: string, value: string): Promise<void> {
    await this.writes.run(() =>
      this.dataSource.query(
        this.sql(
          `INSERT INTO app_state (key, value, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at`,
        ),
        [key, value, Date.now()],
      ),
    );
  }

  /**
   * Takes the lease `name` for `holder` until now + ttl, or renews it when the holder already has
   * it. Fails (false) while another holder's lease has not expired.
   */
  async tryAcquireLease(name: string, holder: string, ttlMs: number, now = Date.now()): Promise<boolean> {
    return this.writes.run(async () => {
      await this.dataSource.query(
        this.sql(
          `INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
           WHERE leases.holder = excluded.holder OR leases.expires_at < ?`,
        ),
        [name, holder, now + ttlMs, now],
      );
      const rows: Array<{ holder: string }> = await this.dataSource.query(this.sql(`SELECT holder FROM leases WHERE name = ?`), [name]);
      return rows[0]?.holder === holder;
    });
  }

  /** Gives a lease back at once (graceful shutdown), when this holder has it. */
  async releaseLease(name: string, holder: string): Promise<void> {
    await this.writes.run(() => this.dataSource.query(this.sql(`DELETE FROM leases WHERE name = ? AND holder = ?`), [name, holder]));
  }

  /** Who holds a lease now (null when nobody or expired). */
  async leaseHolder(name: string, now = Date.now()): Promise<string | null> {
    const rows: Array<{ holder: string; expires_at: string | number }> = await this.dataSource.query(
      this.sql(`SELECT holder, expires_at FROM leases WHERE name = ?`),
      [name],
    );
    const row = rows[0];
    return row && Number(row.expires_at) >= now ? row.holder : null;
  }
}
