import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { CoachingMessages } from './coaching-messages.service';
import { TelegramClient } from './telegram.client';

/** Telegram Bot API delivery, shared by alerts, the coaching tool, analysis cycles and health. */
@Module({
  imports: [HttpModule],
  providers: [TelegramClient, CoachingMessages],
  exports: [TelegramClient, CoachingMessages],
})
export class TelegramModule {}
