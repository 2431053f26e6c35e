import { INestApplication } from '@nestjs/common';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../src/bootstrap';
import { parseEnv } from '../../src/config/app-config';

/** A fresh temp directory for a test's SQLite file; removed by cleanup(). */
export function tempDir(prefix = 'livetrack-e2e-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface RunningApp {
  app: INestApplication;
  baseUrl: string;
  close: () => Promise<void>;
}

/** Boots the real app in this process on a random loopback port. */
export async function startApp(env: Record<string, string>): Promise<RunningApp> {
  const config = parseEnv({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'error', ...env });
  const app = await createApp(config, { logger: false });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, baseUrl: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  output: () => string;
  /** Resolves with the exit code (or signal name). */
  exited: Promise<number | string>;
}

const MAIN = join(__dirname, '..', '..', 'dist', 'main.js');

/** Runs the built server (`node dist/main.js`) as a child process, as operators do. */
export function spawnServer(env: Record<string, string>): { child: ChildProcess; output: () => string; exited: Promise<number | string> } {
  const child = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  return { child, output: () => out, exited };
}

/** Spawns the server on a free port and waits until /health/live answers. */
export async function startServerProcess(env: Record<string, string>, timeoutMs = 20000): Promise<ServerProcess> {
  const port = await freePort();
  const server = spawnServer({ PORT: String(port), ...env });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const exited = await Promise.race([server.exited, new Promise((r) => setTimeout(() => r(null), 50))]);
    if (exited !== null) throw new Error(`server exited (${exited}) before serving:\n${server.output()}`);
    try {
      const res = await fetch(`${baseUrl}/health/live`);
      if (res.ok) return { ...server, baseUrl };
    } catch {
      /* not listening yet */
    }
  }
  server.child.kill('SIGKILL');
  throw new Error(`server did not serve /health/live within ${timeoutMs} ms:\n${server.output()}`);
}

export async function freePort(): Promise<number> {
  const net = await import('node:net');
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function json<T = any>(res: Response): Promise<T> {
  const text = await res.text();
  try {
    return JSON.parse(text) as T;
  } catch {
    throw new Error(`not JSON (HTTP ${res.status}): ${text.slice(0, 200)}`);
  }
}

/** Polls `check` until it returns a truthy value or the time runs out. */
export async function waitFor<T>(check: () => Promise<T> | T, timeoutMs = 15000, what = 'condition'): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}

export function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
}
