// Deterministic synthetic races in the flat G4 trackpoint shape (see shared/docs/garmin-livetrack.md).
// Everything derives from the seed so specs, e2e tests and benchmarks see identical data every run.

import type { GarminTrackPoint } from '../tracking/garmin.types';
import { Rng } from './prng';
import { buildLegCourse, type CourseLeg, type GeneratedCourse } from './sim-course';

export type { CourseLeg, CourseWaypoint, GeneratedCourse } from './sim-course';

export interface GeneratedLeg {
  leg: string;
  from: Date;
  to: Date;
}

export interface GeneratedRace {
  points: GarminTrackPoint[];
  start: Date;
  end: Date;
  legs: GeneratedLeg[];
  /**
   * The course of each moving leg (swim, bike, run), from the positions generated for it: it ends
   * where the athlete is at the leg's `to`. Always set by the generators; optional so hand-built
   * races (specs) need not carry one.
   */
  courses?: GeneratedCourse[];
}

export interface GenerateOptions {
  seed: number;
  start: Date;
  /** Seconds between points (devices record every few seconds). Default 5. */
  pointIntervalS?: number;
  /** Duration multiplier, e.g. 0.05 for a short race in tests. Default 1. */
  scale?: number;
  /**
   * Stretches of race time (minutes from the start) in which the device uploads nothing, e.g. a
   * swim with the phone in the bike bag: those points never reach Garmin.
   */
  silences?: Array<{ fromMin: number; toMin: number }>;
  /**
   * The athlete stops on course: from `atMin` (race minutes from the start) they stand still for
   * `forMin` while the device keeps uploading (speed 0, same position and distance, heart rate
   * easing off, no power or cadence), then race on; everything after the stop is that much later.
   */
  standstills?: Array<{ atMin: number; forMin: number }>;
}

export interface TriathlonOptions extends GenerateOptions {
  /** Exact swim duration in minutes (after scale), instead of the jittered 30 min. */
  swimMin?: number;
}

export interface SingleSportOptions extends GenerateOptions {
  sport: 'bike' | 'run';
  durationMin: number;
}

type LegKind = 'swim' | 't1' | 'bike' | 't2' | 'run';

interface LegPlan {
  leg: LegKind;
  activityType: 'SWIMMING' | 'TRANSITION' | 'CYCLING' | 'RUNNING';
  durationS: number;
}

/** Lake Geneva shore near Lausanne: a plausible triathlon venue. */
const START_LAT = 46.5;
const START_LON = 6.6;
const BASE_ALT = 240;
const M_PER_DEG_LAT = 111_320;
/** Points at the very start carry no fitness data, as on real devices before sensors lock. */
const BARE_START_POINTS = 3;
/**
 * Bike fatigue: power fades linearly from BIKE_FADE_FROM of the leg to BIKE_FADE lower at its end
 * (about 3 % lower over the last third), while heart rate drifts up BIKE_HR_DRIFT_BPM over the leg
 * at the same power (cardiac drift, ~7 %). Together: Pw:HR decoupling of about 3-8 % (the hills'
 * phase decides where in that range a seed lands).
 */
const BIKE_FADE_FROM = 0.6;
const BIKE_FADE = 0.05;
const BIKE_HR_DRIFT_BPM = 10;

export function generateTriathlon(opts: TriathlonOptions): GeneratedRace {
  const rng = new Rng(opts.seed);
  const interval = validInterval(opts.pointIntervalS);
  const scale = validScale(opts.scale);
  // Nominal durations (s), jittered per athlete so different seeds give different races.
  const nominal: Array<[LegKind, LegPlan['activityType'], number]> = [
    ['swim', 'SWIMMING', 30 * 60],
    ['t1', 'TRANSITION', 3 * 60],
    ['bike', 'CYCLING', 150 * 60],
    ['t2', 'TRANSITION', 2 * 60],
    ['run', 'RUNNING', 90 * 60],
  ];
  const plans = nominal.map(([leg, activityType, s]) => ({
    leg,
    activityType,
    durationS: roundToInterval(s * rng.range(0.93, 1.07) * scale, interval),
  }));
  if (opts.swimMin !== undefined) {
    if (!(opts.swimMin > 0)) throw new RangeError('swimMin must be > 0');
    plans[0].durationS = roundToInterval(opts.swimMin * 60, interval);
  }
  return silence(standStill(buildRace(rng, opts.start, interval, plans), interval, opts.standstills), opts.silences);
}

/** Drops the points inside the silent stretches (the race's legs and timing are unchanged). */
function silence(race: GeneratedRace, silences: GenerateOptions['silences']): GeneratedRace {
  if (!silences?.length) return race;
  const startMs = race.start.getTime();
  const silent = (p: GarminTrackPoint) => {
    const min = (Date.parse(String(p.dateTime)) - startMs) / 60_000;
    return silences.some((s) => min >= s.fromMin && min < s.toMin);
  };
  return { ...race, points: race.points.filter((p) => !silent(p)) };
}

export function generateSingleSport(opts: SingleSportOptions): GeneratedRace {
  const rng = new Rng(opts.seed);
  const interval = validInterval(opts.pointIntervalS);
  const scale = validScale(opts.scale);
  if (!(opts.durationMin > 0)) throw new RangeError('durationMin must be > 0');
  const plan: LegPlan = {
    leg: opts.sport,
    activityType: opts.sport === 'bike' ? 'CYCLING' : 'RUNNING',
    durationS: roundToInterval(opts.durationMin * 60 * scale, interval),
  };
  return silence(standStill(buildRace(rng, opts.start, interval, [plan]), interval, opts.standstills), opts.silences);
}

/** Resting heart rate the athlete's HR eases towards while standing (time constant HR_EASE_S). */
const STANDING_HR = 95;
const HR_EASE_S = 60;

/** Inserts each standstill (see GenerateOptions.standstills) and shifts what follows it. */
function standStill(race: GeneratedRace, interval: number, stops: GenerateOptions['standstills']): GeneratedRace {
  if (!stops?.length) return race;
  const startMs = race.start.getTime();
  let points = race.points;
  let legs = race.legs;
  let end = race.end.getTime();
  // Later stops first, so an earlier one shifts them along with the rest.
  for (const stop of [...stops].sort((a, b) => b.atMin - a.atMin)) {
    if (!(stop.forMin > 0)) throw new RangeError('standstill forMin must be > 0');
    const atMs = startMs + stop.atMin * 60_000;
    if (!(atMs > startMs && atMs < end)) throw new RangeError('standstill atMin must fall inside the race');
    const i = points.findIndex((p) => Date.parse(String(p.dateTime)) > atMs);
    const before = points[i - 1];
    const t0 = Date.parse(String(before.dateTime));
    const n = Math.max(1, Math.round((stop.forMin * 60) / interval));
    const shiftMs = n * interval * 1000;
    const hr0 = before.heartRateBeatsPerMin;
    const standing: GarminTrackPoint[] = [];
    for (let k = 1; k <= n; k++) {
      const iso = new Date(t0 + k * interval * 1000).toISOString();
      const p: GarminTrackPoint = { ...before, dateTime: iso, reportedTime: iso, pointStatus: 'STATIONARY', eventTypes: ['WAYPOINT'], speed: 0, speedMetersPerSec: 0 };
      if (typeof before.totalDurationSecs === 'number') p.totalDurationSecs = before.totalDurationSecs + k * interval;
      if (typeof hr0 === 'number') p.heartRateBeatsPerMin = Math.round(STANDING_HR + (hr0 - STANDING_HR) * Math.exp((-k * interval) / HR_EASE_S));
      delete p.powerWatts;
      delete p.cadenceCyclesPerMin;
      standing.push(p);
    }
    const later = points.slice(i).map((p) => {
      const iso = new Date(Date.parse(String(p.dateTime)) + shiftMs).toISOString();
      const moved: GarminTrackPoint = { ...p, dateTime: iso, reportedTime: iso };
      if (typeof p.totalDurationSecs === 'number') moved.totalDurationSecs = p.totalDurationSecs + n * interval;
      return moved;
    });
    points = [...points.slice(0, i), ...standing, ...later];
    const shift = (d: Date) => (d.getTime() > t0 ? new Date(d.getTime() + shiftMs) : d);
    legs = legs.map((l) => ({ leg: l.leg, from: shift(l.from), to: shift(l.to) }));
    end += shiftMs;
  }
  // The courses are the same roads: the athlete only stood on them a while.
  return { ...race, points, legs, end: new Date(end) };
}

function validInterval(v: number | undefined): number {
  const interval = v ?? 5;
  if (!(interval > 0)) throw new RangeError('pointIntervalS must be > 0');
  return interval;
}

function validScale(v: number | undefined): number {
  const scale = v ?? 1;
  if (!(scale > 0)) throw new RangeError('scale must be > 0');
  return scale;
}

/** Leg boundaries on the point grid; at least a few points per leg even at tiny scales. */
function roundToInterval(seconds: number, interval: number): number {
  return Math.max(4, Math.round(seconds / interval)) * interval;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));
const round = (v: number, digits: number) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

/** Per-leg terrain/route parameters, fixed once per race. */
interface Course {
  startHeadingDeg: number;
  /** Sign of the turn: negative = counter-clockwise loop. */
  turn: number;
  laps: number;
  wobblePhase: number;
  hillLen1: number;
  hillLen2: number;
}

function buildRace(rng: Rng, start: Date, interval: number, plans: LegPlan[]): GeneratedRace {
  const startMs = start.getTime();
  if (Number.isNaN(startMs)) throw new RangeError('start must be a valid Date');

  const legs: GeneratedLeg[] = [];
  const bounds: number[] = [];
  let acc = 0;
  for (const p of plans) {
    legs.push({ leg: p.leg, from: new Date(startMs + acc * 1000), to: new Date(startMs + (acc + p.durationS) * 1000) });
    acc += p.durationS;
    bounds.push(acc);
  }
  const totalS = acc;

  const courses = plans.map(
    (p): Course => ({
      startHeadingDeg: p.leg === 'swim' ? 180 : p.leg === 'bike' ? 90 : p.leg === 'run' ? 270 : 0,
      turn: p.leg === 'run' ? 1 : -1,
      laps: p.leg === 'run' ? 2 : 1,
      wobblePhase: rng.range(0, 2 * Math.PI),
      hillLen1: rng.range(18_000, 26_000),
      hillLen2: rng.range(5_000, 8_000),
    }),
  );

  // Pass 1: physiology and distance. Positions come in pass 2, once each leg's real length is
  // known, so every loop closes back at the transition area.
  const points: GarminTrackPoint[] = [];
  const moves: Array<{ legIdx: number; legDistBefore: number; step: number; jogHeading: number }> = [];
  const legLength = plans.map(() => 0);
  let totalDist = 0;
  let legIdx = 0;
  let legDist = 0;
  let hr = 138; // smoothed so heart rate lags effort like a real one
  let hrDropout = 0;
  let hadDropout = false;
  let prevSpeed = 0;

  const steps = Math.round(totalS / interval);
  for (let k = 0; k <= steps; k++) {
    const t = k * interval; // integer step count avoids float drift for fractional intervals
    // The first point of a transition is where the swim or bike really ends: the athlete arrives
    // there at the leg's `to`, still at that leg's pace (the device switches sport on arrival). So
    // the step into it belongs to the leg before, and that leg's course ends exactly at its `to`.
    let arriving = false;
    while (legIdx < plans.length - 1 && t >= bounds[legIdx]) {
      legIdx++;
      legDist = 0;
      arriving = plans[legIdx].activityType === 'TRANSITION' && plans[legIdx - 1].activityType !== 'TRANSITION';
    }
    const plan = plans[legIdx];
    const course = courses[legIdx];
    const legStartS = legIdx === 0 ? 0 : bounds[legIdx - 1];
    const legFrac = (t - legStartS) / plan.durationS;
    const bare = points.length < BARE_START_POINTS;

    let status: 'MOVING' | 'STATIONARY' = 'MOVING';
    let speed = 0;
    let cadence: number | null | undefined;
    let power: number | undefined;
    let hrTarget = 140;
    let hrRange: [number, number] = [130, 160];
    let altitude = BASE_ALT;
    let jogHeading = 0;

    const grade = hillGrade(plan.leg, legDist, course);
    switch (plan.leg) {
      case 'swim':
        speed = clamp(1.0 + rng.gauss() * 0.06, 0.85, 1.15);
        // Stroke rate is often missing from open-water swims.
        cadence = rng.chance(0.15) ? null : Math.round(clamp(30 + rng.gauss() * 1.5, 25, 35));
        hrTarget = 142 + rng.gauss() * 3;
        hrRange = [135, 150];
        altitude = BASE_ALT + rng.gauss() * 0.2;
        break;
      case 't1':
      case 't2':
        // Mostly standing (changing gear), with short jogs through the transition zone.
        if (rng.chance(0.7)) {
          status = 'STATIONARY';
        } else {
          speed = rng.range(1.2, 2.2);
          jogHeading = rng.range(0, 360);
        }
        altitude = BASE_ALT + rng.gauss() * 0.2;
        break;
      case 'bike': {
        const fade = 1 - BIKE_FADE * clamp((legFrac - BIKE_FADE_FROM) / (1 - BIKE_FADE_FROM), 0, 1);
        // Speed goes with the cube root of power (air drag dominates at these speeds).
        speed = clamp((10.3 - grade * 60 + rng.gauss() * 0.3) * Math.cbrt(fade), 8, 12);
        power = Math.round(clamp((205 + grade * 1200 + rng.gauss() * 15) * fade, 150, 260));
        cadence = Math.round(clamp(88 + rng.gauss() * 2.5, 80, 95));
        // Heart rate follows the power actually ridden, plus drift at the same power.
        hrTarget = 137 + (power - 205) * 0.15 + legFrac * BIKE_HR_DRIFT_BPM;
        altitude = hillAltitude(plan.leg, legDist, course);
        break;
      }
      case 'run':
        speed = clamp(3.3 - grade * 8 + rng.gauss() * 0.08, 3.0, 3.6);
        // Garmin reports strides (one per leg cycle) per minute for running; consumers double it.
        cadence = Math.round(clamp(88 + rng.gauss() * 1.2, 84, 92));
        hrTarget = 150 + legFrac * 15 + rng.gauss() * 2;
        hrRange = [145, 170];
        altitude = hillAltitude(plan.leg, legDist, course);
        break;
    }
    if (bare) {
      status = 'STATIONARY';
      speed = 0;
    } else if (arriving) {
      // Overrides after the draws above, so the random sequence (and every later value) is unchanged.
      status = prevSpeed > 0 ? 'MOVING' : 'STATIONARY';
      speed = prevSpeed;
    }

    const step = t === 0 ? 0 : speed * interval;
    if (arriving) {
      moves.push({ legIdx: legIdx - 1, legDistBefore: legLength[legIdx - 1], step, jogHeading });
      legLength[legIdx - 1] += step;
    } else {
      moves.push({ legIdx, legDistBefore: legDist, step, jogHeading });
      legDist += step;
    }
    totalDist += step;
    legLength[legIdx] = legDist;
    prevSpeed = speed;
    hr += (hrTarget - hr) * 0.25 + rng.gauss() * 0.8;

    const iso = new Date(startMs + t * 1000).toISOString();
    const p: GarminTrackPoint = {
      dateTime: iso,
      reportedTime: iso,
      position: undefined, // filled in pass 2; keeps Garmin's field order in JSON
      altitude: round(altitude, 1),
      pointStatus: status,
      activityType: plan.activityType,
      eventTypes: ['WAYPOINT'],
      elevationSource: 'BAROMETER',
    };
    if (!bare) {
      p.speed = round(speed, 2);
      p.speedMetersPerSec = round(speed, 2);
      p.totalDistanceMeters = round(totalDist, 1);
      p.totalDurationSecs = t;
      // Sensor dropout: a short run of points without heart rate (field absent, never 0).
      if (hrDropout === 0 && rng.chance(0.004)) hrDropout = rng.int(1, 4);
      if (hrDropout > 0) {
        hrDropout--;
        hadDropout = true;
      } else {
        p.heartRateBeatsPerMin = Math.round(clamp(hr, hrRange[0], hrRange[1]));
      }
      if (cadence !== undefined) p.cadenceCyclesPerMin = cadence;
      if (power !== undefined) p.powerWatts = power;
    }
    points.push(p);
  }

  // Pass 2: walk each leg's loop; heading is a function of the fraction of the leg covered.
  let lat = START_LAT;
  let lon = START_LON;
  for (let i = 0; i < points.length; i++) {
    const { legIdx: li, legDistBefore, step, jogHeading } = moves[i];
    if (step > 0) {
      let heading = jogHeading;
      if (plans[li].activityType !== 'TRANSITION') {
        const c = courses[li];
        const lapLen = Math.max(1, legLength[li] / c.laps);
        const frac = (legDistBefore + step / 2) / lapLen;
        heading = c.startHeadingDeg + c.turn * 360 * frac + 12 * Math.sin(2 * Math.PI * 3 * frac + c.wobblePhase);
      }
      const rad = (heading * Math.PI) / 180;
      lat += (step * Math.cos(rad)) / M_PER_DEG_LAT;
      lon += (step * Math.sin(rad)) / (M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180));
    }
    points[i].position = { lat: round(lat, 7), lon: round(lon, 7) };
  }

  // Guarantee at least one dropout so consumers always meet the case, whatever the seed.
  if (!hadDropout && points.length > BARE_START_POINTS + 2) {
    delete points[Math.floor(points.length * 0.4)].heartRateBeatsPerMin;
  }

  const last = points[points.length - 1];
  last.eventTypes = ['END'];

  return {
    points,
    start: new Date(startMs),
    end: new Date(startMs + steps * interval * 1000),
    legs,
    courses: legCourses(points, legs),
  };
}

/** One course per moving leg, from the positions at its from…to (both ends included). */
function legCourses(points: GarminTrackPoint[], legs: GeneratedLeg[]): GeneratedCourse[] {
  const out: GeneratedCourse[] = [];
  for (const l of legs) {
    if (l.leg !== 'swim' && l.leg !== 'bike' && l.leg !== 'run') continue;
    const from = l.from.getTime();
    const to = l.to.getTime();
    const positions = points
      .filter((p) => {
        const t = Date.parse(String(p.dateTime));
        return t >= from && t <= to;
      })
      .map((p) => p.position as { lat: number; lon: number });
    out.push(buildLegCourse(l.leg as CourseLeg, positions));
  }
  return out;
}

/** Rolling hills for the bike (100-400 m) and gentle ones for the run; flat elsewhere. */
function hillAltitude(leg: LegKind, d: number, c: Course): number {
  if (leg === 'bike') {
    return BASE_ALT + 90 * Math.sin((2 * Math.PI * d) / c.hillLen1) + 50 * Math.sin((2 * Math.PI * d) / c.hillLen2);
  }
  if (leg === 'run') return BASE_ALT + 12 * Math.sin((2 * Math.PI * d) / 3500);
  return BASE_ALT;
}

/** Slope (rise/run) at distance d, used to couple speed and power to the terrain. */
function hillGrade(leg: LegKind, d: number, c: Course): number {
  if (leg === 'bike') {
    return (
      ((90 * 2 * Math.PI) / c.hillLen1) * Math.cos((2 * Math.PI * d) / c.hillLen1) +
      ((50 * 2 * Math.PI) / c.hillLen2) * Math.cos((2 * Math.PI * d) / c.hillLen2)
    );
  }
  if (leg === 'run') return ((12 * 2 * Math.PI) / 3500) * Math.cos((2 * Math.PI * d) / 3500);
  return 0;
}
