// A local stand-in for the Telegram Bot API (sendMessage and getUpdates), faithful to its wire format:
// POST {base}/bot{token}/sendMessage with JSON or form {chat_id, text} →
// {"ok":true,"result":{message_id,...}}; errors → {"ok":false,"error_code",...,"description"};
// 429 carries parameters.retry_after.
// POST {base}/bot{token}/getUpdates {offset?, limit?, timeout?, allowed_updates?} →
// {"ok":true,"result":[Update…]}: `offset` confirms (drops) every update with a lower update_id;
// with nothing queued the request is held up to `timeout` seconds (long polling); a second
// concurrent getUpdates for the token answers 409 Conflict, as Telegram does when two bot
// instances poll. Plain node:http on 127.0.0.1, port 0.
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

/** A Bot API Message as getUpdates carries it (private chats: chat.id = the user's id). */
export interface FakeTelegramIncoming {
  message_id: number;
  from: { id: number; is_bot: boolean; first_name: string };
  chat: { id: number; type: 'private'; first_name: string };
  date: number;
  text?: string;
  entities?: Array<{ type: 'bot_command'; offset: number; length: number }>;
}

/** A Bot API Update: exactly one of the optional fields is present. */
export interface FakeTelegramUpdate {
  update_id: number;
  message?: FakeTelegramIncoming;
  edited_message?: FakeTelegramIncoming;
}

/** One getUpdates call as the fake saw it (parameters as sent). */
export interface FakeGetUpdatesCall {
  offset: number | null;
  timeout: number;
  /** HTTP status answered; -1 when the poller gave up (aborted) while held. */
  status: number;
  at: number;
}

const CONFLICT = 'Conflict: terminated by other getUpdates request; make sure that only one bot instance is running';

interface HeldPoll {
  token: string;
  finish: () => void;
}

export class FakeTelegram {
  readonly messages: FakeTelegramMessage[] = [];
  readonly requests: FakeTelegramRequest[] = [];
  private faults: Array<{ kind: TelegramFault; retryAfterS: number }> = [];
  private server: Server | null = null;
  private nextMessageId = 100;
  /** Updates not yet confirmed by an offset, oldest first. */
  private updates: FakeTelegramUpdate[] = [];
  /** Every update ever queued, so redeliverAll() can play Telegram losing the confirmations. */
  private history: FakeTelegramUpdate[] = [];
  private nextUpdateId = 1000;
  private nextIncomingId = 1;
  /** getUpdates requests being answered or held, per token. */
  private held = new Set<HeldPoll>();
  readonly getUpdatesCalls: FakeGetUpdatesCall[] = [];
  /** Most getUpdates requests of one token in flight at once (1 = never two pollers). */
  maxConcurrentPollers = 0;
  /** getUpdates requests answered 409 because another was in flight. */
  conflicts = 0;
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
    for (const poll of [...this.held]) poll.finish();
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
    this.getUpdatesCalls.length = 0;
  }

  /** getUpdates requests in flight now (held long polls included). */
  get pendingPollers(): number {
    return this.held.size;
  }

  /** Messages the bot sent to one chat, oldest first. */
  sentTo(chatId: string): string[] {
    return this.messages.filter((m) => m.chat_id === chatId).map((m) => m.text);
  }

  /**
   * A user writes `text` to the bot from a private chat (chat id = user id). A leading /command
   * carries a bot_command entity as Telegram marks it. Returns the update_id.
   */
  pushCommand(chatId: string | number, text: string): number {
    return this.pushUpdate({ message: this.incoming(chatId, text) });
  }

  /** Queues any update (e.g. `{ edited_message: fake.incoming(42, '/status') }`); wakes a held long poll. */
  pushUpdate(update: Omit<FakeTelegramUpdate, 'update_id'>): number {
    const full: FakeTelegramUpdate = { update_id: this.nextUpdateId++, ...update };
    this.updates.push(full);
    this.history.push(full);
    for (const poll of [...this.held]) poll.finish();
    return full.update_id;
  }

  /** A Bot API Message from a user in a private chat. */
  incoming(chatId: string | number, text: string): FakeTelegramIncoming {
    const id = Number(chatId);
    const command = /^\/\S+/.exec(text);
    return {
      message_id: this.nextIncomingId++,
      from: { id, is_bot: false, first_name: `User${id}` },
      chat: { id, type: 'private', first_name: `User${id}` },
      date: Math.floor(Date.now() / 1000),
      text,
      ...(command ? { entities: [{ type: 'bot_command' as const, offset: 0, length: command[0].length }] } : {}),
    };
  }

  /** Puts every update ever queued back, unconfirmed: Telegram redelivers unless the poller sends its offset. */
  redeliverAll(): void {
    this.updates = [...this.history];
  }

  /** Updates queued and not yet confirmed. */
  get unconfirmed(): number {
    return this.updates.length;
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
    if (method !== 'sendMessage' && method !== 'getUpdates') return fail(404, 'Not Found');

    let params: Record<string, unknown> = Object.fromEntries(url.searchParams);
    const type = String(req.headers['content-type'] ?? '');
    try {
      if (type.includes('application/json') && body) params = { ...params, ...JSON.parse(body) };
      else if (type.includes('application/x-www-form-urlencoded')) params = { ...params, ...Object.fromEntries(new URLSearchParams(body)) };
    } catch {
      return fail(400, "Bad Request: can't parse JSON");
    }
    if (method === 'getUpdates') return this.getUpdates(token, params, res, reply, fail);

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

  private getUpdates(
    token: string,
    params: Record<string, unknown>,
    res: ServerResponse,
    reply: (status: number, payload: unknown) => void,
    fail: (code: number, description: string) => void,
  ): void {
    const offset = params.offset === undefined || params.offset === null ? null : Number(params.offset);
    const timeout = params.timeout === undefined ? 0 : Number(params.timeout);
    const limit = params.limit === undefined ? 100 : Number(params.limit);
    const call: FakeGetUpdatesCall = { offset, timeout, status: 0, at: Date.now() };
    this.getUpdatesCalls.push(call);
    if ((offset !== null && !Number.isInteger(offset)) || !Number.isFinite(timeout) || timeout < 0 || !(limit >= 1 && limit <= 100)) {
      call.status = 400;
      return fail(400, 'Bad Request: wrong parameters');
    }

    const inFlight = [...this.held].filter((p) => p.token === token).length + 1;
    this.maxConcurrentPollers = Math.max(this.maxConcurrentPollers, inFlight);
    if (inFlight > 1) {
      this.conflicts++;
      call.status = 409;
      return fail(409, CONFLICT);
    }
    // The offset confirms every update before it: Telegram forgets them for good.
    if (offset !== null && offset > 0) this.updates = this.updates.filter((u) => u.update_id >= offset);
    const ready = () => this.updates.slice(0, limit);

    let timer: NodeJS.Timeout | null = null;
    const poll: HeldPoll = {
      token,
      finish: () => {
        if (!this.held.delete(poll)) return;
        if (timer) clearTimeout(timer);
        call.status = 200;
        reply(200, { ok: true, result: ready() });
      },
    };
    this.held.add(poll);
    if (ready().length > 0 || timeout === 0) return poll.finish();
    timer = setTimeout(poll.finish, timeout * 1000);
    // A poller that gives up (aborted request, closed app) is no longer in flight.
    res.once('close', () => {
      if (!this.held.delete(poll)) return;
      if (timer) clearTimeout(timer);
      call.status = -1;
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
