import { Module } from '@nestjs/common';
import { AnalysisModule } from '../analysis/analysis.module';
import { TrackingModule } from '../tracking/tracking.module';
import { DashboardLive } from './dashboard-live.service';
import { DashboardController } from './dashboard.controller';
import { ExportController } from './export.controller';
import { ExportService } from './export.service';

/** Read-only faces for people: the live race dashboard (HTML + SSE) and GPX/CSV exports. */
@Module({
  imports: [TrackingModule, AnalysisModule],
  controllers: [DashboardController, ExportController],
  providers: [DashboardLive, ExportService],
})
export class DashboardModule {}
