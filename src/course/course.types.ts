// Course (planned route) and progress types. Contract: PUT/GET /sessions/:id/course, CourseProgress.

export interface LatLon {
  lat: number;
  lon: number;
}

export interface Checkpoint {
  name: string;
  /** Course distance of the waypoint's projection onto the course. */
  distance_m: number;
}

export interface Course {
  /** GPX metadata/trk/rte name or Garmin course name, when there is one. */
  name: string | null;
  /** The polyline, in order (at least 2 points). */
  points: LatLon[];
  /** Distance along the course at each point (haversine); cumulative_m[0] = 0. */
  cumulative_m: number[];
  distance_m: number;
  /** Sorted by distance_m. */
  checkpoints: Checkpoint[];
}

export interface NextCheckpoint {
  name: string;
  distance_to_go_m: number;
  /** ISO time, null without a usable recent speed. */
  eta: string | null;
}

/** The contract's CourseProgress; the projected fields are null until the athlete is found on the course. */
export interface CourseProgress {
  distance_m: number;
  distance_done_m: number | null;
  distance_to_go_m: number | null;
  progress_pct: number | null;
  off_course_m: number | null;
  /** Finish ETA (ISO). */
  eta: string | null;
  next_checkpoint: NextCheckpoint | null;
}
