// A local stand-in for the Claude runner: POST /run with JSON {prompt, workspace}. Records every
// request as it arrives; modes: ok, slow (answers after slowMs), 500, 429; down() stops listening
// so connections are refused, up() listens again on the same port.
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RunnerRequest {
  prompt: string;
  workspace: unknown;
  at: number;
  /** Status it was answered with, and when (null while pending). */
  status: number | null;
  answeredAt: number | null;
}

export type RunnerMode = 'ok' | 'slow' | '500' | '429';

export class FakeRunner {
  readonly requests: RunnerRequest[] = [];
  mode: RunnerMode = 'ok';
  slowMs = 3000;
  private server: Server | null = null;
  private port = 0;
  private readonly timers = new Set<NodeJS.Timeout>();

  get origin(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<string> {
    await this.listen(0);
    return this.origin;
  }

  /** Stops listening and drops open connections: the next call is refused. */
  async down(): Promise<void> {
    if (!this.server) return;
    const server = this.server;
    this.server = null;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  async up(): Promise<void> {
    if (!this.server) await this.listen(this.port);
  }

  async stop(): Promise<void> {
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    await this.down();
  }

  private async listen(port: number): Promise<void> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.port = (server.address() as AddressInfo).port;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let raw = '';
    req.setEncoding('utf8');
    for await (const chunk of req) raw += chunk;
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || req.url !== '/run') return send(404, { error: 'not found' });
    let body: { prompt?: unknown; workspace?: unknown };
    try {
      body = JSON.parse(raw);
    } catch {
      return send(400, { error: 'body must be JSON' });
    }
    if (typeof body.prompt !== 'string' || body.prompt === '') return send(400, { error: 'prompt is required' });
    const record: RunnerRequest = { prompt: body.prompt, workspace: body.workspace, at: Date.now(), status: null, answeredAt: null };
    this.requests.push(record);
    const answer = (status: number, payload: unknown) => {
      record.status = status;
      record.answeredAt = Date.now();
      if (!res.destroyed) send(status, payload);
    };
    switch (this.mode) {
      case '500':
        return answer(500, { error: 'claude exited with code 1' });
      case '429':
        return answer(429, { error: 'busy: a run is already in progress' });
      case 'slow': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          answer(200, { status: 'ok' });
        }, this.slowMs);
        this.timers.add(timer);
        return;
      }
      default:
        return answer(200, { status: 'ok' });
    }
  }
}
