import { Global, Module } from '@nestjs/common';
import { TrackingModule } from '../tracking/tracking.module';
import { TelegramCommandsService } from './telegram-commands.service';
import { TelegramModule } from './telegram.module';

/**
 * Telegram bot commands (TELEGRAM_COMMANDS=on). Global so /health can read its counters without
 * HealthModule importing it; it imports tracking and delivery, nothing imports it back (no cycle).
 */
@Global()
@Module({
  imports: [TrackingModule, TelegramModule],
  providers: [TelegramCommandsService],
  exports: [TelegramCommandsService],
})
export class TelegramCommandsModule {}
