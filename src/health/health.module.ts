import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TelegramModule } from '../telegram/telegram.module';
import { TrackingModule } from '../tracking/tracking.module';
import { HealthController } from './health.controller';

@Module({
  imports: [TerminusModule.forRoot({ logger: false }), TrackingModule, TelegramModule],
  controllers: [HealthController],
})
export class HealthModule {}
