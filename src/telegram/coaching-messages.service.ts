import { Injectable } from '@nestjs/common';
import { InputError } from '../common/errors';
import { TelegramClient, TelegramDelivery } from './telegram.client';

/**
 * Coaching messages to the athlete, from the send_coaching_message MCP tool and from Claude's
 * tool calls in an Anthropic analysis cycle alike: one place decides what "Telegram is off" means.
 * Not silenced by /mute (that is for automatic alerts; a coach's message is deliberate).
 */
@Injectable()
export class CoachingMessages {
  constructor(private readonly telegram: TelegramClient) {}

  get enabled(): boolean {
    return this.telegram.enabled;
  }

  /** Throws InputError (Telegram off, bad chat or text) or Error (delivery failed). */
  async send(text: string, chatId?: string): Promise<TelegramDelivery> {
    if (!this.telegram.enabled) {
      throw new InputError(
        'Not sent: Telegram delivery is off on this server (TELEGRAM_BOT_TOKEN is not set). ' +
          'Tell the user the message instead, or ask the operator to configure TELEGRAM_BOT_TOKEN and TELEGRAM_CHAT_ID.',
      );
    }
    return this.telegram.send(text, chatId);
  }
}
