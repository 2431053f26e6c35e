import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { GarminClient } from './garmin.client';
import { SessionsController } from './sessions.controller';
import { Tracker } from './tracker.service';
import { StatusExtras } from './status-extras';
import { TrackingEvents } from './tracking-events';
import { TrackingService } from './tracking.service';

@Module({
  imports: [HttpModule],
  controllers: [SessionsController],
  providers: [GarminClient, Tracker, TrackingEvents, TrackingService, StatusExtras],
  exports: [Tracker, TrackingEvents, TrackingService, StatusExtras],
})
export class TrackingModule {}
