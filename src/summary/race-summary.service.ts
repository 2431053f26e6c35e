import { Injectable } from '@nestjs/common';
import { TrackStore } from '../storage/track-store.service';
import { TrackingService } from '../tracking/tracking.service';
import { buildRaceSummary, RaceSummary } from './race-summary';

/** Per-leg race summary, for GET /sessions/:id/summary and the get_race_summary tool alike. */
@Injectable()
export class RaceSummaryService {
  constructor(
    private readonly tracking: TrackingService,
    private readonly store: TrackStore,
  ) {}

  async summary(sessionId: string): Promise<RaceSummary> {
    const session = await this.tracking.requireSession(sessionId);
    const points = await this.store.findWindow(sessionId, 0);
    return buildRaceSummary(session, points);
  }
}
