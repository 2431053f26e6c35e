import { Module } from '@nestjs/common';
import { TrackingModule } from '../tracking/tracking.module';
import { TelegramCommandsService } from './telegram-commands.service';
import { TelegramModule } from './telegram.module';

/** Telegram bot commands (TELEGRAM_COMMANDS=on); /health reads its counters. */
@Module({
  imports: [TrackingModule, TelegramModule],
  providers: [TelegramCommandsService],
  exports: [TelegramCommandsService],
})
export class TelegramCommandsModule {}
