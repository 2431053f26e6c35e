import { Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { InputError, NotFoundError } from '../common/errors';
import { RaceCourseEntity, CourseSource } from '../storage/race-course.entity';
import { TrackStore } from '../storage/track-store.service';
import { StatusExtras } from '../tracking/status-extras';
import { TrackingEvents } from '../tracking/tracking-events';
import { TrackingService } from '../tracking/tracking.service';
import { CourseTracker } from './course-progress';
import type { Checkpoint, Course, CourseProgress } from './course.types';
import { parseGarminCourse } from './garmin-course';
import { buildCourse, pointAt } from './geo';
import { GpxError, parseGpx } from './gpx';

/** Courses (with their progress state) kept in memory; the least recently used are rebuilt on demand. */
const KEEP_COURSES = 128;
/** A failed read of Garmin's courses endpoint is tried again on a later batch, this far apart, this often. */
const GARMIN_RETRY_MS = 2 * 60_000;
const GARMIN_ATTEMPTS = 5;

export interface CourseSummary {
  distance_m: number;
  checkpoints: Checkpoint[];
}

export interface CourseView extends CourseSummary {
  session_id: string;
  source: CourseSource;
  name: string | null;
  /** The polyline as [lat, lon] pairs, in order (for maps). */
  points: Array<[number, number]>;
  /** With where each lies on the course, so a map can mark it. */
  checkpoints: Array<Checkpoint & { lat: number; lon: number }>;
  progress: CourseProgress;
}

interface Entry {
  /** Null: the session has no course (cached so status reads stay cheap). */
  tracker: CourseTracker | null;
  source: CourseSource | null;
  /** Work on this entry, in order: the first replay of stored points, then each batch. */
  chain: Promise<void>;
  /** Set when loading failed: reads report it rather than "no course". */
  failed?: Error;
}

interface GarminLookup {
  attempts: number;
  lastAt: number;
  running: boolean;
}

/**
 * A session's planned course and the athlete's progress along it. The course comes from an
 * uploaded GPX file or, when the watch carries one, from Garmin's courses endpoint (looked up by
 * itself when tracking starts; an uploaded file always wins). Progress is advanced with each batch
 * of new points, like the metrics, so a long race is read from the store once at most.
 */
@Injectable()
export class CourseService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(CourseService.name);
  private readonly entries = new Map<string, Entry>();
  private readonly lookups = new Map<string, GarminLookup>();
  private readonly subscriptions = new Subscription();

  constructor(
    private readonly store: TrackStore,
    private readonly events: TrackingEvents,
    private readonly tracking: TrackingService,
    extras: StatusExtras,
  ) {
    extras.provideCourse((sessionId) => this.progress(sessionId));
  }

  onModuleInit(): void {
    this.subscriptions.add(
      this.events.pointsIngested.subscribe(({ sessionId, points }) => {
        const entry = this.entries.get(sessionId);
        // Chained even while the course is still loading: points the replay already saw are ignored by time.
        if (entry) entry.chain = entry.chain.then(() => entry.tracker?.add(points));
        const lookup = this.lookups.get(sessionId);
        if (lookup && !lookup.running && Date.now() - lookup.lastAt >= GARMIN_RETRY_MS) void this.lookUpGarmin(sessionId);
      }),
    );
    this.subscriptions.add(
      this.events.lifecycle.subscribe(({ sessionId, kind }) => {
        if (kind === 'started' || kind === 'resumed' || kind === 'revived') {
          if (!this.lookups.get(sessionId)?.running) void this.lookUpGarmin(sessionId, true);
        } else if (kind === 'stopped' || kind === 'released') {
          this.lookups.delete(sessionId);
        }
      }),
    );
  }

  onModuleDestroy(): void {
    this.subscriptions.unsubscribe();
  }

  /** PUT /sessions/:id/course: parses a GPX 1.1 file and makes it the session's course (nothing is stored when it is bad). */
  async putGpx(sessionId: string, body: Buffer | string): Promise<CourseSummary> {
    await this.tracking.requireSession(sessionId);
    let course: Course;
    try {
      course = parseGpx(body);
    } catch (error) {
      if (error instanceof GpxError) throw new InputError(`GPX file: ${error.message}`, ['course']);
      throw error;
    }
    await this.save(sessionId, course, 'gpx');
    // An explicit file beats whatever the watch carries: stop asking Garmin.
    this.lookups.delete(sessionId);
    this.logger.log({ msg: 'course uploaded', sessionId, distance_m: Math.round(course.distance_m), checkpoints: course.checkpoints.length });
    return summaryOf(course);
  }

  /** GET /sessions/:id/course: the course and the progress along it; 404 when there is none. */
  async view(sessionId: string): Promise<CourseView> {
    await this.tracking.requireSession(sessionId);
    const entry = this.entry(sessionId);
    await entry.chain;
    if (entry.failed) throw entry.failed;
    if (!entry.tracker || !entry.source) throw new NotFoundError(`session ${sessionId} has no course: upload a GPX file with PUT /sessions/${sessionId}/course`);
    const course = entry.tracker.course;
    return {
      session_id: sessionId,
      source: entry.source,
      name: course.name,
      ...summaryOf(course),
      checkpoints: summaryOf(course).checkpoints.map((c) => ({ ...c, ...pointAt(course, c.distance_m) })),
      points: course.points.map((p) => [p.lat, p.lon]),
      progress: entry.tracker.progress(),
    };
  }

  /** CourseProgress, or null when the session has no course (status, metrics, prompt). */
  async progress(sessionId: string): Promise<CourseProgress | null> {
    const entry = this.entry(sessionId);
    await entry.chain;
    if (entry.failed) throw entry.failed;
    return entry.tracker ? entry.tracker.progress() : null;
  }

  private async save(sessionId: string, course: Course, source: CourseSource): Promise<void> {
    await this.store.saveCourse(
      Object.assign(new RaceCourseEntity(), {
        sessionId,
        source,
        name: course.name?.slice(0, 200) ?? null,
        distanceM: course.distance_m,
        course: JSON.stringify({ points: course.points.map((p) => [p.lat, p.lon]), checkpoints: course.checkpoints }),
        createdAt: Date.now(),
      }),
    );
    // Progress restarts on the new course from the stored points (next read).
    this.entries.delete(sessionId);
  }

  /**
   * Reads Garmin's courses endpoint once a session starts tracking, unless it already has a
   * course. An empty answer means the watch carries none; a failure is tried again later.
   */
  private async lookUpGarmin(sessionId: string, fresh = false): Promise<void> {
    const lookup = (fresh ? undefined : this.lookups.get(sessionId)) ?? { attempts: 0, lastAt: 0, running: false };
    this.lookups.set(sessionId, lookup);
    lookup.running = true;
    lookup.attempts++;
    lookup.lastAt = Date.now();
    try {
      if (await this.store.findCourse(sessionId)) {
        this.lookups.delete(sessionId);
        return;
      }
      const body = await this.tracking.garminCourses(sessionId);
      const course = parseGarminCourse(body);
      this.lookups.delete(sessionId);
      // An upload may have landed while Garmin answered: it wins.
      if (!course || (await this.store.findCourse(sessionId))) return;
      await this.save(sessionId, course, 'garmin');
      this.logger.log({ msg: "course read from the watch's LiveTrack courses", sessionId, distance_m: Math.round(course.distance_m) });
    } catch (error) {
      lookup.running = false;
      if (lookup.attempts >= GARMIN_ATTEMPTS) this.lookups.delete(sessionId);
      this.logger.warn({ msg: `could not read Garmin's courses endpoint: ${(error as Error).message}`, sessionId, attempt: lookup.attempts });
    }
  }

  private entry(sessionId: string): Entry {
    let entry = this.entries.get(sessionId);
    if (entry) {
      this.entries.delete(sessionId);
      this.entries.set(sessionId, entry);
      return entry;
    }
    const created: Entry = { tracker: null, source: null, chain: Promise.resolve() };
    // Never a rejected chain (batches are chained on it unobserved): a failed load is logged and forgotten, the next read retries.
    created.chain = this.load(sessionId, created).catch((error) => {
      created.failed = error as Error;
      if (this.entries.get(sessionId) === created) this.entries.delete(sessionId);
      this.logger.error({ msg: `course progress could not be loaded: ${(error as Error).message}`, sessionId });
    });
    this.entries.set(sessionId, created);
    if (this.entries.size > KEEP_COURSES) this.entries.delete(this.entries.keys().next().value as string);
    return created;
  }

  /** Loads the stored course and replays the stored points over it in pages (a batch arriving meanwhile is de-duplicated by time). */
  private async load(sessionId: string, entry: Entry): Promise<void> {
    const stored = await this.store.findCourse(sessionId);
    if (!stored) return;
    const tracker = new CourseTracker(courseFromStored(stored));
    await this.store.forEachPointPage(sessionId, (page) => tracker.add(page));
    entry.tracker = tracker;
    entry.source = stored.source;
  }
}

function summaryOf(course: Course): CourseSummary {
  return {
    distance_m: Math.round(course.distance_m * 10) / 10,
    checkpoints: course.checkpoints.map((c) => ({ name: c.name, distance_m: Math.round(c.distance_m * 10) / 10 })),
  };
}

/** The stored JSON back to a Course (checkpoint distances were placed at upload; the polyline is measured again). */
export function courseFromStored(row: Pick<RaceCourseEntity, 'course' | 'name'>): Course {
  const data = JSON.parse(row.course) as { points: Array<[number, number]>; checkpoints: Checkpoint[] };
  const course = buildCourse(data.points.map(([lat, lon]) => ({ lat, lon })), [], row.name);
  course.checkpoints = data.checkpoints;
  return course;
}
