// Shapes Garmin LiveTrack "G4" serves (see ../shared/docs/garmin-livetrack.md). Garmin publishes no
// API, so every field is optional and must be checked before use.

export interface GarminPosition {
  lat?: unknown;
  lon?: unknown;
}

/** A flat trackpoint as served by /api/sessions/{id}/track-points/common. */
export interface GarminTrackPoint {
  dateTime?: unknown;
  reportedTime?: unknown;
  position?: GarminPosition | null;
  altitude?: unknown;
  speed?: unknown;
  speedMetersPerSec?: unknown;
  totalDistanceMeters?: unknown;
  totalDurationSecs?: unknown;
  heartRateBeatsPerMin?: unknown;
  cadenceCyclesPerMin?: unknown;
  powerWatts?: unknown;
  pointStatus?: unknown;
  activityType?: unknown;
  eventTypes?: unknown;
  elevationSource?: unknown;
  /** Older builds: heart rate, cadence, power, activityType nested here instead of flat. */
  fitnessPointData?: unknown;
}

/** Session metadata as served by /api/sessions/{id}. */
export interface GarminSessionMeta {
  sessionId?: unknown;
  sessionName?: unknown;
  userDisplayName?: unknown;
  start?: unknown;
  end?: unknown;
  postTrackPointFrequency?: unknown;
  viewable?: unknown;
  privacyLevel?: unknown;
}
