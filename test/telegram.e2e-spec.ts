import { HttpService } from '@nestjs/axios';
import { Logger } from '@nestjs/common';
import axios from 'axios';
import { InputError } from '../src/common/errors';
import { parseEnv } from '../src/config/app-config';
import { TelegramClient } from '../src/telegram/telegram.client';
import { freePort } from './support/app';
import { FakeTelegram } from './support/fake-telegram';

/** The client behind alerts and send_coaching_message, against the fake Bot API over loopback. */
describe('TelegramClient against a faithful fake Bot API', () => {
  let telegram: FakeTelegram;
  const clients: TelegramClient[] = [];

  const client = (env: Record<string, string>) => {
    const c = new TelegramClient(new HttpService(axios.create()), parseEnv({ LIVETRACK_BACKOFF_SCALE: '0.001', ...env }));
    clients.push(c);
    return c;
  };
  const configured = (extra: Record<string, string> = {}) =>
    client({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_CHAT_ID: '42', TELEGRAM_API_BASE: telegram.origin, ...extra });

  beforeAll(async () => {
    Logger.overrideLogger(false); // the client warns on every failed attempt; this spec provokes many
    telegram = new FakeTelegram('123456:TEST', ['42', '-1001']);
    await telegram.start();
  });
  afterAll(async () => {
    for (const c of clients) c.beforeApplicationShutdown();
    await telegram.stop();
  });
  beforeEach(() => telegram.reset());

  it('delivers to the default chat or a given one and returns the message id', async () => {
    const c = configured();
    expect(c.enabled).toBe(true);
    const sent = await c.send('Drink now, gel in 10 min');
    expect(sent).toEqual({ delivered: true, chat_id: '42', message_id: telegram.messages[0].message_id });
    const other = await c.send('Team update', '-1001');
    expect(other.chat_id).toBe('-1001');
    expect(telegram.messages.map((m) => [m.chat_id, m.text])).toEqual([['42', 'Drink now, gel in 10 min'], ['-1001', 'Team update']]);
    expect(c.stats()).toMatchObject({ sent: 2, failed: 0, retries: 0 });
  });

  it('retries 5xx and honours 429 retry_after, delivering once', async () => {
    const c = configured();
    telegram.failNext(['500', '502']);
    await c.send('one');
    telegram.failNext(['429'], 1);
    await c.send('two');
    const [asked, retried] = telegram.requests.slice(3);
    expect(retried.at - asked.at).toBeGreaterThanOrEqual(950); // waited the second Telegram asked for
    expect(telegram.messages.map((m) => m.text)).toEqual(['one', 'two']);
    expect(telegram.requests.map((r) => r.status)).toEqual([500, 502, 200, 429, 200]);
    expect(c.stats()).toMatchObject({ sent: 2, failed: 0, retries: 3 });
  });

  it('gives up after a few attempts, on a 429 asking too long a wait, and at once on 4xx — never showing the token', async () => {
    const c = configured();
    telegram.failNext(['500', '500', '500', '500', '500']);
    const persistent = await c.send('x').catch((e: Error) => e);
    expect(persistent).toBeInstanceOf(Error);
    expect((persistent as Error).message).toMatch(/Telegram did not deliver the message: HTTP 500/);
    expect(telegram.requests).toHaveLength(TelegramClient.MAX_ATTEMPTS);

    telegram.reset();
    telegram.failNext(['429'], 3600);
    await expect(c.send('x')).rejects.toThrow(/asked to wait 3600 s/);
    expect(telegram.requests).toHaveLength(1);

    telegram.reset();
    await expect(c.send('x', '777')).rejects.toThrow(/chat not found/);
    expect(telegram.requests).toHaveLength(1);

    const badToken = client({ TELEGRAM_BOT_TOKEN: '999:WRONG', TELEGRAM_CHAT_ID: '42', TELEGRAM_API_BASE: telegram.origin });
    const unauthorized = await badToken.send('x').catch((e: Error) => e);
    expect((unauthorized as Error).message).toMatch(/HTTP 401: Unauthorized/);

    const port = await freePort(); // nothing listens there: connection refused
    const unreachable = client({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_CHAT_ID: '42', TELEGRAM_API_BASE: `http://127.0.0.1:${port}` });
    const refused = await unreachable.send('x').catch((e: Error) => e);
    expect((refused as Error).message).toMatch(/cannot reach the Bot API \(ECONNREFUSED\)/);
    for (const e of [persistent, unauthorized, refused]) {
      expect((e as Error).message).not.toContain('TEST');
      expect((e as Error).message).not.toContain('WRONG');
    }
    expect(c.stats()).toMatchObject({ failed: 3 });
    expect(c.stats().last_error).not.toContain(telegram.token);
  });

  it('refuses with an input error when Telegram is off, no chat id is known, or the text is unusable', async () => {
    const off = client({});
    expect(off.enabled).toBe(false);
    await expect(off.send('hi')).rejects.toThrow(InputError);
    await expect(off.send('hi')).rejects.toThrow(/TELEGRAM_BOT_TOKEN/);

    const noChat = client({ TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_BASE: telegram.origin });
    const error = await noChat.send('hi').catch((e) => e);
    expect(error).toBeInstanceOf(InputError);
    expect(error.fields).toEqual(['chat_id']);
    expect((await noChat.send('hi', '42')).delivered).toBe(true);

    const c = configured();
    await expect(c.send('   ')).rejects.toMatchObject({ fields: ['text'] });
    await expect(c.send('x'.repeat(5000))).rejects.toMatchObject({ fields: ['text'] });
    await expect(c.send('hi', 'not a chat')).rejects.toMatchObject({ fields: ['chat_id'] });
    expect(telegram.requests).toHaveLength(1);
  });
});
