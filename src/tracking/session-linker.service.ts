import { Injectable, Logger } from '@nestjs/common';
import { TrackStore } from '../storage/track-store.service';
import { choosePrevious, LINK_WINDOW_MS, sessionStartOf } from './session-links';
import { Tracker } from './tracker.service';
import { TrackingEvents } from './tracking-events';

/**
 * Links a new session to the one it continues (a watch restarted mid-race: Garmin's new session
 * has a new link) and stops that one for good. Called when a session starts with its athlete
 * known, and again once Garmin's metadata names the athlete (AthleteMatcher).
 */
@Injectable()
export class SessionLinker {
  private readonly logger = new Logger(SessionLinker.name);
  /** One linking at a time here: a start and its athlete match may ask for the same session at once. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly store: TrackStore,
    private readonly tracker: Tracker,
    private readonly events: TrackingEvents,
  ) {}

  /** Links `sessionId` to the session it continues, if any; answers that session's id, or null. */
  linkNew(sessionId: string): Promise<string | null> {
    const run = this.queue.then(() => this.link(sessionId));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async link(sessionId: string): Promise<string | null> {
    const next = await this.store.findSession(sessionId);
    if (!next || next.previousSessionId !== null) return null;
    // No profile: nothing says whose session it is (see sameAthlete).
    if (!next.athleteKey) return null;
    const startsAt = sessionStartOf(next, next.garminStart === null ? ((await this.store.findFirstPoint(sessionId))?.time ?? null) : null);
    const candidates = await this.store.findLinkCandidates({ athleteKey: next.athleteKey, fromMs: startsAt - LINK_WINDOW_MS, toMs: startsAt, excludeId: sessionId });
    const previous = choosePrevious(next, startsAt, candidates);
    if (!previous || !(await this.store.linkSessions(previous.id, sessionId))) return null;
    this.events.sessionsLinked.next({ previousSessionId: previous.id, nextSessionId: sessionId });
    this.logger.log({ msg: 'session continues an earlier one (watch restarted mid-race)', sessionId, previous: previous.id, athlete: next.athleteKey ?? undefined });
    // The old one ends for good, whether active or in a provisional watch. `manual` is the one
    // final stop_reason that claims nothing about Garmin (no END, no real end, no expiry).
    if (previous.state === 'active' || previous.watchingUntil !== null) {
      await this.tracker.stop(previous.id, 'manual', `continued in session ${sessionId} (watch restarted mid-race)`, { lastPoll: true });
    }
    return previous.id;
  }
}
