import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Several replicas on one database: which replica polls a session (its lease, renewed well within
 * LEASE_TTL_S), which replicas are alive (their heartbeat), so shares can be fair, and the alert
 * state a replica taking a session over continues from.
 */
export class Leases1764900000000 implements MigrationInterface {
  name = 'Leases1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE race_sessions ADD COLUMN lease_holder varchar(128)`);
    await q.query(`ALTER TABLE race_sessions ADD COLUMN lease_expires_at bigint`);
    await q.query(`CREATE INDEX idx_race_sessions_lease ON race_sessions (lease_holder)`);
    // Alert rule state (breach runs, cooldowns, fuelling count) survives a takeover.
    await q.query(`ALTER TABLE race_sessions ADD COLUMN alert_state text`);
    await q.query(`CREATE TABLE replicas (
      id varchar(128) PRIMARY KEY NOT NULL,
      started_at bigint NOT NULL,
      seen_at bigint NOT NULL,
      sessions integer NOT NULL DEFAULT 0
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE replicas`);
    await q.query(`ALTER TABLE race_sessions DROP COLUMN alert_state`);
    await q.query(`DROP INDEX idx_race_sessions_lease`);
    await q.query(`ALTER TABLE race_sessions DROP COLUMN lease_expires_at`);
    await q.query(`ALTER TABLE race_sessions DROP COLUMN lease_holder`);
  }
}
