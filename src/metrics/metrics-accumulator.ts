// Incremental coaching metrics over one span (a leg or the whole race). Points go in once, in time
// order; the state is O(1) plus a few compact per-second series (see below), so a 17 h race is
// never re-read on a poll.
//
// The 1 Hz series (coaching-metrics.md): a point's values hold for the whole epoch seconds from its
// time up to (not including) the next point's time, when the next point comes within 30 s. A
// longer silence is a gap: its seconds are no data and the 30 s NP window restarts after it. The
// newest point opens an interval that is closed (counted) when the next point arrives, so a
// batch boundary never changes a result. Counting [t_i, t_i+1) makes the seconds with data of an
// unbroken span equal duration_s (1 h of points → 3600 s), with second = ceil(ms / 1000) steps.
//
// Kept per second, only where needed:
// - decoupling: (output, hr) of the seconds having both, two Float32 series (17 h ≈ 61k pairs,
//   ~0.5 MB), read once by a forward-moving half-way cursor, so a snapshot costs O(new seconds);
// - W′ balance (owner accumulators only): the power of each second with power plus its leg
//   code. W′ needs cp_w/w_prime_j, which arrive with snapshot(physiology); the balance is advanced
//   lazily from where the last snapshot stopped and recomputed from the series if they change.
// Time in zones needs ftp/lthr, also only known at snapshot: exact value → seconds histograms
// (integer watts and bpm make them a few hundred entries) are zoned at snapshot.
import type { Leg, TrackpointRecord } from '../storage/trackpoint.types';
import { F32Series, HR_ZONE_PCT, isNum, positive, POWER_ZONE_PCT, round, U8Series, wPrimeStep, zoneIndex } from './formulas';
import type { Metrics, Physiology } from './metrics.types';

/** A silence longer than this between two points is a gap (no data). */
export const GAP_MS = 30_000;
export const NP_WINDOW_S = 30;
export const MOVING_SPEED_MPS = 0.5;
/** Decoupling needs this many seconds having both output and HR. */
export const DECOUPLING_MIN_S = 20 * 60;

export const LEGS: readonly Leg[] = ['swim', 't1', 'bike', 't2', 'run', 'other'];
const SWIM = 0;
const BIKE = 2;
const RUN = 4;
const legCode = (leg: Leg): number => {
  const i = LEGS.indexOf(leg);
  return i < 0 ? LEGS.length - 1 : i;
};

const OUT_POWER = 1;
const OUT_SPEED = 2;

interface Held {
  time: number;
  power: number | null;
  hr: number | null;
  speed: number | null;
  leg: number;
}

export interface AccumulatorOptions {
  /**
   * Keep the power series and compute W′ balance (default true). RaceMetrics turns it off for
   * its leg accumulators: W′ is one race-long balance, carried by the race accumulator.
   */
  wPrime?: boolean;
}

export interface WPrimeFigures {
  min_j: number;
  now_j: number;
}

/** All-null Metrics (no data yet). */
export function emptyMetrics(): Metrics {
  return {
    duration_s: null, moving_s: null, distance_m: null, avg_power_w: null, np_w: null, vi: null, if: null,
    tss: null, avg_hr_bpm: null, max_hr_bpm: null, decoupling_pct: null, avg_speed_mps: null,
    avg_pace_s_per_km: null, time_in_hr_zones_s: null, time_in_power_zones_s: null, w_bal_min_j: null,
    w_bal_now_j: null,
  };
}

export class MetricsAccumulator {
  private firstTime: number | null = null;
  private held: Held | null = null;
  private firstDistance: number | null = null;
  private lastDistance: number | null = null;
  private legsSeen = 0;

  private dataS = 0;
  private movingS = 0;
  private powerS = 0;
  private powerSum = 0;
  private hrS = 0;
  private hrSum = 0;
  private hrMax = -Infinity;
  private readonly powerHist = new Map<number, number>();
  /** HR seconds on the run (zoned on run_lthr) and elsewhere (zoned on lthr). */
  private readonly hrHistRun = new Map<number, number>();
  private readonly hrHistOther = new Map<number, number>();

  private readonly win = new Float64Array(NP_WINDOW_S);
  private winLen = 0;
  private winPos = 0;
  private winSum = 0;
  private npN = 0;
  private npSum4 = 0;

  // Decoupling; the series are dropped once power and speed outputs mix (then it is null anyway).
  private pairOut: F32Series | null = new F32Series();
  private pairHr: F32Series | null = new F32Series();
  private pairKinds = 0;
  private pairOutSum = 0;
  private pairHrSum = 0;
  private halfN = 0;
  private halfOut = 0;
  private halfHr = 0;

  private readonly wPower: F32Series | null;
  private readonly wLeg: U8Series | null;
  private w = { cp: NaN, wp: NaN, i: 0, bal: 0, min: Infinity, legMin: new Float64Array(LEGS.length), legNow: new Float64Array(LEGS.length) };

  constructor(options: AccumulatorOptions = {}) {
    const keep = options.wPrime ?? true;
    this.wPower = keep ? new F32Series() : null;
    this.wLeg = keep ? new U8Series() : null;
  }

  /** Time (epoch ms) of the newest point taken in; null before any. */
  get lastTime(): number | null {
    return this.held ? this.held.time : null;
  }

  /** Feeds points in time order; a point not newer than the last one taken (a batch boundary repeated) is ignored. */
  add(points: readonly TrackpointRecord[]): void {
    for (const p of points) this.addPoint(p);
  }

  /** Returns false when the point was ignored (not newer than the last one, or no valid time). */
  addPoint(p: TrackpointRecord): boolean {
    if (!isNum(p.time)) return false;
    const prev = this.held;
    if (prev && p.time <= prev.time) return false;
    const leg = legCode(p.leg);
    this.legsSeen |= 1 << leg;
    if (isNum(p.distanceM)) {
      if (this.firstDistance === null) this.firstDistance = p.distanceM;
      this.lastDistance = p.distanceM;
    }
    if (prev) {
      if (p.time - prev.time > GAP_MS) this.restartWindow();
      else for (let s = Math.ceil(prev.time / 1000), end = Math.ceil(p.time / 1000); s < end; s++) this.second(prev);
    } else {
      this.firstTime = p.time;
    }
    this.held = {
      time: p.time,
      power: isNum(p.power) ? p.power : null,
      hr: isNum(p.heartRate) ? p.heartRate : null,
      speed: isNum(p.speedMps) ? p.speedMps : null,
      leg,
    };
    return true;
  }

  private restartWindow(): void {
    this.winLen = 0;
    this.winPos = 0;
    this.winSum = 0;
  }

  /** One 1 Hz second holding `h`'s values. */
  private second(h: Held): void {
    this.dataS++;
    if (h.speed !== null && h.speed > MOVING_SPEED_MPS) this.movingS++;

    const pw = h.power;
    if (pw !== null) {
      this.powerS++;
      this.powerSum += pw;
      this.powerHist.set(pw, (this.powerHist.get(pw) ?? 0) + 1);
      this.winSum += pw - (this.winLen === NP_WINDOW_S ? this.win[this.winPos] : 0);
      this.win[this.winPos] = pw;
      this.winPos = (this.winPos + 1) % NP_WINDOW_S;
      if (this.winLen < NP_WINDOW_S) this.winLen++;
      if (this.winLen === NP_WINDOW_S) {
        this.npN++;
        this.npSum4 += (this.winSum / NP_WINDOW_S) ** 4;
      }
      if (this.wPower && this.wLeg) {
        this.wPower.push(pw);
        this.wLeg.push(h.leg);
      }
    }

    const hr = h.hr;
    if (hr !== null) {
      this.hrS++;
      this.hrSum += hr;
      if (hr > this.hrMax) this.hrMax = hr;
      const hist = h.leg === RUN ? this.hrHistRun : this.hrHistOther;
      hist.set(hr, (hist.get(hr) ?? 0) + 1);
    }

    // Output for decoupling: power on the bike (Pw:HR), speed on the run (Pa:HR), none elsewhere.
    const kind = h.leg === BIKE ? OUT_POWER : h.leg === RUN ? OUT_SPEED : 0;
    const out = kind === OUT_POWER ? pw : kind === OUT_SPEED ? h.speed : null;
    if (out !== null && hr !== null && this.pairOut && this.pairHr) {
      this.pairKinds |= kind;
      if (this.pairKinds === (OUT_POWER | OUT_SPEED)) {
        this.pairOut = null;
        this.pairHr = null;
        return;
      }
      this.pairOut.push(out);
      this.pairHr.push(hr);
      this.pairOutSum += out;
      this.pairHrSum += hr;
    }
  }

  snapshot(physiology?: Physiology | null): Metrics {
    if (this.firstTime === null || this.held === null) return emptyMetrics();
    const phys = physiology ?? {};
    const ftp = positive(phys.ftp_w);

    const avgPower = this.powerS ? this.powerSum / this.powerS : null;
    const np = this.npN ? (this.npSum4 / this.npN) ** 0.25 : null;
    const intensity = np !== null && ftp !== null ? np / ftp : null;
    // duration_with_data_s = seconds with power: a triathlon's race TSS is the bike's, not 17 h × NP.
    const tss = np !== null && ftp !== null && intensity !== null ? ((this.powerS * np * intensity) / (ftp * 3600)) * 100 : null;

    const distance = this.firstDistance !== null && this.lastDistance !== null ? this.lastDistance - this.firstDistance : null;
    const avgSpeed = distance !== null && this.movingS > 0 ? distance / this.movingS : null;
    const sports = this.legsSeen & ((1 << SWIM) | (1 << BIKE) | (1 << RUN));
    const paced = sports === 1 << RUN || sports === 1 << SWIM;
    const pace = paced && avgSpeed !== null && avgSpeed > 0 ? 1000 / avgSpeed : null;

    const wbal = this.wPrimeFigures(phys, null);
    return {
      duration_s: round((this.held.time - this.firstTime) / 1000, 1),
      moving_s: this.movingS,
      distance_m: round(distance, 1),
      avg_power_w: round(avgPower, 1),
      np_w: round(np, 1),
      vi: np !== null && avgPower !== null && avgPower > 0 ? round(np / avgPower, 3) : null,
      if: round(intensity, 3),
      tss: round(tss, 1),
      avg_hr_bpm: this.hrS ? round(this.hrSum / this.hrS, 1) : null,
      max_hr_bpm: this.hrS ? this.hrMax : null,
      decoupling_pct: round(this.decoupling(), 2),
      avg_speed_mps: round(avgSpeed, 3),
      avg_pace_s_per_km: round(pace, 1),
      time_in_hr_zones_s: this.hrZones(phys),
      time_in_power_zones_s: this.powerZones(ftp),
      w_bal_min_j: wbal ? round(wbal.min_j, 0) : null,
      w_bal_now_j: wbal ? round(wbal.now_j, 0) : null,
    };
  }

  private decoupling(): number | null {
    const out = this.pairOut;
    const hr = this.pairHr;
    if (!out || !hr || out.length < DECOUPLING_MIN_S) return null;
    const n = out.length;
    const h = Math.floor(n / 2);
    for (; this.halfN < h; this.halfN++) {
      this.halfOut += out.at(this.halfN);
      this.halfHr += hr.at(this.halfN);
    }
    if (this.halfHr <= 0 || this.pairHrSum - this.halfHr <= 0) return null;
    const first = this.halfOut / h / (this.halfHr / h);
    const second = (this.pairOutSum - this.halfOut) / (n - h) / ((this.pairHrSum - this.halfHr) / (n - h));
    return first > 0 ? ((first - second) / first) * 100 : null;
  }

  private hrZones(phys: Physiology): number[] | null {
    if (!this.hrS) return null;
    const lthr = positive(phys.lthr_bpm);
    const runLthr = positive(phys.run_lthr_bpm) ?? lthr;
    if ((this.hrHistOther.size && lthr === null) || (this.hrHistRun.size && runLthr === null)) return null;
    const zones = new Array<number>(HR_ZONE_PCT.length).fill(0);
    for (const [hr, n] of this.hrHistOther) zones[zoneIndex(hr, lthr as number, HR_ZONE_PCT)] += n;
    for (const [hr, n] of this.hrHistRun) zones[zoneIndex(hr, runLthr as number, HR_ZONE_PCT)] += n;
    return zones;
  }

  private powerZones(ftp: number | null): number[] | null {
    if (!this.powerS || ftp === null) return null;
    const zones = new Array<number>(POWER_ZONE_PCT.length).fill(0);
    for (const [pw, n] of this.powerHist) zones[zoneIndex(pw, ftp, POWER_ZONE_PCT)] += n;
    return zones;
  }

  /**
   * W′ balance over this accumulator's seconds with power (started full at its first one), or for
   * one leg: the lowest and newest balance among the seconds whose held point is of that leg.
   * Null without cp_w/w_prime_j, without power, or when this accumulator does not keep W′.
   */
  wPrimeFigures(physiology: Physiology | null | undefined, leg: Leg | null): WPrimeFigures | null {
    const series = this.wPower;
    const legs = this.wLeg;
    const cp = positive(physiology?.cp_w);
    const wp = positive(physiology?.w_prime_j);
    if (!series || !legs || cp === null || wp === null || series.length === 0) return null;
    let w = this.w;
    if (w.cp !== cp || w.wp !== wp) {
      w = this.w = { cp, wp, i: 0, bal: wp, min: Infinity, legMin: new Float64Array(LEGS.length).fill(Infinity), legNow: new Float64Array(LEGS.length).fill(NaN) };
    }
    for (; w.i < series.length; w.i++) {
      w.bal = wPrimeStep(w.bal, series.at(w.i), cp, wp);
      if (w.bal < w.min) w.min = w.bal;
      const l = legs.at(w.i);
      if (w.bal < w.legMin[l]) w.legMin[l] = w.bal;
      w.legNow[l] = w.bal;
    }
    if (leg === null) return { min_j: w.min, now_j: w.bal };
    const l = legCode(leg);
    return Number.isNaN(w.legNow[l]) ? null : { min_j: w.legMin[l], now_j: w.legNow[l] };
  }
}
