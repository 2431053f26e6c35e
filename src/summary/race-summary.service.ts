import { Injectable } from '@nestjs/common';
import type { CourseProgress } from '../course/course.types';
import { MetricsService, physiologyOf } from '../metrics/metrics.service';
import type { RaceMetricsSnapshot } from '../metrics/metrics.types';
import { AnalysisStore, AnalysisTotals } from '../storage/analysis-store.service';
import { SessionChains } from '../tracking/session-chains.service';
import { StatusExtras } from '../tracking/status-extras';
import { TrackingService } from '../tracking/tracking.service';
import { buildRaceSummary, RaceSummary } from './race-summary';

/** The summary with the coaching metrics (same figures as GET /metrics) and the course progress. */
export interface RaceSummaryWithMetrics extends RaceSummary {
  metrics: RaceMetricsSnapshot;
  course: CourseProgress | null;
  /** The stored analysis cycles: counts by outcome, tool calls made and tokens spent. */
  analyses: AnalysisTotals;
}

/** Per-leg race summary, for GET /sessions/:id/summary and the get_race_summary tool alike. */
@Injectable()
export class RaceSummaryService {
  constructor(
    private readonly tracking: TrackingService,
    private readonly chains: SessionChains,
    private readonly coaching: MetricsService,
    private readonly extras: StatusExtras,
    private readonly history: AnalysisStore,
  ) {}

  async summary(sessionId: string): Promise<RaceSummaryWithMetrics> {
    const session = await this.tracking.requireSession(sessionId);
    // The whole race when the session is linked to others (a restarted watch).
    const points = await this.chains.window(await this.chains.chainOf(sessionId), 0);
    return {
      ...buildRaceSummary(session, points),
      metrics: await this.coaching.snapshot(sessionId, physiologyOf(session.raceConfig)),
      course: await this.extras.courseOf(sessionId),
      analyses: await this.history.analysisTotals(sessionId),
    };
  }
}
