import { HttpService } from '@nestjs/axios';
import { Injectable } from '@nestjs/common';
import { SpanStatusCode } from '@opentelemetry/api';
import type { AxiosResponse } from 'axios';
import { firstValueFrom } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { ATTRS, SPANS } from '../telemetry/metrics';
import { inSpan } from '../telemetry/tracing';
import { InputError } from '../common/errors';
import type { FailureKind } from './backoff';
import { retryAfterMs } from './backoff';
import { trackPointsFromPage } from './page-fallback';
import { assertAllowedUrl, parseShareUrl, ParsedShareUrl, redactSecrets, ShareUrlError } from './share-url';

/** Browser-like UA: the share site serves API calls only to what looks like its own page. */
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36 livetrack-mcp';
const MAX_REDIRECTS = 5;

/** A failed Garmin call, classified for backoff. `gone` = the session answers 404. */
export class GarminError extends Error {
  constructor(
    readonly kind: FailureKind | 'gone',
    message: string,
    readonly status?: number,
    readonly retryAfterMs?: number,
  ) {
    super(redactSecrets(message));
    this.name = 'GarminError';
  }
}

/** Per-session protocol state: the share page's cookies and CSRF token. */
export class GarminConnection {
  cookies = new Map<string, string>();
  csrf: string | null = null;
  handshakes = 0;

  constructor(readonly share: ParsedShareUrl) {}

  get sessionId(): string {
    return this.share.sessionId;
  }
}

/**
 * The one class that speaks Garmin LiveTrack "G4": share page → CSRF meta + cookies → JSON API
 * calls with header, cookies and Referer; one fresh handshake on 403. Every URL it touches, and
 * every redirect hop of a short link, must be on LIVETRACK_ALLOWED_ORIGINS (SSRF guard).
 */
@Injectable()
export class GarminClient {
  constructor(
    private readonly http: HttpService,
    private readonly config: AppConfig,
  ) {}

  /** Cleans and parses a pasted share URL, following short links hop by hop. Throws InputError. */
  async resolveShareUrl(raw: string, signal?: AbortSignal): Promise<ParsedShareUrl> {
    try {
      let parsed = parseShareUrl(raw, this.config.allowedOrigins);
      for (let hop = 0; 'shortLink' in parsed; hop++) {
        if (hop >= MAX_REDIRECTS) throw new ShareUrlError(`short link redirected more than ${MAX_REDIRECTS} times`);
        const response = await this.send(parsed.shortLink.toString(), {}, signal);
        const location = response.headers['location'];
        if (response.status < 300 || response.status >= 400 || typeof location !== 'string') {
          throw new ShareUrlError(
            `short link ${redactSecrets(parsed.shortLink.toString())} did not redirect to a LiveTrack session (HTTP ${response.status})`,
          );
        }
        const next = new URL(location, parsed.shortLink);
        assertAllowedUrl(next, this.config.allowedOrigins);
        parsed = parseShareUrl(next.toString(), this.config.allowedOrigins);
      }
      return parsed;
    } catch (error) {
      if (error instanceof ShareUrlError) throw new InputError(`url: ${error.message}`, ['url']);
      if (error instanceof GarminError) throw new InputError(`url: could not follow the short link: ${error.message}`, ['url']);
      throw error;
    }
  }

  /** GETs the share page and keeps its cookies and CSRF token. */
  async handshake(conn: GarminConnection, signal?: AbortSignal): Promise<void> {
    await this.loadSharePage(conn, signal);
  }

  /**
   * Last resort when the JSON endpoint has changed shape: the points embedded in the share page
   * (loading it also refreshes cookies and CSRF token).
   */
  async fetchTrackPointsFromPage(conn: GarminConnection, beginMs: number | null, signal?: AbortSignal): Promise<unknown> {
    const found = trackPointsFromPage(await this.loadSharePage(conn, signal), beginMs);
    if (!found) throw new GarminError('malformed', 'share page carries no embedded track points either');
    return found;
  }

  private async loadSharePage(conn: GarminConnection, signal?: AbortSignal): Promise<string> {
    const page = conn.share.shareUrl;
    const response = await this.send(page, { Accept: 'text/html,application/xhtml+xml' }, signal, conn);
    this.raiseForStatus(response, 'share page');
    const html = typeof response.data === 'string' ? response.data : '';
    const csrf = extractCsrfToken(html);
    if (!csrf) throw new GarminError('malformed', 'share page carries no csrf-token meta tag', response.status);
    conn.csrf = csrf;
    conn.handshakes++;
    return html;
  }

  async fetchSessionMeta(conn: GarminConnection, signal?: AbortSignal): Promise<unknown> {
    return this.api(conn, `/api/sessions/${encodeURIComponent(conn.sessionId)}`, {}, 'session metadata', signal);
  }

  /** Track points from `beginMs` on (Garmin's begin is inclusive), or all of them. */
  async fetchTrackPoints(conn: GarminConnection, beginMs: number | null, signal?: AbortSignal): Promise<unknown> {
    const query: Record<string, string> = {};
    if (beginMs !== null) query.begin = new Date(beginMs).toISOString();
    return this.api(conn, `/api/sessions/${encodeURIComponent(conn.sessionId)}/track-points/common`, query, 'track points', signal);
  }

  private async api(conn: GarminConnection, path: string, query: Record<string, string>, what: string, signal?: AbortSignal): Promise<unknown> {
    if (!conn.csrf) await this.handshake(conn, signal);
    const url = new URL(path, conn.share.origin);
    url.searchParams.set('token', conn.share.token);
    for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);

    let response = await this.send(url.toString(), this.apiHeaders(conn), signal, conn);
    if (response.status === 403) {
      // CSRF token or cookie rotated: redo the handshake once, retry the same call.
      await this.handshake(conn, signal);
      response = await this.send(url.toString(), this.apiHeaders(conn), signal, conn);
    }
    this.raiseForStatus(response, what);
    return parseJsonBody(response, what);
  }

  private apiHeaders(conn: GarminConnection): Record<string, string> {
    return {
      Accept: 'application/json',
      'livetrack-csrf-token': conn.csrf ?? '',
      Referer: conn.share.shareUrl,
    };
  }

  private raiseForStatus(response: AxiosResponse, what: string): void {
    const status = response.status;
    if (status >= 200 && status < 300) return;
    if (status === 404) throw new GarminError('gone', `${what}: Garmin answered 404 (session unknown or expired)`, status);
    if (status === 403) throw new GarminError('forbidden', `${what}: Garmin answered 403 even after a fresh handshake`, status);
    if (status === 429) {
      const header = response.headers['retry-after'];
      throw new GarminError('rate_limited', `${what}: Garmin answered 429 (rate limited)`, status, retryAfterMs(typeof header === 'string' ? header : undefined, Date.now()));
    }
    if (status >= 500) throw new GarminError('server', `${what}: Garmin answered ${status}`, status);
    throw new GarminError('malformed', `${what}: unexpected HTTP ${status}`, status);
  }

  /** One GET in its own span (token redacted, HTTP status recorded); see sendNow. */
  private send(url: string, headers: Record<string, string>, signal?: AbortSignal, conn?: GarminConnection): Promise<AxiosResponse> {
    const attributes = { [ATTRS.garminCall]: garminCallKind(url), [ATTRS.httpMethod]: 'GET', [ATTRS.urlFull]: redactSecrets(url), ...(conn ? { [ATTRS.sessionId]: conn.sessionId } : {}) };
    return inSpan(SPANS.garminCall, attributes, async (span) => {
      const response = await this.sendNow(url, headers, signal, conn);
      span.setAttribute(ATTRS.httpStatus, response.status);
      if (response.status >= 400) span.setStatus({ code: SpanStatusCode.ERROR, message: `HTTP ${response.status}` });
      return response;
    });
  }

  /** One GET; never follows redirects itself (each hop is checked by resolveShareUrl). */
  private async sendNow(url: string, headers: Record<string, string>, signal?: AbortSignal, conn?: GarminConnection): Promise<AxiosResponse> {
    assertAllowedUrl(url, this.config.allowedOrigins);
    const cookie = conn && conn.cookies.size ? [...conn.cookies].map(([k, v]) => `${k}=${v}`).join('; ') : undefined;
    try {
      const response = await firstValueFrom(
        this.http.get(url, {
          headers: { 'User-Agent': USER_AGENT, ...headers, ...(cookie ? { Cookie: cookie } : {}) },
          maxRedirects: 0,
          timeout: this.config.requestTimeoutMs,
          responseType: 'text',
          transformResponse: (data: unknown) => data,
          validateStatus: () => true,
          signal,
          proxy: false,
        }),
      );
      if (conn) storeCookies(conn, response.headers['set-cookie']);
      return response;
    } catch (error) {
      const e = error as { code?: string; message?: string; name?: string };
      if (e.name === 'CanceledError' || e.code === 'ERR_CANCELED') throw new GarminError('network', 'request aborted');
      if (e.code === 'ECONNABORTED' || e.code === 'ETIMEDOUT') {
        throw new GarminError('timeout', `Garmin did not answer within ${this.config.requestTimeoutMs} ms`);
      }
      throw new GarminError('network', `cannot reach Garmin: ${e.code ?? e.message ?? 'network error'}`);
    }
  }
}

/** Which Garmin call a URL is, for telemetry (a low-cardinality label, never the URL itself). */
export function garminCallKind(url: string): 'share_page' | 'session_meta' | 'track_points' | 'short_link' | 'other' {
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return 'other';
  }
  if (/^\/api\/sessions\/[^/]+\/track-points\b/.test(path)) return 'track_points';
  if (/^\/api\/sessions\/[^/]+\/?$/.test(path)) return 'session_meta';
  if (/^\/session\//.test(path)) return 'share_page';
  return 'short_link';
}

/** `<meta name="csrf-token" content="…">` (some builds: livetrack-csrf-token), any attribute order. */
export function extractCsrfToken(html: string): string | null {
  for (const tag of html.match(/<meta\b[^>]*>/gi) ?? []) {
    const name = /\bname\s*=\s*["']([^"']+)["']/i.exec(tag)?.[1]?.toLowerCase();
    if (name !== 'csrf-token' && name !== 'livetrack-csrf-token') continue;
    const content = /\bcontent\s*=\s*["']([^"']*)["']/i.exec(tag)?.[1];
    if (content) return content;
  }
  return null;
}

function storeCookies(conn: GarminConnection, setCookie: string[] | string | undefined): void {
  for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
    const pair = line.split(';', 1)[0];
    const eq = pair.indexOf('=');
    if (eq <= 0) continue;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    if (/;\s*max-age=0/i.test(line) || value === '') conn.cookies.delete(name);
    else conn.cookies.set(name, value);
  }
}

function parseJsonBody(response: AxiosResponse, what: string): unknown {
  const text = typeof response.data === 'string' ? response.data : '';
  try {
    return JSON.parse(text);
  } catch {
    const start = text.trimStart().slice(0, 30).replace(/\s+/g, ' ');
    const type = String(response.headers['content-type'] ?? 'no content-type');
    throw new GarminError('malformed', `${what}: body is not valid JSON (${type}, ${text.length} bytes, starts "${start}")`, response.status);
  }
}
