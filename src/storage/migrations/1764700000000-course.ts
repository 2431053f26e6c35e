import { MigrationInterface, QueryRunner } from 'typeorm';

/** The planned course of a session (uploaded GPX or read from Garmin's courses endpoint). */
export class Course1764700000000 implements MigrationInterface {
  name = 'Course1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE race_courses (
      session_id varchar(64) PRIMARY KEY NOT NULL,
      source varchar(8) NOT NULL,
      name varchar(200),
      distance_m double precision NOT NULL,
      course text NOT NULL,
      created_at bigint NOT NULL
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE race_courses`);
  }
}
