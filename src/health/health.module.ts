import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TelegramModule } from '../telegram/telegram.module';
import { TelegramCommandsModule } from '../telegram/telegram-commands.module';
import { TrackingModule } from '../tracking/tracking.module';
import { InvitationsModule } from '../invitations/invitations.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), TrackingModule, TelegramModule, TelegramCommandsModule, InvitationsModule],
  controllers: [HealthController],
})
export class HealthModule {}
