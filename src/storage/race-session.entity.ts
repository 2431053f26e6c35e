import { Column, Entity, Index, PrimaryColumn } from 'typeorm';
import { epochMs } from './column-types';

export type SessionState = 'active' | 'finished' | 'stopped';

/** Why tracking of a session ended. */
export type StopReason = 'end_event' | 'garmin_end' | 'stale' | 'manual' | 'gone' | 'expired';

export type PointsSource = 'api' | 'page';

/** One tracked race, keyed by the Garmin LiveTrack session id. */
@Entity('race_sessions')
@Index('idx_race_sessions_state', ['state', 'startedAt'])
export class RaceSessionEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  id: string;

  /** Full share URL including its token: kept only so tracking can resume after a restart. */
  @Column({ name: 'share_url', type: 'text' })
  shareUrl: string;

  @Column({ name: 'race_config', type: 'simple-json' })
  raceConfig: Record<string, unknown>;

  @Column({ type: 'simple-json' })
  thresholds: Record<string, number | null>;

  @Column({ type: 'varchar', length: 16 })
  state: SessionState;

  @Column({ name: 'stop_reason', type: 'varchar', length: 16, nullable: true })
  stopReason: StopReason | null;

  @Column({ name: 'stop_detail', type: 'text', nullable: true })
  stopDetail: string | null;

  @Column({ name: 'session_name', type: 'varchar', length: 200, nullable: true })
  sessionName: string | null;

  @Column({ type: 'varchar', length: 200, nullable: true })
  athlete: string | null;

  @Column({ name: 'garmin_start', type: 'bigint', nullable: true, transformer: epochMs })
  garminStart: number | null;

  @Column({ name: 'garmin_end', type: 'bigint', nullable: true, transformer: epochMs })
  garminEnd: number | null;

  @Column({ name: 'post_frequency_s', type: 'integer', nullable: true })
  postFrequencyS: number | null;

  @Column({ name: 'started_at', type: 'bigint', transformer: epochMs })
  startedAt: number;

  @Column({ name: 'stopped_at', type: 'bigint', nullable: true, transformer: epochMs })
  stoppedAt: number | null;

  @Column({ name: 'updated_at', type: 'bigint', transformer: epochMs })
  updatedAt: number;

  /** Race time of the newest stored point. */
  @Column({ name: 'last_point_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastPointAt: number | null;

  /** Wall-clock time a new point last arrived: the stale rule measures from here. */
  @Column({ name: 'last_new_point_received_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastNewPointReceivedAt: number | null;

  @Column({ type: 'integer', default: 0 })
  points: number;

  @Column({ type: 'integer', default: 0 })
  polls: number;

  @Column({ name: 'poll_errors', type: 'integer', default: 0 })
  pollErrors: number;

  @Column({ name: 'last_error', type: 'text', nullable: true })
  lastError: string | null;

  @Column({ name: 'last_error_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastErrorAt: number | null;

  @Column({ name: 'last_poll_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastPollAt: number | null;

  @Column({ name: 'rejected_points', type: 'integer', default: 0 })
  rejectedPoints: number;

  @Column({ name: 'analysis_runs', type: 'integer', default: 0 })
  analysisRuns: number;

  @Column({ name: 'analysis_errors', type: 'integer', default: 0 })
  analysisErrors: number;

  @Column({ name: 'last_analysis_at', type: 'bigint', nullable: true, transformer: epochMs })
  lastAnalysisAt: number | null;

  @Column({ name: 'last_analysis_result', type: 'varchar', length: 32, nullable: true })
  lastAnalysisResult: string | null;

  @Column({ name: 'alerts_sent', type: 'integer', default: 0 })
  alertsSent: number;

  @Column({ name: 'thresholds_updated_at', type: 'bigint', nullable: true, transformer: epochMs })
  thresholdsUpdatedAt: number | null;

  @Column({ name: 'thresholds_updated_by', type: 'varchar', length: 64, nullable: true })
  thresholdsUpdatedBy: string | null;

  /** Set while a provisional (stale/gone) stop keeps a cheap watch on Garmin; null otherwise. */
  @Column({ name: 'watching_until', type: 'bigint', nullable: true, transformer: epochMs })
  watchingUntil: number | null;

  /** How often new points brought the session back from a watch. */
  @Column({ type: 'integer', default: 0 })
  revivals: number;

  @Column({ name: 'points_source', type: 'varchar', length: 8, default: 'api' })
  pointsSource: PointsSource;

  /** Alerts and fuelling reminders of this race are not sent before this time (Telegram /mute). */
  @Column({ name: 'alerts_muted_until', type: 'bigint', nullable: true, transformer: epochMs })
  alertsMutedUntil: number | null;

  /** The replica polling this session (several replicas on PostgreSQL); null when nobody holds it. */
  @Column({ name: 'lease_holder', type: 'varchar', length: 128, nullable: true })
  leaseHolder: string | null;

  /** The holder's lease runs out then unless renewed; another replica may take the session over after it. */
  @Column({ name: 'lease_expires_at', type: 'bigint', nullable: true, transformer: epochMs })
  leaseExpiresAt: number | null;

  /** The alert rules' state (threshold runs, fuelling count, metric alerts), so a takeover continues it. */
  @Column({ name: 'alert_state', type: 'simple-json', nullable: true })
  alertState: Record<string, unknown> | null;

  /** The athlete profile (athletes.key) this session was matched to; null when none. */
  @Column({ name: 'athlete_key', type: 'varchar', length: 64, nullable: true })
  athleteKey: string | null;

  /** The session this one continues (the athlete's watch was restarted mid-race); null when none. */
  @Column({ name: 'previous_session_id', type: 'varchar', length: 64, nullable: true })
  previousSessionId: string | null;

  /** The session that continues this one; null when none. */
  @Column({ name: 'next_session_id', type: 'varchar', length: 64, nullable: true })
  nextSessionId: string | null;
}
