import { Module } from '@nestjs/common';
import { MetricsModule } from '../metrics/metrics.module';
import { TrackingModule } from '../tracking/tracking.module';
import { RaceSummaryService } from './race-summary.service';
import { SummaryController } from './summary.controller';

@Module({
  imports: [TrackingModule, MetricsModule],
  controllers: [SummaryController],
  providers: [RaceSummaryService],
  exports: [RaceSummaryService],
})
export class SummaryModule {}
