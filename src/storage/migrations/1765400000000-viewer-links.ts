import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Viewer links: read-only links to one race's live view. Only the SHA-256 of a token is stored, so
 * a copy of the database opens no race. Plain SQL valid on SQLite and PostgreSQL.
 */
export class ViewerLinks1765400000000 implements MigrationInterface {
  name = 'ViewerLinks1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE viewer_links (
      token_hash varchar(64) PRIMARY KEY NOT NULL,
      session_id varchar(64) NOT NULL,
      created_at bigint NOT NULL,
      expires_at bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX idx_viewer_links_session ON viewer_links (session_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX idx_viewer_links_session`);
    await q.query(`DROP TABLE viewer_links`);
  }
}
