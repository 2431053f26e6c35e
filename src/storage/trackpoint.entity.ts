import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './column-types';
import { Leg } from './trackpoint.types';

/**
 * One stored trackpoint. The primary key (session_id, time) is both the uniqueness rule that makes
 * re-fetches harmless (Garmin's `begin` is inclusive) and the index that serves "the last N
 * minutes of one session" as a range scan.
 */
@Entity('trackpoints')
export class TrackpointEntity {
  @PrimaryColumn({ name: 'session_id', type: 'varchar', length: 64 })
  sessionId: string;

  @PrimaryColumn({ type: 'bigint', transformer: epochMs })
  time: number;

  @Column({ type: 'double precision', nullable: true })
  lat: number | null;

  @Column({ type: 'double precision', nullable: true })
  lon: number | null;

  @Column({ name: 'altitude_m', type: 'double precision', nullable: true })
  altitudeM: number | null;

  @Column({ name: 'speed_mps', type: 'double precision', nullable: true })
  speedMps: number | null;

  @Column({ name: 'distance_m', type: 'double precision', nullable: true })
  distanceM: number | null;

  @Column({ name: 'duration_s', type: 'double precision', nullable: true })
  durationS: number | null;

  @Column({ name: 'heart_rate', type: 'integer', nullable: true })
  heartRate: number | null;

  @Column({ type: 'integer', nullable: true })
  cadence: number | null;

  @Column({ type: 'integer', nullable: true })
  power: number | null;

  @Column({ name: 'activity_type', type: 'varchar', length: 32, nullable: true })
  activityType: string | null;

  @Column({ type: 'varchar', length: 8 })
  leg: Leg;

  @Column({ type: 'varchar', length: 16, nullable: true })
  status: string | null;
}
