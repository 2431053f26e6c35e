import { EMPTY_THRESHOLDS, Thresholds } from '../control/thresholds';
import { RaceSessionEntity } from '../storage/race-session.entity';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { resolveRaceConfig } from './race-config';
import { redactShareUrl } from './share-url';

const iso = (ms: number | null | undefined): string | null => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

export interface RuntimeView {
  pollState: string;
  nextPollAt: number | null;
}

/** The status object REST and MCP both return for a session. */
export function toSessionStatus(s: RaceSessionEntity, runtime: RuntimeView | null, currentLeg: string | null, now = Date.now()) {
  const config = resolveRaceConfig(s.raceConfig);
  const end = s.stoppedAt ?? now;
  const staleFrom = s.lastNewPointReceivedAt ?? s.startedAt;
  return {
    session_id: s.id,
    url: redactShareUrl(s.shareUrl),
    active: s.state === 'active',
    state: s.state,
    poll_state: s.state === 'active' || s.watchingUntil !== null ? (runtime?.pollState ?? 'idle') : 'idle',
    stop_reason: s.stopReason,
    stop_detail: s.stopDetail,
    watching_until: iso(s.watchingUntil),
    revivals: s.revivals ?? 0,
    points_source: s.pointsSource ?? 'api',
    race_name: config.race_name ?? s.sessionName,
    race_type: config.race_type,
    session_name: s.sessionName,
    athlete: s.athlete,
    // The athlete profile this session was matched to (additive: not in the contract's list).
    athlete_key: s.athleteKey ?? null,
    // A watch restarted mid-race: the session this one continues, and the one continuing it.
    previous_session_id: s.previousSessionId ?? null,
    next_session_id: s.nextSessionId ?? null,
    started_at: new Date(s.startedAt).toISOString(),
    stopped_at: iso(s.stoppedAt),
    elapsed_s: Math.max(0, Math.round((end - s.startedAt) / 1000)),
    stale_s: s.state === 'active' ? Math.max(0, Math.round((now - staleFrom) / 1000)) : null,
    last_point_at: iso(s.lastPointAt),
    points: s.points,
    polls: s.polls,
    poll_errors: s.pollErrors,
    last_error: s.lastError,
    last_poll_at: iso(s.lastPollAt),
    next_poll_at: s.state === 'active' || s.watchingUntil !== null ? iso(runtime?.nextPollAt) : null,
    thresholds: { ...EMPTY_THRESHOLDS, ...(s.thresholds as Partial<Thresholds>) },
    thresholds_updated_at: iso(s.thresholdsUpdatedAt),
    thresholds_updated_by: s.thresholdsUpdatedBy,
    // The replica polling it (several replicas on PostgreSQL); null when nobody holds a live lease.
    polled_by: s.leaseHolder && s.leaseExpiresAt !== null && s.leaseExpiresAt >= Date.now() ? s.leaseHolder : null,
    current_leg: currentLeg,
    race_config: config,
    analysis: {
      runs: s.analysisRuns,
      errors: s.analysisErrors,
      last_at: iso(s.lastAnalysisAt),
      last_result: s.lastAnalysisResult,
    },
    alerts_sent: s.alertsSent,
  };
}

export type SessionStatus = ReturnType<typeof toSessionStatus>;

/** A stored point as the API returns it (contract field names). */
export function toTrackpointView(p: TrackpointRecord) {
  return {
    time: new Date(p.time).toISOString(),
    lat: p.lat,
    lon: p.lon,
    altitude_m: p.altitudeM,
    speed_mps: p.speedMps,
    distance_m: p.distanceM,
    duration_s: p.durationS,
    heart_rate: p.heartRate,
    cadence: p.cadence,
    power: p.power,
    activity_type: p.activityType,
    leg: p.leg,
    status: p.status,
  };
}

export type TrackpointView = ReturnType<typeof toTrackpointView>;
