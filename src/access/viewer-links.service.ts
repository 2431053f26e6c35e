import { Injectable, Logger } from '@nestjs/common';
import { Observable, Subject, filter } from 'rxjs';
import { ViewerLinkStore } from '../storage/viewer-link-store.service';
import { TrackingService } from '../tracking/tracking.service';
import { hashViewerToken, looksLikeViewerToken, newViewerToken } from './access-tokens';
import { VIEWER_LINK_DEFAULT_H } from './dto/access.dto';

export const WATCH_PATH = '/watch';

/** What a valid viewer token opens: one session, until `expiresAt`. */
export interface ViewerGrant {
  sessionId: string;
  expiresAt: number;
}

/**
 * Viewer links: read-only links to one race's live view for family and crew. A link is a random
 * 256-bit token; only its SHA-256 is stored, with the session and an expiry. Revoking removes every
 * link of a session; open views of it end at once here (revoked$) and, on other replicas, at their
 * next re-check (WatchController).
 */
@Injectable()
export class ViewerLinksService {
  private readonly logger = new Logger(ViewerLinksService.name);
  private readonly revoked$ = new Subject<string>();

  constructor(
    private readonly store: ViewerLinkStore,
    private readonly tracking: TrackingService,
  ) {}

  async create(sessionId: string, expiresInH = VIEWER_LINK_DEFAULT_H, now = Date.now()): Promise<{ url: string; expires_at: string }> {
    await this.tracking.requireSession(sessionId);
    const token = newViewerToken();
    const expiresAt = now + Math.round(expiresInH * 3_600_000);
    await this.store.saveViewerLink({ tokenHash: hashViewerToken(token), sessionId, createdAt: now, expiresAt });
    this.logger.log({ msg: 'viewer link created', sessionId, expiresAt: new Date(expiresAt).toISOString() });
    return { url: `${WATCH_PATH}/${token}`, expires_at: new Date(expiresAt).toISOString() };
  }

  async revokeAll(sessionId: string): Promise<number> {
    await this.tracking.requireSession(sessionId);
    const revoked = await this.store.deleteViewerLinks(sessionId);
    this.revoked$.next(sessionId);
    this.logger.log({ msg: 'viewer links revoked', sessionId, revoked });
    return revoked;
  }

  /** The session a token opens now, or null (unknown, malformed, revoked, expired). */
  async resolve(token: string, now = Date.now()): Promise<ViewerGrant | null> {
    if (!looksLikeViewerToken(token)) return null;
    const link = await this.store.findLiveViewerLink(hashViewerToken(token), now);
    return link ? { sessionId: link.sessionId, expiresAt: link.expiresAt } : null;
  }

  /** Emits when this replica revoked the session's links. */
  revocations(sessionId: string): Observable<string> {
    return this.revoked$.pipe(filter((id) => id === sessionId));
  }
}
