// A local stand-in for the Anthropic Messages API (POST /v1/messages, non-streaming), faithful to
// its wire format: the key (x-api-key, or Authorization: Bearer as SDK 1.16 sends it) and the
// anthropic-version header, a JSON body with model, max_tokens,
// system, tools, tool_choice and alternating messages (every tool_use answered by tool_result
// blocks in the next user turn), answered with a Message (content blocks, stop_reason, usage) or
// {"type":"error","error":{type,message},"request_id"} with the real statuses and retry-after
// headers. Tests script Claude's turns as a queue of handlers; every request is recorded with its
// headers (the key itself left out) and body. Plain node:http on 127.0.0.1, port 0.
import { randomBytes } from 'node:crypto';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Block = { type: string; [key: string]: unknown };

export interface MessagesBody {
  model: string;
  max_tokens: number;
  system?: unknown;
  tools?: Array<{ name: string; description?: string; input_schema: Record<string, unknown> }>;
  tool_choice?: { type: string; name?: string };
  messages: Array<{ role: 'user' | 'assistant'; content: string | Block[] }>;
  [key: string]: unknown;
}

export interface FakeAnthropicRequest {
  method: string;
  path: string;
  /** Lower-cased headers without the credential ones (x-api-key, authorization). */
  headers: Record<string, string>;
  /** Whether the key presented matched the fake's. */
  keyOk: boolean;
  /** How the key came: the x-api-key header or Authorization: Bearer. */
  auth: 'x-api-key' | 'bearer' | null;
  body: MessagesBody | null;
  at: number;
  status: number | null;
  answeredAt: number | null;
}

export interface MessageAnswer {
  kind: 'message';
  content: Block[];
  stop_reason: 'end_turn' | 'tool_use' | 'max_tokens' | 'stop_sequence' | 'pause_turn' | 'refusal';
  /** Default: about a token per 4 characters of the request and of the answer. */
  usage?: { input_tokens: number; output_tokens: number; cache_creation_input_tokens?: number; cache_read_input_tokens?: number };
}
export interface ErrorAnswer {
  kind: 'error';
  status: number;
  type: string;
  message: string;
  headers?: Record<string, string>;
}
/** Holds the request open and never answers (until the client gives up or the fake stops). */
export interface HangAnswer {
  kind: 'hang';
}
export type Answer = MessageAnswer | ErrorAnswer | HangAnswer;
/** One of Claude's turns: sees the request body, returns what the API answers. */
export type TurnHandler = (body: MessagesBody, request: FakeAnthropicRequest) => Answer | Promise<Answer>;

interface Scripted {
  match: (body: MessagesBody) => boolean;
  handler: TurnHandler;
}

// ---- building answers

export const text = (t: string): Block => ({ type: 'text', text: t, citations: null });
export const toolUse = (name: string, input: unknown): Block => ({ type: 'tool_use', id: `toolu_${randomBytes(12).toString('hex')}`, name, input });
export const reply = (stop_reason: MessageAnswer['stop_reason'], content: Block[], usage?: MessageAnswer['usage']): MessageAnswer => ({ kind: 'message', stop_reason, content, usage });
export const endTurn = (t: string, usage?: MessageAnswer['usage']): MessageAnswer => reply('end_turn', [text(t)], usage);
export const useTools = (...uses: Block[]): MessageAnswer => reply('tool_use', uses);
export const overloaded = (): ErrorAnswer => ({ kind: 'error', status: 529, type: 'overloaded_error', message: 'Overloaded' });
export const rateLimited = (): ErrorAnswer => ({ kind: 'error', status: 429, type: 'rate_limit_error', message: 'Number of request tokens has exceeded your per-minute rate limit' });
export const serverError = (): ErrorAnswer => ({ kind: 'error', status: 500, type: 'api_error', message: 'Internal server error' });
export const hang = (): HangAnswer => ({ kind: 'hang' });

/** The tool_result blocks of the last user turn of a request. */
export function toolResults(body: MessagesBody | null): Block[] {
  const last = body?.messages[body.messages.length - 1];
  return last && Array.isArray(last.content) ? last.content.filter((b) => b.type === 'tool_result') : [];
}

/** The session id the race prompt names ("Session id: …"), or null. */
export function sessionOf(body: MessagesBody | null): string | null {
  const first = body?.messages[0]?.content;
  const prompt = typeof first === 'string' ? first : Array.isArray(first) ? first.map((b) => (typeof b.text === 'string' ? b.text : '')).join('\n') : '';
  return /Session id: (\S+)/.exec(prompt)?.[1] ?? null;
}

export class FakeAnthropic {
  readonly requests: FakeAnthropicRequest[] = [];
  /** The key a request must present; anything else is a 401 authentication_error. */
  apiKey: string;
  /** retry-after-ms on 429/529/5xx answers (the SDK honours it), so its retries are quick. */
  retryAfterMs = 20;
  /** Answer when nothing scripted matches. */
  fallback: TurnHandler = () => endTurn('All on plan; nothing to change.');
  private queue: Scripted[] = [];
  private server: Server | null = null;
  private readonly open = new Set<ServerResponse>();
  origin = '';

  constructor(apiKey = 'sk-ant-test-0123456789') {
    this.apiKey = apiKey;
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.origin;
  }

  async stop(): Promise<void> {
    if (!this.server) return;
    for (const res of this.open) res.destroy();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server!.close(() => resolve()));
    this.server = null;
  }

  /** Queues Claude's next turns (for any conversation), one handler or answer per request. */
  script(...turns: Array<TurnHandler | Answer>): void {
    this.scriptFor(() => true, ...turns);
  }

  /** Queues turns for the conversations about one session only. */
  scriptSession(sessionId: string, ...turns: Array<TurnHandler | Answer>): void {
    this.scriptFor((body) => sessionOf(body) === sessionId, ...turns);
  }

  private scriptFor(match: (body: MessagesBody) => boolean, ...turns: Array<TurnHandler | Answer>): void {
    for (const turn of turns) this.queue.push({ match, handler: typeof turn === 'function' ? turn : () => turn });
  }

  /** Scripted turns not consumed yet. */
  get pending(): number {
    return this.queue.length;
  }

  requestsFor(sessionId: string): FakeAnthropicRequest[] {
    return this.requests.filter((r) => sessionOf(r.body) === sessionId);
  }

  reset(): void {
    this.requests.length = 0;
    this.queue = [];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (name === 'x-api-key' || name === 'authorization' || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const record: FakeAnthropicRequest = {
      method: req.method ?? '', path: req.url ?? '', headers, keyOk: presentedKey(req) === this.apiKey,
      auth: req.headers['x-api-key'] ? 'x-api-key' : req.headers.authorization ? 'bearer' : null,
      body: null, at: Date.now(), status: null, answeredAt: null,
    };
    const credential = presentedKey(req);
    this.requests.push(record);
    const requestId = `req_${randomBytes(12).toString('hex')}`;
    const send = (status: number, payload: unknown, extra: Record<string, string> = {}) => {
      record.status = status;
      record.answeredAt = Date.now();
      this.open.delete(res);
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': requestId, ...extra });
      res.end(JSON.stringify(payload));
    };
    const fail = (status: number, type: string, message: string, extra: Record<string, string> = {}) =>
      send(status, { type: 'error', error: { type, message }, request_id: requestId }, extra);

    // Parsed first only so that every request, refused or not, is on the record with its body.
    try {
      record.body = JSON.parse(raw) as MessagesBody;
    } catch {
      record.body = null;
    }
    if (req.method !== 'POST' || (req.url ?? '').split('?')[0] !== '/v1/messages') return fail(404, 'not_found_error', 'Not found');
    if (credential === null) return fail(401, 'authentication_error', 'x-api-key header is required');
    if (!record.keyOk) return fail(401, 'authentication_error', 'invalid x-api-key');
    if (!req.headers['anthropic-version']) return fail(400, 'invalid_request_error', 'anthropic-version: header is required');
    if (!String(req.headers['content-type'] ?? '').includes('application/json')) return fail(400, 'invalid_request_error', 'content-type must be application/json');
    if (record.body === null) return fail(400, 'invalid_request_error', 'There was an issue with your request body: invalid JSON');
    const body = record.body;
    const invalid = validate(body);
    if (invalid) return fail(400, 'invalid_request_error', invalid);

    const index = this.queue.findIndex((s) => s.match(body));
    const handler = index >= 0 ? this.queue.splice(index, 1)[0].handler : this.fallback;
    let answer: Answer;
    try {
      answer = await handler(body, record);
    } catch (error) {
      return fail(500, 'api_error', `fake handler failed: ${(error as Error).message}`);
    }
    if (answer.kind === 'hang') {
      this.open.add(res);
      res.on('close', () => this.open.delete(res));
      return;
    }
    if (answer.kind === 'error') {
      const retry = answer.status === 429 || answer.status >= 500
        ? { 'retry-after-ms': String(this.retryAfterMs), 'retry-after': String(Math.max(1, Math.ceil(this.retryAfterMs / 1000))) }
        : {};
      return fail(answer.status, answer.type, answer.message, { ...retry, ...answer.headers });
    }
    const usage = answer.usage ?? {
      input_tokens: Math.ceil(JSON.stringify([body.system ?? '', body.tools ?? [], body.messages]).length / 4),
      output_tokens: Math.ceil(JSON.stringify(answer.content).length / 4) + 5,
    };
    send(200, {
      id: `msg_${randomBytes(12).toString('hex')}`,
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: answer.content,
      stop_reason: answer.stop_reason,
      stop_sequence: null,
      usage: { cache_creation_input_tokens: 0, cache_read_input_tokens: 0, service_tier: 'standard', ...usage },
    });
  }
}

/** What the real API checks and answers 400 invalid_request_error for, as far as these tests go. */
function validate(body: MessagesBody): string | null {
  if (!body || typeof body !== 'object') return 'body: must be an object';
  if (typeof body.model !== 'string' || body.model === '') return 'model: Field required';
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'max_tokens: Field required (a positive integer)';
  if (!Array.isArray(body.messages) || body.messages.length === 0) return 'messages: at least one message is required';
  if (body.system !== undefined && typeof body.system !== 'string' && !Array.isArray(body.system)) return 'system: Input should be a valid string or list';
  for (const tool of body.tools ?? []) {
    if (typeof tool.name !== 'string' || !/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) return 'tools: name must match ^[a-zA-Z0-9_-]{1,64}$';
    if (!tool.input_schema || tool.input_schema.type !== 'object') return `tools.${tool.name}.input_schema.type: Input should be 'object'`;
  }
  if (body.tool_choice && !['auto', 'any', 'tool', 'none'].includes(body.tool_choice.type)) return 'tool_choice.type: invalid';
  const names = new Set((body.tools ?? []).map((t) => t.name));
  for (const [i, message] of body.messages.entries()) {
    const expected = i % 2 === 0 ? 'user' : 'assistant';
    if (message.role !== expected) return `messages.${i}.role: roles must alternate between "user" and "assistant", starting with "user"`;
    if (typeof message.content !== 'string' && !Array.isArray(message.content)) return `messages.${i}.content: Input should be a valid string or list`;
    if (!Array.isArray(message.content) || message.role !== 'assistant') continue;
    const uses = message.content.filter((b) => b.type === 'tool_use');
    for (const use of uses) if (!names.has(String(use.name))) return `messages.${i}: tool_use names a tool not in tools`;
    if (uses.length === 0) continue;
    // Every tool_use must be answered, by id, in the user turn right after it.
    const next = body.messages[i + 1];
    if (!next) continue; // prefill: Claude's turn is the last one
    const answered = new Set(Array.isArray(next.content) ? next.content.filter((b) => b.type === 'tool_result').map((b) => b.tool_use_id) : []);
    const missing = uses.filter((u) => !answered.has(u.id)).map((u) => u.id);
    if (missing.length > 0) {
      return `messages.${i + 1}: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${missing.join(', ')}. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  return null;
}

/**
 * The key a request presents: `x-api-key`, or `Authorization: Bearer <key>` — what this SDK
 * version (1.16) sends for an apiKey. Both are accepted, as the API does.
 */
function presentedKey(req: IncomingMessage): string | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header !== '') return header;
  const bearer = /^Bearer (.+)$/.exec(String(req.headers.authorization ?? ''));
  return bearer ? bearer[1] : null;
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
