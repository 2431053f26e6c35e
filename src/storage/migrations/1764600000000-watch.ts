import { MigrationInterface, QueryRunner } from 'typeorm';

/** Race-day lifecycle: the watch after a provisional (stale/gone) stop, revivals, where points come from. */
export class Watch1764600000000 implements MigrationInterface {
  name = 'Watch1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE race_sessions ADD COLUMN watching_until bigint`);
    await q.query(`ALTER TABLE race_sessions ADD COLUMN revivals integer NOT NULL DEFAULT 0`);
    await q.query(`ALTER TABLE race_sessions ADD COLUMN points_source varchar(8) NOT NULL DEFAULT 'api'`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE race_sessions DROP COLUMN points_source`);
    await q.query(`ALTER TABLE race_sessions DROP COLUMN revivals`);
    await q.query(`ALTER TABLE race_sessions DROP COLUMN watching_until`);
  }
}
