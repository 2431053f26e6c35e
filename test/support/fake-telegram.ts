// A local stand-in for the Telegram Bot API (sendMessage only), faithful to its wire format:
// POST {base}/bot{token}/sendMessage with JSON or form {chat_id, text} →
// {"ok":true,"result":{message_id,...}}; errors → {"ok":false,"error_code",...,"description"};
// 429 carries parameters.retry_after. Plain node:http on 127.0.0.1, port 0.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeTelegramMessage {
  token: string;
  chat_id: string;
  text: string;
  message_id: number;
  at: number;
}

export interface FakeTelegramRequest {
  method: string;
  /** Path with the token replaced by <token>, as a log would show it. */
  path: string;
  status: number;
  at: number;
}

export type TelegramFault = '429' | '500' | '502';

export class FakeTelegram {
  readonly messages: FakeTelegramMessage[] = [];
  readonly requests: FakeTelegramRequest[] = [];
  private faults: Array<{ kind: TelegramFault; retryAfterS: number }> = [];
  private server: Server | null = null;
  private nextMessageId = 100;
  origin = '';

  constructor(
    readonly token = '123456:TEST',
    /** Chats the bot can write to; anything else is "chat not found". */
    readonly chats: string[] = ['42'],
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** The next sendMessage calls fail with these answers, in order. */
  failNext(kinds: TelegramFault[], retryAfterS = 1): void {
    this.faults.push(...kinds.map((kind) => ({ kind, retryAfterS })));
  }

  reset(): void {
    this.messages.length = 0;
    this.requests.length = 0;
    this.faults = [];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://x');
    const match = /^\/bot([^/]+)\/([A-Za-z]+)$/.exec(url.pathname);
    const body = await readBody(req);
    const reply = (status: number, payload: unknown) => {
      this.requests.push({ method: req.method ?? '', path: url.pathname.replace(/\/bot[^/]+/, '/bot<token>'), status, at: Date.now() });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(payload));
    };
    const fail = (code: number, description: string, extra: Record<string, unknown> = {}) =>
      reply(code, { ok: false, error_code: code, description, ...extra });

    if (!match) return fail(404, 'Not Found');
    const [, token, method] = match;
    if (token !== this.token) return fail(401, 'Unauthorized');
    if (method !== 'sendMessage') return fail(404, 'Not Found');

    let params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const type = String(req.headers['content-type'] ?? '');
    try {
      if (type.includes('application/json') && body) params = { ...params, ...JSON.parse(body) };
      else if (type.includes('application/x-www-form-urlencoded')) params = { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
    } catch {
      return fail(400, "Bad Request: can't parse JSON");
    }

    const fault = this.faults.shift();
    if (fault?.kind === '429') {
      return fail(429, `Too Many Requests: retry after ${fault.retryAfterS}`, { parameters: { retry_after: fault.retryAfterS } });
    }
    if (fault) return fail(Number(fault.kind), fault.kind === '500' ? 'Internal Server Error' : 'Bad Gateway');

    const chatId = params.chat_id === undefined || params.chat_id === null ? '' : String(params.chat_id);
    if (chatId === '') return fail(400, 'Bad Request: chat_id is empty');
    if (!this.chats.includes(chatId)) return fail(400, 'Bad Request: chat not found');
    const text = typeof params.text === 'string' ? params.text : '';
    if (text.trim() === '') return fail(400, 'Bad Request: message text is empty');
    if (text.length > 4096) return fail(400, 'Bad Request: message is too long');

    const message_id = this.nextMessageId++;
    const date = Math.floor(Date.now() / 1000);
    this.messages.push({ token, chat_id: chatId, text, message_id, at: Date.now() });
    reply(200, {
      ok: true,
      result: {
        message_id,
        from: { id: Number(this.token.split(':')[0]), is_bot: true, first_name: 'LiveTrack Coach', username: 'livetrack_coach_bot' },
        chat: { id: Number(chatId), first_name: 'Athlete', type: 'private' },
        date,
        text,
      },
    });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (chunk) => (data += chunk));
    req.on('end', () => resolve(data));
    req.on('error', reject);
  });
}
