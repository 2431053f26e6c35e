// A local fake of Garmin's "G4" LiveTrack share site (see shared/docs/garmin-livetrack.md):
// HTML share page with CSRF handshake, JSON session/trackpoint/course endpoints, short links,
// controllable release of a generated race, and fault injection. Plain node:http, no framework,
// so it can run inside Jest, the demo and benchmarks alike.

import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GarminSessionMeta, GarminTrackPoint } from '../tracking/garmin.types';
import { Rng } from './prng';
import type { GeneratedRace } from './race-generator';
import { garminCoursesBody, type CourseLeg, type GeneratedCourse } from './sim-course';
import { splitAtWatchRestart, type WatchRestartOptions } from './watch-restart';

/**
 * What a session's courses endpoint serves: one of the race's own leg courses by name, a course,
 * or a raw endpoint body (served as given, e.g. to test odd shapes).
 */
export type SimCourse = CourseLeg | GeneratedCourse | { courses: unknown[] };

export type FaultKind =
  | '429' | '500' | '503' | 'garbage' | 'html' | 'truncated' | 'wrong-shape' | 'slow' | '403'
  /** The real points, newest first and each sent twice. */
  | 'shuffled'
  /** The real points with sensor fields of the wrong type, plus a junk point without a usable time. */
  | 'wrong-types';

export interface FaultOptions {
  /** Only requests for this session consume the fault. Default: any session. */
  sessionId?: string;
  /** Delay for 'slow'. Default 5000 ms. */
  slowMs?: number;
  /** Which endpoint consumes the fault. Default 'any' (meta, points or courses). */
  path?: 'points' | 'meta' | 'any';
  /** Retry-After seconds sent with '429'. Default 60. */
  retryAfterS?: number;
}

export interface SimulatorOptions {
  /** Name of the <meta> carrying the CSRF token; Garmin builds use either. Default 'csrf-token'. */
  csrfMetaName?: 'csrf-token' | 'livetrack-csrf-token';
  /**
   * Which API path forms answer: both (default), only `/api/v2/…` (as the site's own front end
   * calls it), or only the unversioned `/api/…`. The other form answers 404.
   */
  apiPaths?: 'both' | 'v2-only' | 'unversioned-only';
  /**
   * How the share page embeds its data: 'app-router' (default, today's page: React Query state
   * streamed in many `self.__next_f.push` chunks, points in several pages) or 'next-data' (older
   * pages-router `__NEXT_DATA__`).
   */
  pageData?: 'app-router' | 'next-data';
  /** The share page first answers a redirect (301/307/308 in turn) to its canonical form. Default false. */
  pageRedirects?: boolean;
  /** Seed for ids, tokens, CSRF values and garbage payloads. Default 1. */
  seed?: number;
  /** Timer period of play(). Default 250 ms. */
  playTickMs?: number;
}

export interface AddSessionOptions {
  sessionId?: string;
  token?: string;
  race: GeneratedRace;
  sessionName?: string;
  athlete?: string;
  /** Seconds between device uploads; also the batch size of play(). Default 30. */
  postTrackPointFrequency?: number;
  /** Metadata answers this status on every path, every time (the points endpoint still works). */
  metaFailure?: 404 | 500;
  /** The points endpoint answers 404 until the first point is released ("nothing uploaded yet"). */
  notFoundBeforeFirstPoint?: boolean;
  /** `object` = `{trackPoints:[…]}` (default), `array` = a bare array. */
  pointsBody?: 'object' | 'array';
  /** Answer an empty body when nothing newer than `begin` exists. */
  emptyWhenNothingNew?: boolean;
  /** Older builds: heart rate, cadence, power and activityType nested in `fitnessPointData`. */
  nestedFitness?: boolean;
  /** The course the watch carries (courses endpoint); default none: `{ courses: [] }`. */
  course?: SimCourse;
}

export interface SimSession {
  readonly sessionId: string;
  readonly token: string;
  readonly sessionName: string;
  readonly athlete: string;
  readonly postTrackPointFrequency: number;
  readonly race: GeneratedRace;
}

export interface PlayOptions {
  /** Call finish() once every point has been released. Default false (tests call finish explicitly). */
  finishAtEnd?: boolean;
}

export type RequestKind = 'page' | 'meta' | 'points' | 'courses' | 'short-link' | 'athlete-page' | 'redirect' | 'other';

export interface SimRequestRecord {
  kind: RequestKind;
  sessionId?: string;
  /** Status actually sent; undefined while a slow answer is pending (or if stop() cut it). */
  status?: number;
  /** Raw `begin` query value of a points request. */
  begin?: string;
  fault?: FaultKind;
  userAgent?: string;
  referer?: string;
  receivedAt: number;
}

export interface SimStats {
  requests: Record<RequestKind, number>;
  statuses: Record<string, number>;
  /** Share pages served with a fresh CSRF token (successful handshakes). */
  handshakes: number;
  /** `begin` values received by the points endpoint, in order. */
  begins: string[];
  faultsServed: FaultKind[];
  pendingFaults: number;
  log: SimRequestRecord[];
}

interface QueuedFault {
  kind: FaultKind;
  sessionId?: string;
  slowMs: number;
  path: 'points' | 'meta' | 'any';
  retryAfterS: number;
}

interface SessionState extends SimSession {
  readonly behaviour: Required<Pick<AddSessionOptions, 'notFoundBeforeFirstPoint' | 'pointsBody' | 'emptyWhenNothingNew' | 'nestedFitness'>> & { metaFailure: 404 | 500 | null };
  /** Epoch ms of each point, parsed once; NaN for points without a usable dateTime. */
  times: number[];
  releasedCount: number;
  finished: boolean;
  gone: boolean;
  play?: { timer: NodeJS.Timeout; baseVirtualMs: number; realStartMs: number; speedup: number; finishAtEnd: boolean };
  /** Race clock of play(); kept across pause/play so playback resumes where it stopped. */
  virtualMs: number;
  /** Body of the courses endpoint; null = no course. */
  coursesBody: unknown;
}

interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

const LIVE_END_MS = 24 * 3600 * 1000;
const JSON_TYPE = 'application/json;charset=UTF-8';
const HTML_TYPE = 'text/html; charset=utf-8';

export class LiveTrackSimulator {
  private readonly rng: Rng;
  private readonly csrfMetaName: string;
  private readonly playTickMs: number;
  private readonly sessionsById = new Map<string, SessionState>();
  private readonly shortLinks = new Map<string, { sessionId: string; form: 'path' | 'query'; statuses: number[] }>();
  /** live.garmin.com/{user} athlete pages: the session they lead to and how. */
  private readonly athletePages = new Map<string, { sessionId: string | null; form: 'redirect' | 'next-redirect' }>();
  private readonly apiPaths: NonNullable<SimulatorOptions['apiPaths']>;
  private readonly pageData: NonNullable<SimulatorOptions['pageData']>;
  private readonly pageRedirects: boolean;
  private challenge = false;
  private redirectCount = 0;
  /** meta token -> cookie secret; cleared by rotateCsrf(). */
  private readonly csrf = new Map<string, string>();
  private faults: QueuedFault[] = [];
  private readonly pendingTimers = new Set<NodeJS.Timeout>();
  private log: SimRequestRecord[] = [];
  private server?: http.Server;
  private originUrl?: string;

  constructor(opts: SimulatorOptions = {}) {
    this.rng = new Rng(opts.seed ?? 1);
    this.csrfMetaName = opts.csrfMetaName ?? 'csrf-token';
    this.playTickMs = opts.playTickMs ?? 250;
    this.apiPaths = opts.apiPaths ?? 'both';
    this.pageData = opts.pageData ?? 'app-router';
    this.pageRedirects = opts.pageRedirects ?? false;
  }

  // ---------------------------------------------------------------- lifecycle

  async start(port = 0): Promise<string> {
    if (this.server) return this.origin;
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.originUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.originUrl;
  }

  async stop(): Promise<void> {
    for (const s of this.sessionsById.values()) this.stopPlayTimer(s);
    for (const t of this.pendingTimers) clearTimeout(t);
    this.pendingTimers.clear();
    const server = this.server;
    this.server = undefined;
    this.originUrl = undefined;
    if (!server) return;
    // Keep-alive and slow requests would otherwise hold close() open.
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await closed;
  }

  get origin(): string {
    if (!this.originUrl) throw new Error('LiveTrackSimulator not started');
    return this.originUrl;
  }

  // ---------------------------------------------------------------- sessions

  addSession(opts: AddSessionOptions): SimSession {
    const sessionId = opts.sessionId ?? this.newSessionId();
    if (this.sessionsById.has(sessionId)) throw new Error(`session ${sessionId} already exists`);
    const s: SessionState = {
      sessionId,
      token: opts.token ?? this.rng.hex(30, true),
      sessionName: opts.sessionName ?? 'LiveTrack',
      athlete: opts.athlete ?? 'Sim Athlete',
      postTrackPointFrequency: opts.postTrackPointFrequency ?? 30,
      race: opts.race,
      times: opts.race.points.map((p) => (typeof p.dateTime === 'string' ? Date.parse(p.dateTime) : NaN)),
      behaviour: {
        metaFailure: opts.metaFailure ?? null,
        notFoundBeforeFirstPoint: opts.notFoundBeforeFirstPoint ?? false,
        pointsBody: opts.pointsBody ?? 'object',
        emptyWhenNothingNew: opts.emptyWhenNothingNew ?? false,
        nestedFitness: opts.nestedFitness ?? false,
      },
      releasedCount: 0,
      finished: false,
      gone: false,
      virtualMs: opts.race.start.getTime(),
      coursesBody: opts.course === undefined ? null : coursesBodyOf(opts.race, opts.course),
    };
    this.sessionsById.set(sessionId, s);
    return this.publicView(s);
  }

  /**
   * A watch restarted mid-race (splitAtWatchRestart): two sessions of the same athlete, the first
   * ending without END at `atMin`, the second starting `gapMin` (default 3) later with the rest of
   * the race. Release or play each as usual.
   */
  addWatchRestart(opts: Omit<AddSessionOptions, 'sessionId' | 'token'> & WatchRestartOptions): { before: SimSession; after: SimSession } {
    const { atMin, gapMin, race, ...rest } = opts;
    const split = splitAtWatchRestart(race, { atMin, gapMin });
    return { before: this.addSession({ ...rest, race: split.before }), after: this.addSession({ ...rest, race: split.after }) };
  }

  /** Sets (or with null removes) the course the session's courses endpoint serves, e.g. mid-race. */
  setCourse(sessionId: string, course: SimCourse | null): void {
    const s = this.must(sessionId);
    s.coursesBody = course === null ? null : coursesBodyOf(s.race, course);
  }

  removeSession(sessionId: string): void {
    const s = this.sessionsById.get(sessionId);
    if (s) this.stopPlayTimer(s);
    this.sessionsById.delete(sessionId);
  }

  session(sessionId: string): SimSession {
    return this.publicView(this.must(sessionId));
  }

  sessions(): SimSession[] {
    return [...this.sessionsById.values()].map((s) => this.publicView(s));
  }

  shareUrl(sessionId: string, form: 'path' | 'query' = 'path'): string {
    const s = this.must(sessionId);
    const id = encodeURIComponent(s.sessionId);
    const token = encodeURIComponent(s.token);
    return form === 'path' ? `${this.origin}/session/${id}/token/${token}` : `${this.origin}/session/${id}?token=${token}`;
  }

  /**
   * A gar.mn-style short link that redirects to the share URL: one 302 by default, or a chain of
   * the given statuses. `host` serves the link under another name of this server (e.g.
   * 'localhost', standing for www.gar.mn), so the hops cross origins.
   */
  addShortLink(sessionId: string, form: 'path' | 'query' = 'path', opts: { statuses?: number[]; host?: string } = {}): string {
    this.must(sessionId);
    const code = this.rng.hex(8);
    this.shortLinks.set(code, { sessionId, form, statuses: opts.statuses?.length ? opts.statuses : [302] });
    return `${this.originOn(opts.host)}/s/${code}`;
  }

  /**
   * A live.garmin.com/{user} athlete page leading to the session: a 307, or a 200 page whose body
   * carries `NEXT_REDIRECT;replace;/session/…` (Next.js app router). `sessionId` null = not live.
   */
  addAthletePage(user: string, sessionId: string | null, form: 'redirect' | 'next-redirect' = 'next-redirect', host?: string): string {
    if (sessionId !== null) this.must(sessionId);
    this.athletePages.set(user.toLowerCase(), { sessionId, form });
    return `${this.originOn(host)}/${encodeURIComponent(user)}`;
  }

  /** This server's origin under another host name (loopback aliases only). */
  originOn(host?: string): string {
    if (!host) return this.origin;
    const url = new URL(this.origin);
    url.hostname = host;
    return url.origin;
  }

  /** Bot protection on: every request gets a challenge page (403, `cf-mitigated: challenge`). */
  setBotChallenge(on: boolean): void {
    this.challenge = on;
  }

  /** URL that 302s to an arbitrary target (for testing redirect allow-lists). */
  redirectUrl(to: string): string {
    return `${this.origin}/redirect?to=${encodeURIComponent(to)}`;
  }

  // ---------------------------------------------------------------- release control

  /** Publishes the next n points; returns the newly published ones. */
  release(sessionId: string, n: number): GarminTrackPoint[] {
    const s = this.must(sessionId);
    return this.releaseTo(s, s.releasedCount + Math.max(0, Math.floor(n)));
  }

  /** Publishes every point whose dateTime <= date. */
  releaseUntil(sessionId: string, date: Date): GarminTrackPoint[] {
    const s = this.must(sessionId);
    return this.releaseTo(s, this.countUntil(s, date.getTime()));
  }

  releaseAll(sessionId: string): GarminTrackPoint[] {
    const s = this.must(sessionId);
    return this.releaseTo(s, s.race.points.length);
  }

  released(sessionId: string): GarminTrackPoint[] {
    const s = this.must(sessionId);
    return s.race.points.slice(0, s.releasedCount);
  }

  /**
   * Real-time playback for the demo: race time advances speedup× faster than wall time and
   * points appear in postTrackPointFrequency-sized batches, as devices upload them.
   */
  play(sessionId: string, speedup: number, opts: PlayOptions = {}): void {
    if (!(speedup > 0)) throw new RangeError('speedup must be > 0');
    const s = this.must(sessionId);
    this.pause(sessionId);
    const timer = setInterval(() => this.tick(s), this.playTickMs);
    timer.unref(); // never keep a test process alive on its own
    s.play = {
      timer,
      baseVirtualMs: s.virtualMs,
      realStartMs: Date.now(),
      speedup,
      finishAtEnd: opts.finishAtEnd ?? false,
    };
    this.tick(s);
  }

  pause(sessionId: string): void {
    const s = this.must(sessionId);
    if (!s.play) return;
    s.virtualMs = this.virtualNow(s);
    this.stopPlayTimer(s);
  }

  /** The athlete stopped and saved: metadata `end` switches from start+24h to the real end. */
  finish(sessionId: string): void {
    this.must(sessionId).finished = true;
  }

  /** The metadata the API currently serves for the session. */
  metadata(sessionId: string): GarminSessionMeta {
    return this.metaOf(this.must(sessionId));
  }

  /** Gone sessions answer 404 on every endpoint (expired mid-race). */
  setGone(sessionId: string, gone: boolean): void {
    this.must(sessionId).gone = gone;
  }

  // ---------------------------------------------------------------- CSRF & faults

  /** Invalidates every issued CSRF token; clients must redo the share-page handshake. */
  rotateCsrf(): void {
    this.csrf.clear();
  }

  /** Queues faults; each is consumed by the next matching API request, in order. */
  injectFaults(faults: FaultKind[], opts: FaultOptions = {}): void {
    for (const kind of faults) {
      this.faults.push({
        kind,
        sessionId: opts.sessionId,
        slowMs: opts.slowMs ?? 5000,
        path: opts.path ?? 'any',
        retryAfterS: opts.retryAfterS ?? 60,
      });
    }
  }

  clearFaults(): void {
    this.faults = [];
  }

  // ---------------------------------------------------------------- observability

  stats(sessionId?: string): SimStats {
    const log = sessionId === undefined ? this.log : this.log.filter((r) => r.sessionId === sessionId);
    const requests: Record<RequestKind, number> = {
      page: 0,
      meta: 0,
      points: 0,
      courses: 0,
      'short-link': 0,
      'athlete-page': 0,
      redirect: 0,
      other: 0,
    };
    const statuses: Record<string, number> = {};
    const begins: string[] = [];
    const faultsServed: FaultKind[] = [];
    let handshakes = 0;
    for (const r of log) {
      requests[r.kind]++;
      if (r.status !== undefined) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
      if (r.begin !== undefined) begins.push(r.begin);
      if (r.fault) faultsServed.push(r.fault);
      if (r.kind === 'page' && r.status === 200) handshakes++;
    }
    return {
      requests,
      statuses,
      handshakes,
      begins,
      faultsServed,
      pendingFaults: this.faults.length,
      log: log.map((r) => ({ ...r })),
    };
  }

  resetStats(): void {
    this.log = [];
  }

  // ---------------------------------------------------------------- internals: release

  private releaseTo(s: SessionState, count: number): GarminTrackPoint[] {
    const target = Math.min(s.race.points.length, count);
    if (target <= s.releasedCount) return [];
    const fresh = s.race.points.slice(s.releasedCount, target);
    s.releasedCount = target;
    return fresh;
  }

  /** Number of leading points with time <= ms (points are in time order). */
  private countUntil(s: SessionState, ms: number): number {
    let n = 0;
    while (n < s.times.length && !(s.times[n] > ms)) n++;
    return n;
  }

  private virtualNow(s: SessionState): number {
    if (!s.play) return s.virtualMs;
    return s.play.baseVirtualMs + (Date.now() - s.play.realStartMs) * s.play.speedup;
  }

  private tick(s: SessionState): void {
    if (!s.play) return;
    const now = this.virtualNow(s);
    s.virtualMs = now;
    const startMs = s.race.start.getTime();
    const endMs = s.race.end.getTime();
    if (now >= endMs) {
      this.releaseTo(s, s.race.points.length);
    } else {
      // Only whole upload batches become visible, like a device posting every N seconds.
      const batchMs = Math.max(1, s.postTrackPointFrequency) * 1000;
      const edge = startMs + Math.floor((now - startMs) / batchMs) * batchMs;
      this.releaseTo(s, this.countUntil(s, edge));
    }
    if (s.releasedCount >= s.race.points.length) {
      if (s.play.finishAtEnd) s.finished = true;
      this.stopPlayTimer(s);
    }
  }

  private stopPlayTimer(s: SessionState): void {
    if (s.play) clearInterval(s.play.timer);
    s.play = undefined;
  }

  // ---------------------------------------------------------------- internals: HTTP

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    const record: SimRequestRecord = {
      kind: 'other',
      receivedAt: Date.now(),
      userAgent: header(req, 'user-agent'),
      referer: header(req, 'referer'),
    };
    this.log.push(record);

    if (req.method !== 'GET') {
      this.send(res, record, { status: 405, headers: { Allow: 'GET', 'Content-Type': JSON_TYPE }, body: json({ error: 'Method Not Allowed' }) });
      return;
    }

    if (this.challenge) {
      record.kind = classify(path);
      this.send(res, record, challengePage());
      return;
    }

    let m: RegExpMatchArray | null;
    if ((m = path.match(/^\/session\/([^/]+)\/token\/([^/]+)\/?$/))) {
      this.servePage(res, record, decode(m[1]), decode(m[2]), url);
    } else if ((m = path.match(/^\/session\/([^/]+)\/?$/))) {
      this.servePage(res, record, decode(m[1]), url.searchParams.get('token') ?? undefined, url);
    } else if ((m = path.match(/^\/s\/([^/]+)\/?$/))) {
      record.kind = 'short-link';
      const link = this.shortLinks.get(decode(m[1]) ?? '');
      const s = link && this.sessionsById.get(link.sessionId);
      const hop = Number(url.searchParams.get('hop') ?? 0);
      if (!link || !s) {
        this.send(res, record, notFoundHtml());
      } else if (hop + 1 < link.statuses.length) {
        this.send(res, record, redirect(`${path}?hop=${hop + 1}`, link.statuses[hop]));
      } else {
        this.send(res, record, redirect(this.shareUrl(s.sessionId, link.form), link.statuses[hop] ?? 302));
      }
    } else if ((m = path.match(/^\/([A-Za-z0-9._-]+)\/?$/)) && this.athletePages.has(m[1].toLowerCase())) {
      record.kind = 'athlete-page';
      const page = this.athletePages.get(m[1].toLowerCase())!;
      const s = page.sessionId === null ? undefined : this.sessionsById.get(page.sessionId);
      if (!s) {
        this.send(res, record, htmlPage(200, '<!DOCTYPE html><html><body><h1>Not live right now</h1></body></html>'));
      } else {
        const target = `/session/${encodeURIComponent(s.sessionId)}/token/${encodeURIComponent(s.token)}`;
        this.send(res, record, page.form === 'redirect' ? redirect(target, 307) : htmlPage(200, nextRedirectPage(target)));
      }
    } else if (path === '/redirect') {
      record.kind = 'redirect';
      const to = url.searchParams.get('to');
      this.send(res, record, to ? redirect(to) : { status: 400, headers: { 'Content-Type': JSON_TYPE }, body: json({ error: 'missing to' }) });
    } else if ((m = path.match(/^\/api(\/v[12])?\/sessions\/([^/]+)(\/track-points\/common|\/courses)?\/?$/))) {
      record.kind = m[3] === '/courses' ? 'courses' : m[3] ? 'points' : 'meta';
      if (!this.servesPath(m[1], record.kind)) {
        this.send(res, record, notFoundHtml());
        return;
      }
      this.serveApi(req, res, record, decode(m[2]), url);
    } else {
      this.send(res, record, notFoundHtml());
    }
  }

  /** Does this server answer the API path form (`/api/v2/…`, `/api/v1/…` or `/api/…`)? */
  private servesPath(version: string | undefined, kind: RequestKind): boolean {
    if (version === '/v1') return kind === 'courses';
    if (this.apiPaths === 'v2-only') return version === '/v2';
    if (this.apiPaths === 'unversioned-only') return version === undefined;
    return true;
  }

  private servePage(res: http.ServerResponse, record: SimRequestRecord, id: string | undefined, token: string | undefined, url: URL): void {
    record.kind = 'page';
    record.sessionId = id;
    const s = id !== undefined ? this.sessionsById.get(id) : undefined;
    if (!s || s.gone || token === undefined || token !== s.token) {
      this.send(res, record, notFoundHtml());
      return;
    }
    if (this.pageRedirects && url.searchParams.get('locale') !== 'en') {
      // As a CDN or locale redirect would: each hop is a different status.
      const status = [301, 307, 308][this.redirectCount++ % 3];
      this.send(res, record, redirect(`/session/${encodeURIComponent(s.sessionId)}/token/${encodeURIComponent(s.token)}?locale=en`, status));
      return;
    }
    const metaToken = this.rng.hex(40);
    const secret = this.rng.hex(40);
    this.csrf.set(metaToken, secret);

    const points = s.race.points.slice(0, s.releasedCount).map((p) => this.shapePoint(s, p));
    const html =
      '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
      '<meta name="viewport" content="width=device-width, initial-scale=1">' +
      `<meta name="${this.csrfMetaName}" content="${metaToken}">` +
      `<title>${escapeHtml(s.sessionName)} | Garmin LiveTrack</title></head>` +
      (this.pageData === 'app-router' ? appRouterBody(this.metaOf(s), s.token, points) : nextDataBody(this.metaOf(s), points)) +
      '</html>';
    this.send(res, record, {
      status: 200,
      headers: {
        'Content-Type': HTML_TYPE,
        'Cache-Control': 'no-store',
        'Set-Cookie': [
          `livetrack_csrf=${secret}; Path=/; HttpOnly; SameSite=Lax`,
          `__cflb=${this.rng.hex(32)}; Path=/; Max-Age=3600; HttpOnly`,
        ],
      },
      body: Buffer.from(html, 'utf8'),
    });
  }

  private serveApi(req: http.IncomingMessage, res: http.ServerResponse, record: SimRequestRecord, id: string | undefined, url: URL): void {
    record.sessionId = id;
    const begin = url.searchParams.get('begin');
    if (record.kind === 'points' && begin !== null) record.begin = begin;

    const s = id !== undefined ? this.sessionsById.get(id) : undefined;
    if (!s || s.gone || url.searchParams.get('token') !== s.token) {
      this.send(res, record, notFoundJson());
      return;
    }

    // Faults model the edge (rate limiter, CDN, broken deploy): they apply before the CSRF check.
    const fault = this.takeFault(record.kind, s.sessionId);
    if (fault) record.fault = fault.kind;
    const canned = fault && this.cannedFault(fault);
    if (canned) {
      this.send(res, record, canned);
      return;
    }

    let reply = this.checkCsrf(req) ? this.apiReply(s, record.kind, begin) : forbidden();
    if ((fault?.kind === 'shuffled' || fault?.kind === 'wrong-types') && reply.status === 200 && record.kind === 'points') {
      const body = reply.body.length ? (JSON.parse(reply.body.toString('utf8')) as { trackPoints: GarminTrackPoint[] } | GarminTrackPoint[]) : [];
      reply = okJson({ trackPoints: distortPoints(fault.kind, Array.isArray(body) ? body : body.trackPoints) });
    }
    if (fault?.kind === 'truncated') {
      const body = reply.body.subarray(0, Math.floor(reply.body.length / 2));
      reply = { ...reply, body };
    }
    if (fault?.kind === 'slow') {
      const timer = setTimeout(() => {
        this.pendingTimers.delete(timer);
        if (!res.destroyed) this.send(res, record, reply);
      }, fault.slowMs);
      this.pendingTimers.add(timer);
      return;
    }
    this.send(res, record, reply);
  }

  private apiReply(s: SessionState, kind: RequestKind, begin: string | null): Reply {
    if (kind === 'meta') {
      if (s.behaviour.metaFailure === 404) return notFoundJson();
      if (s.behaviour.metaFailure === 500) return errorHtml(500, 'Internal Server Error');
      return okJson(this.metaOf(s));
    }
    if (kind === 'courses') return okJson(s.coursesBody ?? { courses: [] });
    if (s.behaviour.notFoundBeforeFirstPoint && s.releasedCount === 0) return notFoundJson();
    let from = -Infinity;
    if (begin !== null) {
      from = Date.parse(begin);
      if (Number.isNaN(from)) return { status: 400, headers: { 'Content-Type': JSON_TYPE }, body: json({ error: 'invalid begin' }) };
    }
    const points: unknown[] = [];
    let newer = false;
    for (let i = 0; i < s.releasedCount; i++) {
      if (s.times[i] >= from) {
        points.push(this.shapePoint(s, s.race.points[i])); // inclusive, as Garmin
        newer ||= s.times[i] > from;
      }
    }
    if (s.behaviour.emptyWhenNothingNew && !newer) return { status: 200, headers: { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' }, body: Buffer.alloc(0) };
    return okJson(s.behaviour.pointsBody === 'array' ? points : { trackPoints: points });
  }

  /** A point as this session's build serves it: flat, or with fitness values nested (older builds). */
  private shapePoint(s: SessionState, p: GarminTrackPoint): unknown {
    if (!s.behaviour.nestedFitness) return p;
    const { heartRateBeatsPerMin, cadenceCyclesPerMin, powerWatts, activityType, ...rest } = p;
    return { ...rest, fitnessPointData: { heartRateBeatsPerMin, cadenceCyclesPerMin, powerWatts, activityType } };
  }

  private checkCsrf(req: http.IncomingMessage): boolean {
    const token = header(req, 'livetrack-csrf-token');
    if (!token) return false;
    const secret = this.csrf.get(token);
    return secret !== undefined && parseCookies(header(req, 'cookie')).get('livetrack_csrf') === secret;
  }

  private takeFault(kind: RequestKind, sessionId: string): QueuedFault | undefined {
    const i = this.faults.findIndex(
      (f) => (f.sessionId === undefined || f.sessionId === sessionId) && (f.path === 'any' || f.path === kind),
    );
    return i < 0 ? undefined : this.faults.splice(i, 1)[0];
  }

  /** Faults that replace the real answer entirely (truncated/slow transform it instead). */
  private cannedFault(f: QueuedFault): Reply | undefined {
    switch (f.kind) {
      case '429':
        return {
          status: 429,
          headers: { 'Content-Type': HTML_TYPE, 'Retry-After': String(f.retryAfterS) },
          body: Buffer.from('<!DOCTYPE html><html><body><h1>429 Too Many Requests</h1></body></html>'),
        };
      case '500':
        return errorHtml(500, 'Internal Server Error');
      case '503':
        return errorHtml(503, 'Service Unavailable');
      case '403':
        return forbidden();
      case 'garbage': {
        const body = this.rng.bytes(512);
        body[0] = 0xff; // guarantees the payload is never accidentally valid JSON
        return { status: 200, headers: { 'Content-Type': JSON_TYPE }, body };
      }
      case 'html':
        return {
          status: 200,
          headers: { 'Content-Type': HTML_TYPE },
          body: Buffer.from(
            '<!DOCTYPE html><html><head><title>Garmin LiveTrack</title></head>' +
              '<body><h1>Something went wrong</h1><p>Please try again later.</p></body></html>',
          ),
        };
      case 'wrong-shape':
        return okJson({ trackPoints: { oops: 1 } });
      default:
        return undefined;
    }
  }

  private metaOf(s: SessionState): GarminSessionMeta {
    const start = s.race.start.getTime();
    return {
      sessionId: s.sessionId,
      sessionName: s.sessionName,
      userDisplayName: s.athlete,
      start: new Date(start).toISOString(),
      end: new Date(s.finished ? s.race.end.getTime() : start + LIVE_END_MS).toISOString(),
      postTrackPointFrequency: s.postTrackPointFrequency,
      viewable: true,
      privacyLevel: 'PUBLIC',
    };
  }

  private send(res: http.ServerResponse, record: SimRequestRecord, reply: Reply): void {
    try {
      res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(reply.body.length) });
    } catch {
      // e.g. a /redirect target with characters not allowed in a Location header
      reply = { status: 400, headers: { 'Content-Type': JSON_TYPE }, body: json({ error: 'bad request' }) };
      res.writeHead(reply.status, { ...reply.headers, 'Content-Length': String(reply.body.length) });
    }
    record.status = reply.status;
    res.end(reply.body);
  }

  private must(sessionId: string): SessionState {
    const s = this.sessionsById.get(sessionId);
    if (!s) throw new Error(`unknown simulator session ${sessionId}`);
    return s;
  }

  private publicView(s: SessionState): SimSession {
    const { sessionId, token, sessionName, athlete, postTrackPointFrequency, race } = s;
    return { sessionId, token, sessionName, athlete, postTrackPointFrequency, race };
  }

  /** UUID-v4-shaped id, deterministic from the simulator seed. */
  private newSessionId(): string {
    const r = this.rng;
    const variant = '89ab'[r.int(0, 3)];
    return `${r.hex(8)}-${r.hex(4)}-4${r.hex(3)}-${variant}${r.hex(3)}-${r.hex(12)}`;
  }
}

// ------------------------------------------------------------------ helpers

function coursesBodyOf(race: GeneratedRace, course: SimCourse): unknown {
  if (typeof course === 'string') {
    const own = race.courses?.find((c) => c.leg === course);
    // A typo'd leg must fail the test that set it up, not silently serve no course.
    if (!own) throw new Error(`the race has no ${course} course`);
    return garminCoursesBody(own);
  }
  return 'points' in course ? garminCoursesBody(course) : course;
}

function header(req: http.IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(', ') : v;
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

function parseCookies(raw: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (raw ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) out.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return out;
}

function json(value: unknown): Buffer {
  return Buffer.from(JSON.stringify(value), 'utf8');
}

function okJson(value: unknown): Reply {
  return { status: 200, headers: { 'Content-Type': JSON_TYPE, 'Cache-Control': 'no-store' }, body: json(value) };
}

function forbidden(): Reply {
  return { status: 403, headers: { 'Content-Type': JSON_TYPE }, body: json({ error: 'Forbidden' }) };
}

function notFoundJson(): Reply {
  return { status: 404, headers: { 'Content-Type': JSON_TYPE }, body: json({ error: 'Not Found' }) };
}

function notFoundHtml(): Reply {
  return errorHtml(404, 'Not Found');
}

function errorHtml(status: number, text: string): Reply {
  return {
    status,
    headers: { 'Content-Type': HTML_TYPE },
    body: Buffer.from(`<!DOCTYPE html><html><head><title>${status} ${text}</title></head><body><h1>${text}</h1></body></html>`),
  };
}

function redirect(location: string, status = 302): Reply {
  return { status, headers: { Location: location, 'Content-Type': HTML_TYPE }, body: Buffer.alloc(0) };
}

function htmlPage(status: number, html: string): Reply {
  return { status, headers: { 'Content-Type': HTML_TYPE }, body: Buffer.from(html, 'utf8') };
}

/** Which kind a path would be, for the request log of a challenged request. */
function classify(path: string): RequestKind {
  if (/^\/session\//.test(path)) return 'page';
  if (/^\/api\/.*track-points/.test(path)) return 'points';
  if (/^\/api\/.*courses/.test(path)) return 'courses';
  if (/^\/api\//.test(path)) return 'meta';
  if (/^\/s\//.test(path)) return 'short-link';
  return 'other';
}

/** What bot protection shows instead of the page: a 403 HTML challenge with a cf-style header. */
function challengePage(): Reply {
  return {
    status: 403,
    headers: { 'Content-Type': HTML_TYPE, 'cf-mitigated': 'challenge', 'cf-ray': '8f1e2d3c4b5a6978-ZRH' },
    body: Buffer.from(
      '<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>' +
        '<div id="challenge-stage">Checking if the site connection is secure</div>' +
        '<script src="/cdn-cgi/challenge-platform/h/g/orchestrate/chl_page/v1"></script></body></html>',
    ),
  };
}

/** An app-router page for an athlete whose session is live: the redirect is in the streamed data. */
function nextRedirectPage(target: string): string {
  const row = `0:E{"digest":"NEXT_REDIRECT;replace;${target};307;"}\n`;
  return `<!DOCTYPE html><html><head><title>Garmin LiveTrack</title></head><body><script>self.__next_f.push([1,${JSON.stringify(row)}])</script></body></html>`;
}

/** Points per React Query page on the app-router share page (the site loads them in pages). */
const PAGE_POINTS = 120;
/** Characters per `self.__next_f.push` chunk: values get split across chunks, as on the site. */
const FLIGHT_CHUNK = 1500;

/**
 * Today's share page: a Next.js app-router page whose React Query state (session and its track
 * points in several pages) is streamed as flight rows split into many push chunks.
 */
function appRouterBody(meta: GarminSessionMeta, token: string, points: unknown[]): string {
  const id = String(meta.sessionId);
  const pages: Array<{ trackPoints: unknown[] }> = [];
  for (let i = 0; i < points.length; i += PAGE_POINTS) pages.push({ trackPoints: points.slice(i, i + PAGE_POINTS) });
  if (!pages.length) pages.push({ trackPoints: [] });
  const state = {
    mutations: [],
    queries: [
      { queryKey: ['session', id, token], queryHash: JSON.stringify(['session', id, token]), state: { data: meta, status: 'success' } },
      {
        queryKey: ['session', id, token, 'track-points'],
        queryHash: JSON.stringify(['session', id, token, 'track-points']),
        state: { data: { pages, pageParams: pages.map((_, i) => i) }, status: 'success' },
      },
    ],
  };
  const rows =
    `1:HL["/_next/static/css/app/layout.css","style"]\n` +
    `2:I[8123,["app/session/[id]/page.js"],"HydrationBoundary"]\n` +
    `3:["$","$L2",null,{"state":${JSON.stringify(state)},"children":"$L4"}]\n` +
    `4:["$","main",null,{"id":"map"}]\n`;
  let scripts = '<script>(self.__next_f=self.__next_f||[]).push([0])</script>';
  for (let i = 0; i < rows.length; i += FLIGHT_CHUNK) {
    scripts += `<script>self.__next_f.push([1,${JSON.stringify(rows.slice(i, i + FLIGHT_CHUNK)).replace(/</g, '\\u003c')}])</script>`;
  }
  return `<body><div id="map"></div>${scripts}</body>`;
}

/** The older pages-router share page: one `__NEXT_DATA__` blob. */
function nextDataBody(meta: GarminSessionMeta, points: unknown[]): string {
  const nextData = {
    props: { pageProps: { session: meta, trackPoints: points } },
    page: '/session/[sessionId]/token/[token]',
    query: { sessionId: meta.sessionId },
    buildId: 'livetrack-sim',
    isFallback: false,
  };
  return `<body><div id="__next"></div><script id="__NEXT_DATA__" type="application/json">${JSON.stringify(nextData).replace(/</g, '\\u003c')}</script></body>`;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Answers that keep every released point but stress the client's parsing. */
function distortPoints(kind: 'shuffled' | 'wrong-types', points: GarminTrackPoint[]): unknown[] {
  if (kind === 'shuffled') return [...points].reverse().flatMap((p) => [p, p]);
  return [
    ...points.map((p) => ({
      ...p,
      heartRateBeatsPerMin: 'high',
      powerWatts: { watts: p.powerWatts },
      cadenceCyclesPerMin: [p.cadenceCyclesPerMin],
      position: 'somewhere',
      totalDistanceMeters: true,
    })),
    { dateTime: 'not a time', heartRateBeatsPerMin: 150 },
    'not a point',
  ];
}
