import { Client, Notification } from 'pg';
import type { DataSource } from 'typeorm';

/** Channel names are SQL identifiers written into LISTEN (it takes no parameter): plain ones only. */
const CHANNEL_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
/** PostgreSQL refuses NOTIFY payloads of 8000 bytes or more. */
export const MAX_NOTIFY_BYTES = 7999;

function checkChannel(channel: string): string {
  if (!CHANNEL_NAME.test(channel)) throw new Error(`bad NOTIFY channel name ${JSON.stringify(channel)}`);
  return channel;
}

/** True for a DataSource that can NOTIFY and LISTEN (PostgreSQL); SQLite is one process and needs neither. */
export function supportsNotify(dataSource: DataSource): boolean {
  return dataSource.options.type === 'postgres';
}

/**
 * NOTIFY through the ordinary pool (pg_notify takes parameters, NOTIFY does not). Outside a
 * transaction, so listeners get it at once.
 */
export async function sendNotify(dataSource: DataSource, channel: string, payload: string): Promise<void> {
  if (Buffer.byteLength(payload) > MAX_NOTIFY_BYTES) throw new Error(`NOTIFY payload of ${Buffer.byteLength(payload)} bytes is too large`);
  await dataSource.query('SELECT pg_notify($1, $2)', [checkChannel(channel), payload]);
}

/** How the LISTEN connection fares, for /health and logs. */
export interface ListenStats {
  connected: boolean;
  connects: number;
  drops: number;
  connect_errors: number;
  last_error: string | null;
}

export interface ListenOptions {
  /** Connection URL (AppConfig.databaseUrl). Never logged. */
  url: string;
  channel: string;
  /** Shown in pg_stat_activity, so an operator (or a test) can tell this connection apart. */
  applicationName: string;
  onNotify: (payload: string) => void;
  /** The connection is (again) listening: notifications sent while it was down are lost, the owner may catch up. */
  onListening?: (reconnected: boolean) => void;
  /** Connection trouble, already counted; for the owner's log. */
  onTrouble?: (message: string) => void;
  /** Reconnect delays: first, and the cap it doubles up to (jittered). */
  backoffMs?: { first: number; max: number };
  /** A silent connection (network gone without a FIN) is found by a ping this often. */
  pingEveryMs?: number;
}

/**
 * One dedicated connection (not from the pool: a pooled connection goes back to the pool and
 * stops listening) doing LISTEN <channel>. When the connection drops — the database restarts, a
 * network blip, pg_terminate_backend — it reconnects with a growing delay until it listens again.
 * Nothing here throws into the caller: errors are counted and reported through onTrouble.
 */
export class ListenConnection {
  private client: Client | null = null;
  private timer: NodeJS.Timeout | null = null;
  private pinger: NodeJS.Timeout | null = null;
  private closed = false;
  private attempt = 0;
  private everListened = false;
  private readonly channel: string;
  private readonly stats_: ListenStats = { connected: false, connects: 0, drops: 0, connect_errors: 0, last_error: null };

  constructor(private readonly options: ListenOptions) {
    this.channel = checkChannel(options.channel);
  }

  stats(): ListenStats {
    return { ...this.stats_ };
  }

  start(): void {
    this.closed = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    if (this.pinger) clearInterval(this.pinger);
    this.timer = this.pinger = null;
    const client = this.client;
    this.client = null;
    this.stats_.connected = false;
    if (client) await client.end().catch(() => undefined);
  }

  private async connect(): Promise<void> {
    if (this.closed) return;
    const client = new Client({
      connectionString: this.options.url,
      application_name: this.options.applicationName,
      connectionTimeoutMillis: 5_000,
      query_timeout: 5_000,
      keepAlive: true,
      keepAliveInitialDelayMillis: 10_000,
    });
    let dropped = false;
    const drop = (error?: Error) => {
      if (dropped) return;
      dropped = true;
      if (this.client === client) this.client = null;
      if (this.pinger) clearInterval(this.pinger);
      this.pinger = null;
      const wasConnected = this.stats_.connected;
      this.stats_.connected = false;
      client.removeAllListeners('notification');
      client.end().catch(() => undefined);
      if (this.closed) return;
      const message = error?.message ?? 'connection ended';
      this.stats_.last_error = message;
      if (wasConnected) this.stats_.drops++;
      else this.stats_.connect_errors++;
      this.options.onTrouble?.(`${wasConnected ? 'LISTEN connection dropped' : 'LISTEN connection failed'}: ${message}`);
      this.scheduleReconnect();
    };
    // An 'error' on an idle client (the server went away) must never reach the process.
    client.on('error', (error) => drop(error));
    client.on('end', () => drop());
    client.on('notification', (n: Notification) => {
      if (n.channel !== this.channel) return;
      try {
        this.options.onNotify(n.payload ?? '');
      } catch (error) {
        this.options.onTrouble?.(`notification handler failed: ${(error as Error).message}`);
      }
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch (error) {
      drop(error as Error);
      return;
    }
    if (this.closed || dropped) {
      if (!dropped) await client.end().catch(() => undefined);
      return;
    }
    this.client = client;
    this.attempt = 0;
    this.stats_.connected = true;
    this.stats_.connects++;
    const reconnected = this.everListened;
    this.everListened = true;
    this.pinger = setInterval(() => {
      client.query('SELECT 1').catch((error: Error) => drop(error));
    }, this.options.pingEveryMs ?? 15_000);
    this.pinger.unref?.();
    try {
      this.options.onListening?.(reconnected);
    } catch (error) {
      this.options.onTrouble?.(`onListening failed: ${(error as Error).message}`);
    }
  }

  private scheduleReconnect(): void {
    if (this.closed || this.timer) return;
    const { first, max } = this.options.backoffMs ?? { first: 250, max: 5_000 };
    const delay = Math.min(max, first * 2 ** this.attempt) * (0.75 + Math.random() * 0.5);
    this.attempt = Math.min(this.attempt + 1, 20);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.connect();
    }, delay);
    this.timer.unref?.();
  }
}
