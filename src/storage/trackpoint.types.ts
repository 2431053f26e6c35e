/** Race legs. Triathlon: swim, t1, bike, t2, run. Single-sport races use one leg. */
export type Leg = 'swim' | 't1' | 'bike' | 't2' | 'run' | 'other';

export type RaceType = 'triathlon' | 'bike' | 'run' | 'other';

/**
 * One trackpoint as the service stores it. Times are epoch milliseconds (UTC); absent sensor
 * values are null, never 0. Cadence is rpm on the bike and steps per minute on the run.
 */
export interface TrackpointRecord {
  time: number;
  lat: number | null;
  lon: number | null;
  altitudeM: number | null;
  speedMps: number | null;
  distanceM: number | null;
  durationS: number | null;
  heartRate: number | null;
  cadence: number | null;
  power: number | null;
  activityType: string | null;
  leg: Leg;
  status: string | null;
}
