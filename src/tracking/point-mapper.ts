// Maps Garmin's untrusted JSON into TrackpointRecords. Garmin publishes no API: every field is
// optional, so a value that is not a plausible number becomes null (never 0).
import type { RaceType, TrackpointRecord } from '../storage/trackpoint.types';
import type { GarminSessionMeta, GarminTrackPoint } from './garmin.types';
import { activityKind, assignLeg, type LegState } from './legs';

/** The response body does not have the expected shape (Garmin changed something). */
export class MalformedResponseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedResponseError';
  }
}

export interface MappedPoints {
  /** sorted by time ascending, unique by time */
  points: TrackpointRecord[];
  /** points dropped because they were not objects or had no usable dateTime */
  rejected: number;
  /** valid points dropped because another point in the batch had the same time */
  duplicates: number;
  /** an accepted point carried eventTypes ["END"] */
  endEvent: boolean;
  legState: LegState;
}

export interface SessionMeta {
  sessionName: string | null;
  athlete: string | null;
  start: number | null;
  end: number | null;
  postTrackPointFrequencyS: number | null;
  viewable: boolean | null;
}

// Plausibility limits: beyond these a value is a glitch, not a measurement.
export const LIMITS = Object.freeze({
  heartRate: { min: 20, max: 250 }, // 0 bpm means "no sensor", not a reading
  power: { min: 0, max: 3000 },
  cadence: { min: 0, max: 300 }, // checked on the stored value (steps/min on the run)
  speedMps: { min: 0, max: 100 },
  altitudeM: { min: -1000, max: 10000 },
});

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const NUMERIC_STRING = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** A finite number, or a numeric string converted; anything else is null. */
export function toFiniteNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string') {
    const s = v.trim();
    if (!NUMERIC_STRING.test(s)) return null;
    const n = Number(s);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

const inRange = (n: number | null, r: { min: number; max: number }): number | null =>
  n !== null && n >= r.min && n <= r.max ? n : null;

const nonNegative = (n: number | null): number | null => (n !== null && n >= 0 ? n : null);

const str = (v: unknown): string | null => {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  return s === '' ? null : s;
};

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/i;

/** Epoch ms of an ISO-8601 string; zone-less times are taken as UTC (JS would use local time). */
export function parseIsoTime(v: unknown): number | null {
  if (typeof v !== 'string') return null;
  const s = v.trim();
  if (!ISO_RE.test(s)) return null;
  const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(s) ? s : `${s}Z`;
  const t = Date.parse(zoned);
  return Number.isFinite(t) ? t : null;
}

interface Parsed {
  index: number;
  record: Omit<TrackpointRecord, 'leg' | 'cadence'>;
  rawCadence: number | null;
  end: boolean;
  filled: number;
}

/**
 * Older builds nest fitness values in `fitnessPointData`: a flat field wins, the nested one fills
 * in when the flat one is missing.
 */
function flatten(raw: GarminTrackPoint): GarminTrackPoint {
  const nested = raw.fitnessPointData;
  if (!isObject(nested)) return raw;
  const out: Record<string, unknown> = { ...raw };
  for (const [key, value] of Object.entries(nested)) {
    if (out[key] === undefined || out[key] === null) out[key] = value;
  }
  return out as GarminTrackPoint;
}

/** Below this a running cadence is strides per minute (Garmin's cycles); at or above it, already steps. */
export const STRIDES_BELOW = 120;

function parsePoint(raw: GarminTrackPoint, index: number): Parsed | null {
  const p = flatten(raw);
  const time = parseIsoTime(p.dateTime);
  if (time === null) return null;

  let lat: number | null = null;
  let lon: number | null = null;
  if (isObject(p.position)) {
    const la = toFiniteNumber(p.position.lat);
    const lo = toFiniteNumber(p.position.lon);
    // (0, 0) is what a device without a fix reports, not a place anyone races.
    if (la !== null && lo !== null && Math.abs(la) <= 90 && Math.abs(lo) <= 180 && !(la === 0 && lo === 0)) {
      lat = la;
      lon = lo;
    }
  }

  // Prefer speedMetersPerSec; fall back to speed when it is missing or implausible.
  const speedMps =
    inRange(toFiniteNumber(p.speedMetersPerSec), LIMITS.speedMps) ?? inRange(toFiniteNumber(p.speed), LIMITS.speedMps);
  const hr = toFiniteNumber(p.heartRateBeatsPerMin);
  const power = toFiniteNumber(p.powerWatts);
  const record: Parsed['record'] = {
    time,
    lat,
    lon,
    altitudeM: inRange(toFiniteNumber(p.altitude), LIMITS.altitudeM),
    speedMps,
    distanceM: nonNegative(toFiniteNumber(p.totalDistanceMeters)),
    durationS: nonNegative(toFiniteNumber(p.totalDurationSecs)),
    heartRate: inRange(hr === null ? null : Math.round(hr), LIMITS.heartRate),
    power: inRange(power === null ? null : Math.round(power), LIMITS.power),
    activityType: str(p.activityType),
    status: str(p.pointStatus),
  };
  const rawCadence = nonNegative(toFiniteNumber(p.cadenceCyclesPerMin));
  const events = Array.isArray(p.eventTypes) ? p.eventTypes : [p.eventTypes];
  const end = events.some((e) => typeof e === 'string' && e.trim().toUpperCase() === 'END');
  const filled = Object.values(record).filter((v) => v !== null).length + (rawCadence !== null ? 1 : 0);
  return { index, record, rawCadence, end, filled };
}

/**
 * The list of points in a track-points body. Shapes seen on the live site: `{trackPoints: [...]}`,
 * a bare array, and an empty body (`undefined` here: "nothing new").
 */
function pointList(raw: unknown): unknown[] {
  if (raw === undefined) return [];
  if (Array.isArray(raw)) return raw;
  if (!isObject(raw)) {
    throw new MalformedResponseError(`track-points body is neither an object nor an array (got ${describe(raw)})`);
  }
  if (!('trackPoints' in raw)) {
    throw new MalformedResponseError('track-points body has no trackPoints field');
  }
  const list = raw.trackPoints;
  if (!Array.isArray(list)) {
    throw new MalformedResponseError(`trackPoints is not an array (got ${describe(list)})`);
  }
  return list;
}

/**
 * Maps the body of /track-points/common. Points come back sorted by time and unique by time;
 * legs are assigned in time order starting from `legState`.
 */
export function mapGarminPoints(raw: unknown, raceType: RaceType, legState: LegState): MappedPoints {
  const list = pointList(raw);

  let rejected = 0;
  let endEvent = false;
  const byTime = new Map<number, Parsed>();
  list.forEach((item, index) => {
    const parsed = isObject(item) ? parsePoint(item as GarminTrackPoint, index) : null;
    if (!parsed) {
      rejected++;
      return;
    }
    // Same time twice in one batch: keep the fuller point; on a tie the later one in the body.
    const seen = byTime.get(parsed.record.time);
    if (!seen || parsed.filled >= seen.filled) byTime.set(parsed.record.time, parsed);
    // END counts even if its point lost the duplicate contest.
    endEvent = endEvent || parsed.end;
  });
  const accepted = list.length - rejected;

  const sorted = [...byTime.values()].sort((a, b) => a.record.time - b.record.time || a.index - b.index);
  // raceType wins over whatever the caller's state was created with.
  let state: LegState = legState.raceType === raceType ? legState : { ...legState, raceType };
  const points: TrackpointRecord[] = sorted.map((p) => {
    const assigned = assignLeg(state, p.record.activityType, p.record.status);
    state = assigned.state;
    // Garmin reports running cadence in strides/min; store steps/min. Only a value that is
    // plausibly strides is doubled: some devices already send steps.
    const running = activityKind(p.record.activityType) === 'run' || assigned.leg === 'run';
    const strides = running && p.rawCadence !== null && p.rawCadence < STRIDES_BELOW;
    const cadence =
      p.rawCadence === null ? null : inRange(Math.round(strides ? p.rawCadence * 2 : p.rawCadence), LIMITS.cadence);
    return { ...p.record, cadence, leg: assigned.leg };
  });

  return { points, rejected, duplicates: accepted - points.length, endEvent, legState: state };
}

/** Epoch ms from an ISO string or an epoch number (seconds or ms, told apart by size). */
function toEpochMs(v: unknown): number | null {
  const iso = parseIsoTime(v);
  if (iso !== null) return iso;
  const n = toFiniteNumber(v);
  if (n === null || n <= 0) return null;
  return n < 1e11 ? Math.round(n * 1000) : Math.round(n);
}

function toBoolean(v: unknown): boolean | null {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (s === 'true') return true;
    if (s === 'false') return false;
  }
  return null;
}

/** Maps the body of /api/sessions/{id}. */
export function mapSessionMeta(raw: unknown): SessionMeta {
  if (!isObject(raw)) {
    throw new MalformedResponseError(`session body is not a JSON object (got ${describe(raw)})`);
  }
  const m = raw as GarminSessionMeta;
  const freq = toFiniteNumber(m.postTrackPointFrequency);
  return {
    sessionName: str(m.sessionName),
    athlete: str(m.userDisplayName),
    start: toEpochMs(m.start),
    end: toEpochMs(m.end),
    postTrackPointFrequencyS: freq !== null && freq > 0 ? freq : null,
    viewable: toBoolean(m.viewable),
  };
}
