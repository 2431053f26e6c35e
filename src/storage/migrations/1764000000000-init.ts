import { MigrationInterface, QueryRunner } from 'typeorm';

/** Initial schema. Plain SQL types accepted by both SQLite and PostgreSQL. */
export class Init1764000000000 implements MigrationInterface {
  name = 'Init1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE race_sessions (
      id varchar(64) PRIMARY KEY NOT NULL,
      share_url text NOT NULL,
      race_config text NOT NULL,
      thresholds text NOT NULL,
      state varchar(16) NOT NULL,
      stop_reason varchar(16),
      stop_detail text,
      session_name varchar(200),
      athlete varchar(200),
      garmin_start bigint,
      garmin_end bigint,
      post_frequency_s integer,
      started_at bigint NOT NULL,
      stopped_at bigint,
      updated_at bigint NOT NULL,
      last_point_at bigint,
      last_new_point_received_at bigint,
      points integer NOT NULL DEFAULT 0,
      polls integer NOT NULL DEFAULT 0,
      poll_errors integer NOT NULL DEFAULT 0,
      last_error text,
      last_error_at bigint,
      last_poll_at bigint,
      rejected_points integer NOT NULL DEFAULT 0,
      analysis_runs integer NOT NULL DEFAULT 0,
      analysis_errors integer NOT NULL DEFAULT 0,
      last_analysis_at bigint,
      last_analysis_result varchar(32),
      alerts_sent integer NOT NULL DEFAULT 0,
      thresholds_updated_at bigint,
      thresholds_updated_by varchar(64)
    )`);
    await q.query(`CREATE INDEX idx_race_sessions_state ON race_sessions (state, started_at)`);
    await q.query(`CREATE TABLE trackpoints (
      session_id varchar(64) NOT NULL,
      time bigint NOT NULL,
      lat double precision,
      lon double precision,
      altitude_m double precision,
      speed_mps double precision,
      distance_m double precision,
      duration_s double precision,
      heart_rate integer,
      cadence integer,
      power integer,
      activity_type varchar(32),
      leg varchar(8) NOT NULL,
      status varchar(16),
      PRIMARY KEY (session_id, time)
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE trackpoints`);
    await q.query(`DROP INDEX idx_race_sessions_state`);
    await q.query(`DROP TABLE race_sessions`);
  }
}
