import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { placeholdersFor, WriteQueue, writeQueueOf } from './write-queue';

/** A viewer_links row as the store hands it out (times in epoch ms). */
export interface ViewerLinkRecord {
  tokenHash: string;
  sessionId: string;
  createdAt: number;
  expiresAt: number;
}

/** Viewer links by the hash of their token. */
@Injectable()
export class ViewerLinkStore {
  private readonly writes: WriteQueue;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.writes = writeQueueOf(dataSource);
  }

  private sql(text: string): string {
    return placeholdersFor(this.dataSource, text);
  }

  async saveViewerLink(link: ViewerLinkRecord): Promise<void> {
    await this.writes.run(() =>
      this.dataSource.query(this.sql(`INSERT INTO viewer_links (token_hash, session_id, created_at, expires_at) VALUES (?, ?, ?, ?)`), [
        link.tokenHash, link.sessionId, link.createdAt, link.expiresAt,
      ]),
    );
  }

  /** The link of this token hash while it is still valid at `now`; expired ones are as good as gone. */
  async findLiveViewerLink(tokenHash: string, now = Date.now()): Promise<ViewerLinkRecord | null> {
    const rows: Array<{ token_hash: string; session_id: string; created_at: string | number; expires_at: string | number }> = await this.dataSource.query(
      this.sql(`SELECT token_hash, session_id, created_at, expires_at FROM viewer_links WHERE token_hash = ? AND expires_at > ?`),
      [tokenHash, now],
    );
    const row = rows[0];
    return row ? { tokenHash: row.token_hash, sessionId: row.session_id, createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) } : null;
  }

  /** Revokes every link of the session (and drops long-expired ones of any session); how many it revoked. */
  async deleteViewerLinks(sessionId: string, now = Date.now()): Promise<number> {
    return this.writes.run(async () => {
      const rows: Array<{ n: string | number }> = await this.dataSource.query(
        this.sql(`SELECT COUNT(*) AS n FROM viewer_links WHERE session_id = ? AND expires_at > ?`),
        [sessionId, now],
      );
      await this.dataSource.query(this.sql(`DELETE FROM viewer_links WHERE session_id = ? OR expires_at <= ?`), [sessionId, now]);
      return Number(rows[0]?.n ?? 0);
    });
  }
}
