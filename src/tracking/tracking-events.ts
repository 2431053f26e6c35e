import { Injectable } from '@nestjs/common';
import { Subject } from 'rxjs';
import { TrackpointRecord } from '../storage/trackpoint.types';

export interface PointsIngested {
  sessionId: string;
  /** The newly stored points of this poll, oldest first. */
  points: TrackpointRecord[];
}

export interface SessionLifecycle {
  sessionId: string;
  /** `released`: this replica no longer polls the session (another takes it over); the race goes on. */
  kind: 'started' | 'resumed' | 'revived' | 'stopped' | 'released';
  reason?: string;
}

/** Garmin's metadata named the athlete of a session not yet matched to an athlete profile. */
export interface AthleteNamed {
  sessionId: string;
  /** userDisplayName as Garmin sends it. */
  athlete: string;
}

/** A new session was linked as the continuation of an earlier one (a watch restarted mid-race). */
export interface SessionsLinked {
  previousSessionId: string;
  nextSessionId: string;
}

/**
 * In-process notifications from the tracker, so analysis/alerts/dashboards can react to new points
 * without the tracker knowing about them. Subscribers must not throw or block.
 */
@Injectable()
export class TrackingEvents {
  readonly pointsIngested = new Subject<PointsIngested>();
  readonly lifecycle = new Subject<SessionLifecycle>();
  readonly athleteNamed = new Subject<AthleteNamed>();
  readonly sessionsLinked = new Subject<SessionsLinked>();
}
