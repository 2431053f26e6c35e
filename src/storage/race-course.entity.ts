import { Column, Entity, PrimaryColumn } from 'typeorm';
import { epochMs } from './column-types';

export type CourseSource = 'gpx' | 'garmin';

/**
 * A session's planned course. The polyline and checkpoints are one JSON document: they are always
 * read and written whole, never queried inside.
 */
@Entity('race_courses')
export class RaceCourseEntity {
  @PrimaryColumn({ name: 'session_id', type: 'varchar', length: 64 })
  sessionId: string;

  @Column({ type: 'varchar', length: 8 })
  source: CourseSource;

  @Column({ type: 'varchar', length: 200, nullable: true })
  name: string | null;

  @Column({ name: 'distance_m', type: 'double precision' })
  distanceM: number;

  /** `{ points: [[lat, lon], …], checkpoints: [{ name, distance_m }] }` */
  @Column({ type: 'text' })
  course: string;

  @Column({ name: 'created_at', type: 'bigint', transformer: epochMs })
  createdAt: number;
}
