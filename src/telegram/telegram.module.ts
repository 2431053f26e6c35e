import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { TelegramClient } from './telegram.client';

/** Telegram Bot API delivery, shared by alerts, the coaching tool and health. */
@Module({
  imports: [HttpModule],
  providers: [TelegramClient],
  exports: [TelegramClient],
})
export class TelegramModule {}
