import { Module } from '@nestjs/common';
import { AthletesModule } from '../athletes/athletes.module';
import { TrackingModule } from '../tracking/tracking.module';
import { InvitationsService } from './invitations.service';

/** Invitations by e-mail (IMAP_URL); idle when it is unset. /health reads its counters. */
@Module({
  imports: [TrackingModule, AthletesModule],
  providers: [InvitationsService],
  exports: [InvitationsService],
})
export class InvitationsModule {}
