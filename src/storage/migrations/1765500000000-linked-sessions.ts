import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Linked sessions: a watch restarted mid-race gives a new Garmin session; it points back at the
 * session it continues (previous_session_id) and that one forward at it (next_session_id). The
 * unique indexes make a session continue at most one and be continued by at most one (several
 * NULLs are allowed on both databases). (athlete_key, last_point_at) serves the candidate search:
 * the athlete's sessions whose last point is within 6 h before the new one's start. After the
 * viewer links (already applied where deployed). Plain SQL valid on SQLite and PostgreSQL.
 */
export class LinkedSessions1765500000000 implements MigrationInterface {
  name = 'LinkedSessions1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE race_sessions ADD COLUMN previous_session_id varchar(64)`);
    await q.query(`ALTER TABLE race_sessions ADD COLUMN next_session_id varchar(64)`);
    await q.query(`CREATE UNIQUE INDEX idx_race_sessions_previous ON race_sessions (previous_session_id)`);
    await q.query(`CREATE UNIQUE INDEX idx_race_sessions_next ON race_sessions (next_session_id)`);
    await q.query(`CREATE INDEX idx_race_sessions_athlete_last_point ON race_sessions (athlete_key, last_point_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    // SQLite drops no indexed column: the indexes go first.
    await q.query(`DROP INDEX idx_race_sessions_athlete_last_point`);
    await q.query(`DROP INDEX idx_race_sessions_next`);
    await q.query(`DROP INDEX idx_race_sessions_previous`);
    await q.query(`ALTER TABLE race_sessions DROP COLUMN next_session_id`);
    await q.query(`ALTER TABLE race_sessions DROP COLUMN previous_session_id`);
  }
}
