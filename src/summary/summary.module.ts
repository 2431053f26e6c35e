import { Module } from '@nestjs/common';
import { TrackingModule } from '../tracking/tracking.module';
import { RaceSummaryService } from './race-summary.service';
import { SummaryController } from './summary.controller';

@Module({
  imports: [TrackingModule],
  controllers: [SummaryController],
  providers: [RaceSummaryService],
  exports: [RaceSummaryService],
})
export class SummaryModule {}
