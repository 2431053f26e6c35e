import { Module } from '@nestjs/common';
import { AnalysisModule } from '../analysis/analysis.module';
import { CourseModule } from '../course/course.module';
import { MetricsModule } from '../metrics/metrics.module';
import { TrackingModule } from '../tracking/tracking.module';
import { BoardController } from './board.controller';
import { BoardService } from './board.service';
import { DashboardLive } from './dashboard-live.service';
import { DashboardController } from './dashboard.controller';
import { ExportController } from './export.controller';
import { ExportService } from './export.service';

/** Read-only faces for people: the live race dashboard (HTML + SSE) and GPX/CSV exports. */
@Module({
  imports: [TrackingModule, AnalysisModule, MetricsModule, CourseModule],
  // BoardController first: its /dashboard/events must be routed before DashboardController's /dashboard/:id.
  controllers: [BoardController, DashboardController, ExportController],
  providers: [DashboardLive, ExportService, BoardService],
  exports: [DashboardLive],
})
export class DashboardModule {}
