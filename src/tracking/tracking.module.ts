import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { GarminClient } from './garmin.client';
import { SessionsController } from './sessions.controller';
import { Tracker } from './tracker.service';
import { StatusExtras } from './status-extras';
import { TrackingEvents } from './tracking-events';
import { TrackingService } from './tracking.service';
import { LeaseKeeper } from '../cluster/lease-keeper.service';
import { AthletesModule } from '../athletes/athletes.module';
import { AthleteMatcher } from './athlete-matcher.service';
import { SessionChains } from './session-chains.service';
import { SessionLinker } from './session-linker.service';

@Module({
  imports: [HttpModule, AthletesModule],
  controllers: [SessionsController],
  // The lease keeper lives in src/cluster but is provided here: tracking asks it where a new session goes, it drives the tracker.
  providers: [GarminClient, Tracker, TrackingEvents, TrackingService, StatusExtras, LeaseKeeper, AthleteMatcher, SessionChains, SessionLinker],
  exports: [Tracker, TrackingEvents, TrackingService, StatusExtras, LeaseKeeper, SessionChains],
})
export class TrackingModule {}
