import { hostname } from 'node:os';
import { parseTileTemplate, TileTemplateError } from '../dashboard/map-tiles';
import { parseAllowedOrigins } from '../tracking/share-url';
import { ImapSettings, parseImapUrl, redactImapUrlText } from '../invitations/imap-url';
import { AllowedSenders, parseAllowedSenders } from '../invitations/senders';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const LOG_FORMATS = ['json', 'pretty'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The validated process configuration. Built once at boot from the environment (see
 * ../shared/docs/contract.md); every consumer injects this class instead of reading process.env.
 */
export abstract class AppConfig {
  abstract readonly port: number;
  abstract readonly host: string;
  abstract readonly mcpPath: string;
  abstract readonly dbPath: string;
  abstract readonly claudeRunnerUrl: string;
  abstract readonly claudeWorkspace: string;
  abstract readonly logLevel: LogLevel;
  abstract readonly logFormat: LogFormat;
  abstract readonly otelEndpoint: string | null;
  abstract readonly allowedOrigins: string[];
  abstract readonly telegramBotToken: string | null;
  abstract readonly telegramChatId: string | null;
  abstract readonly telegramApiBase: string;
  abstract readonly apiKey: string | null;
  /** Per-request timeout for Garmin calls (LIVETRACK_REQUEST_TIMEOUT_MS, default 15000). */
  abstract readonly requestTimeoutMs: number;
  /** Multiplies every backoff delay (LIVETRACK_BACKOFF_SCALE, default 1; replays and tests shrink it). */
  abstract readonly backoffScale: number;
  /** Seconds between the cheap points calls that watch a session after a stale stop (LIVETRACK_WATCH_INTERVAL_S). */
  abstract readonly watchIntervalS: number;
  /** Which analysis backend runs the cycles (ANALYSIS_BACKEND). */
  abstract readonly analysisBackend: AnalysisBackendName;
  /** Required with the anthropic backend; a secret (never logged or returned). */
  abstract readonly anthropicApiKey: string | null;
  abstract readonly anthropicBaseUrl: string;
  abstract readonly anthropicModel: string;
  /** Bound on one whole analysis cycle, every request and tool turn together (ANALYSIS_TIMEOUT_S). */
  abstract readonly analysisTimeoutS: number;
  /** Input + output tokens one race may spend on analysis (ANALYSIS_MAX_TOKENS_PER_RACE). */
  abstract readonly analysisMaxTokensPerRace: number;
  /** Answer bot commands from allowed chats (TELEGRAM_COMMANDS=on). */
  abstract readonly telegramCommands: boolean;
  /** Chats whose commands are obeyed (TELEGRAM_ALLOWED_CHAT_IDS, default TELEGRAM_CHAT_ID). */
  abstract readonly telegramAllowedChatIds: string[];
  /** PostgreSQL connection URL (DATABASE_URL); null = embedded SQLite at DB_PATH. A secret: its password is never logged. */
  abstract readonly databaseUrl: string | null;
  /** A session lease not renewed for this long may be taken over by another replica (LEASE_TTL_S). */
  abstract readonly leaseTtlS: number;
  /** This process's name in leases, /health and logs (REPLICA_ID, default hostname-pid). */
  abstract readonly replicaId: string;
  /** Raster tile template for the dashboard maps (MAP_TILE_URL); null = offline track drawing, nothing leaves the app. */
  abstract readonly mapTileUrl: string | null;
  /** Attribution text shown with the tiles (MAP_ATTRIBUTION). */
  abstract readonly mapAttribution: string;
  /** Mailbox watched for Garmin LiveTrack invitations (IMAP_URL); null = off. Holds the password: never log it whole. */
  abstract readonly imap: ImapSettings | null;
  /** Whose invitations are accepted (IMAP_ALLOWED_SENDERS, default garmin.com). */
  abstract readonly imapAllowedSenders: AllowedSenders;
}

export const ANALYSIS_BACKENDS = ['claude-runner', 'anthropic', 'off'] as const;
export type AnalysisBackendName = (typeof ANALYSIS_BACKENDS)[number];

/** Thrown for a bad environment value; the message is one line naming the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable} ${detail}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Share site, short links (both hosts) and athlete pages that redirect to a live session. */
export const DEFAULT_ALLOWED_ORIGINS = 'https://livetrack.garmin.com,https://gar.mn,https://www.gar.mn,https://live.garmin.com';

function text(env: Env, name: string, fallback: string): string {
  const value = env[name];
  return value === undefined || value.trim() === '' ? fallback : value.trim();
}

function optional(env: Env, name: string): string | null {
  const value = env[name]?.trim();
  return value ? value : null;
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const value = text(env, name, fallback).toLowerCase();
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')} (got "${env[name]}")`);
  }
  return value as T;
}

function httpUrl(env: Env, name: string, fallback: string): string {
  const value = text(env, name, fallback);
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(name, `must be an http(s) URL (got "${value}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL (got "${value}")`);
  }
  return value.replace(/\/+$/, '');
}

function number(env: Env, name: string, fallback: number, min: number, max: number, integer: boolean): number {
  const raw = text(env, name, String(fallback));
  const value = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isFinite(value) || value < min || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigError(name, `must be ${integer ? 'an integer' : 'a number'} between ${min} and ${max} (got "${raw}")`);
  }
  return value;
}

/** Validates the environment. Throws ConfigError on the first bad value. */
export function parseEnv(env: Env): AppConfig {
  const portText = text(env, 'PORT', '38100');
  const port = /^\d+$/.test(portText) ? Number(portText) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ConfigError('PORT', `must be an integer port between 0 and 65535 (got "${portText}")`);
  }

  const host = text(env, 'HOST', '0.0.0.0');
  if (/\s|\/|^:/.test(host)) {
    throw new ConfigError('HOST', `must be a host name or IP address to bind (got "${host}")`);
  }

  const mcpPath = text(env, 'MCP_PATH', '/mcp');
  if (!/^\/[A-Za-z0-9._~\-/]*$/.test(mcpPath) || mcpPath === '/' || ['/sse', '/messages'].includes(mcpPath)) {
    throw new ConfigError(
      'MCP_PATH',
      `must be a URL path starting with "/" other than /, /sse and /messages (got "${mcpPath}")`,
    );
  }

  const dbPath = text(env, 'DB_PATH', './data/livetrack.db');

  let allowedOrigins: string[];
  try {
    allowedOrigins = parseAllowedOrigins(
      text(env, 'LIVETRACK_ALLOWED_ORIGINS', DEFAULT_ALLOWED_ORIGINS),
    );
  } catch (error) {
    throw new ConfigError(
      'LIVETRACK_ALLOWED_ORIGINS',
      `must be a comma-separated list of origins like https://livetrack.garmin.com: ${(error as Error).message}`,
    );
  }
  if (allowedOrigins.length === 0) {
    throw new ConfigError('LIVETRACK_ALLOWED_ORIGINS', 'must list at least one origin');
  }

  const otelEndpoint = optional(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  if (otelEndpoint) httpUrl(env, 'OTEL_EXPORTER_OTLP_ENDPOINT', otelEndpoint);

  const telegramChatId = optional(env, 'TELEGRAM_CHAT_ID');
  if (telegramChatId && !/^(-?\d+|@[A-Za-z0-9_]{4,})$/.test(telegramChatId)) {
    throw new ConfigError('TELEGRAM_CHAT_ID', `must be a numeric chat id or @channelname (got "${telegramChatId}")`);
  }

  const analysisBackend = oneOf(env, 'ANALYSIS_BACKEND', ANALYSIS_BACKENDS, 'claude-runner');
  const anthropicApiKey = optional(env, 'ANTHROPIC_API_KEY');
  if (analysisBackend === 'anthropic' && !anthropicApiKey) {
    throw new ConfigError('ANTHROPIC_API_KEY', 'must be set when ANALYSIS_BACKEND=anthropic (an Anthropic API key, sk-ant-…)');
  }
  const anthropicModel = text(env, 'ANTHROPIC_MODEL', 'claude-sonnet-5-5');
  if (!/^[A-Za-z0-9._:@-]{1,100}$/.test(anthropicModel)) {
    throw new ConfigError('ANTHROPIC_MODEL', `must be a model name such as claude-sonnet-5-5 (got "${anthropicModel}")`);
  }

  const telegramCommands = oneOf(env, 'TELEGRAM_COMMANDS', ['on', 'off'] as const, 'off') === 'on';
  // The default chat is obeyed by default only when it is a person's or group's numeric id (a
  // @channel cannot send commands).
  const defaultAllowed = telegramChatId && /^-?\d+$/.test(telegramChatId) ? telegramChatId : '';
  const telegramAllowedChatIds = text(env, 'TELEGRAM_ALLOWED_CHAT_IDS', defaultAllowed)
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean);
  for (const id of telegramAllowedChatIds) {
    if (!/^-?\d+$/.test(id)) {
      throw new ConfigError('TELEGRAM_ALLOWED_CHAT_IDS', `must be comma-separated numeric chat ids (got "${id}")`);
    }
  }
  if (telegramCommands && !optional(env, 'TELEGRAM_BOT_TOKEN')) {
    throw new ConfigError('TELEGRAM_COMMANDS', 'is on but TELEGRAM_BOT_TOKEN is not set (the bot needs its token to read commands)');
  }

  const databaseUrl = optional(env, 'DATABASE_URL');
  if (databaseUrl) {
    let url: URL | null = null;
    try {
      url = new URL(databaseUrl);
    } catch {
      /* reported below */
    }
    if (!url || !['postgres:', 'postgresql:'].includes(url.protocol) || !url.hostname) {
      // Never echo the value: it may carry a password.
      throw new ConfigError('DATABASE_URL', 'must be a postgres://user:password@host:port/database URL');
    }
  }

  const replicaId = text(env, 'REPLICA_ID', `${hostname()}-${process.pid}`);
  if (!/^[A-Za-z0-9._:-]{1,100}$/.test(replicaId)) {
    throw new ConfigError('REPLICA_ID', `must be 1–100 letters, digits or . _ : - (got "${replicaId}")`);
  }

  const mapTileUrl = optional(env, 'MAP_TILE_URL');
  if (mapTileUrl) {
    try {
      parseTileTemplate(mapTileUrl);
    } catch (error) {
      if (error instanceof TileTemplateError) throw new ConfigError('MAP_TILE_URL', error.message);
      throw error;
    }
  }

  const imapUrl = optional(env, 'IMAP_URL');
  let imap: ImapSettings | null = null;
  if (imapUrl) {
    try {
      imap = parseImapUrl(imapUrl);
    } catch (error) {
      // The value is echoed with its password masked.
      throw new ConfigError('IMAP_URL', `${(error as Error).message} (got "${redactImapUrlText(imapUrl)}")`);
    }
  }
  let imapAllowedSenders: AllowedSenders;
  try {
    imapAllowedSenders = parseAllowedSenders(text(env, 'IMAP_ALLOWED_SENDERS', 'garmin.com'));
  } catch (error) {
    throw new ConfigError('IMAP_ALLOWED_SENDERS', `must be comma-separated domains or addresses: ${(error as Error).message}`);
  }

  const requestTimeoutMs = number(env, 'LIVETRACK_REQUEST_TIMEOUT_MS', 15000, 100, 120000, true);
  const backoffScale = number(env, 'LIVETRACK_BACKOFF_SCALE', 1, 0.0001, 1, false);
  const watchIntervalS = number(env, 'LIVETRACK_WATCH_INTERVAL_S', 300, 0.1, 3600, false);

  return {
    requestTimeoutMs,
    backoffScale,
    watchIntervalS,
    port,
    host,
    mcpPath: mcpPath.replace(/\/+$/, ''),
    dbPath,
    claudeRunnerUrl: httpUrl(env, 'CLAUDE_RUNNER_URL', 'http://localhost:38095'),
    claudeWorkspace: text(env, 'CLAUDE_WORKSPACE', ''),
    logLevel: oneOf(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    logFormat: oneOf(env, 'LOG_FORMAT', LOG_FORMATS, 'json'),
    otelEndpoint: otelEndpoint ? otelEndpoint.replace(/\/+$/, '') : null,
    allowedOrigins,
    telegramBotToken: optional(env, 'TELEGRAM_BOT_TOKEN'),
    telegramChatId,
    telegramApiBase: httpUrl(env, 'TELEGRAM_API_BASE', 'https://api.telegram.org'),
    apiKey: optional(env, 'API_KEY'),
    analysisBackend,
    anthropicApiKey,
    anthropicBaseUrl: httpUrl(env, 'ANTHROPIC_BASE_URL', 'https://api.anthropic.com'),
    anthropicModel,
    analysisTimeoutS: number(env, 'ANALYSIS_TIMEOUT_S', 120, 1, 3600, false),
    analysisMaxTokensPerRace: number(env, 'ANALYSIS_MAX_TOKENS_PER_RACE', 200000, 0, 1_000_000_000, true),
    telegramCommands,
    telegramAllowedChatIds,
    databaseUrl,
    replicaId,
    leaseTtlS: number(env, 'LEASE_TTL_S', 30, 0.5, 3600, false),
    mapTileUrl,
    mapAttribution: text(env, 'MAP_ATTRIBUTION', ''),
    imap,
    imapAllowedSenders,
  };
}
