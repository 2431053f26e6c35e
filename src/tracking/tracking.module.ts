import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { GarminClient } from './garmin.client';
import { SessionsController } from './sessions.controller';
import { Tracker } from './tracker.service';
import { TrackingEvents } from './tracking-events';
import { TrackingService } from './tracking.service';

@Module({
  imports: [HttpModule],
  controllers: [SessionsController],
  providers: [GarminClient, Tracker, TrackingEvents, TrackingService],
  exports: [Tracker, TrackingEvents, TrackingService],
})
export class TrackingModule {}
