import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Athlete profiles (a default race_config and a Telegram chat per athlete, matched to Garmin's
 * athlete name through name_key, the normalized display_name) and the athlete a session was
 * matched to. Plain SQL valid on SQLite and PostgreSQL.
 */
export class Athletes1765100000000 implements MigrationInterface {
  name = 'Athletes1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE athletes (
      key varchar(64) PRIMARY KEY NOT NULL,
      display_name varchar(200) NOT NULL,
      name_key varchar(200) NOT NULL,
      race_config text NOT NULL,
      telegram_chat_id varchar(64),
      created_at bigint NOT NULL,
      updated_at bigint NOT NULL
    )`);
    // Unique: a Garmin name must lead to one athlete, or matching it would be a guess.
    await q.query(`CREATE UNIQUE INDEX idx_athletes_name_key ON athletes (name_key)`);
    await q.query(`ALTER TABLE race_sessions ADD COLUMN athlete_key varchar(64)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE race_sessions DROP COLUMN athlete_key`);
    await q.query(`DROP INDEX idx_athletes_name_key`);
    await q.query(`DROP TABLE athletes`);
  }
}
