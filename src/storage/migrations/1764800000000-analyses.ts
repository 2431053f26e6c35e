import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Analysis history (every cycle of every backend), muted alerts, and the small shared state a
 * replica needs: named values (the Telegram getUpdates offset) and named leases (one poller of a
 * bot's updates at a time). Plain SQL valid on SQLite and PostgreSQL.
 */
export class Analyses1764800000000 implements MigrationInterface {
  name = 'Analyses1764800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE analyses (
      job_id varchar(64) PRIMARY KEY NOT NULL,
      session_id varchar(64) NOT NULL,
      origin varchar(16) NOT NULL,
      backend varchar(16) NOT NULL,
      started_at bigint NOT NULL,
      finished_at bigint NOT NULL,
      outcome varchar(16) NOT NULL,
      detail text,
      text text,
      tool_calls text NOT NULL,
      input_tokens integer NOT NULL DEFAULT 0,
      output_tokens integer NOT NULL DEFAULT 0
    )`);
    await q.query(`CREATE INDEX idx_analyses_session ON analyses (session_id, started_at)`);
    await q.query(`ALTER TABLE race_sessions ADD COLUMN alerts_muted_until bigint`);
    await q.query(`CREATE TABLE app_state (
      key varchar(128) PRIMARY KEY NOT NULL,
      value text NOT NULL,
      updated_at bigint NOT NULL
    )`);
    await q.query(`CREATE TABLE leases (
      name varchar(128) PRIMARY KEY NOT NULL,
      holder varchar(128) NOT NULL,
      expires_at bigint NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE leases`);
    await q.query(`DROP TABLE app_state`);
    await q.query(`ALTER TABLE race_sessions DROP COLUMN alerts_muted_until`);
    await q.query(`DROP INDEX idx_analyses_session`);
    await q.query(`DROP TABLE analyses`);
  }
}
