// One short line per available figure, saying what it means, for analysis prompts and MCP texts.
import type { Leg } from '../storage/trackpoint.types';
import { positive } from './formulas';
import type { Metrics, Physiology } from './metrics.types';

const SPAN: Record<Leg | 'race', string> = {
  race: 'the race', swim: 'the swim', t1: 'T1', bike: 'the bike', t2: 'T2', run: 'the run', other: 'the activity',
};

/** Seconds as h:mm:ss, or m:ss under an hour. */
export function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

const fix = (v: number, d: number): string => v.toFixed(d);

export function describeMetrics(m: Metrics, leg: Leg | 'race', physiology?: Physiology | null): string[] {
  const span = SPAN[leg] ?? 'the span';
  const out: string[] = [];
  const output = leg === 'run' ? 'pace' : 'power';

  if (m.duration_s !== null) {
    out.push(`duration ${clock(m.duration_s)} over ${span}` + (m.moving_s !== null ? `, moving ${clock(m.moving_s)} (seconds above 0.5 m/s)` : ''));
  }
  if (m.distance_m !== null) {
    const speed = m.avg_speed_mps !== null ? `, avg speed ${fix(m.avg_speed_mps * 3.6, 1)} km/h over moving time` : '';
    out.push(`distance ${fix(m.distance_m / 1000, 2)} km${speed}`);
  }
  if (m.avg_pace_s_per_km !== null) {
    const per100 = leg === 'swim' ? ` (${clock(m.avg_pace_s_per_km / 10)} /100 m)` : '';
    out.push(`avg pace ${clock(m.avg_pace_s_per_km)} /km${per100} over moving time`);
  }
  if (m.avg_power_w !== null) {
    const kg = positive(physiology?.weight_kg);
    const wkg = kg !== null ? ` (${fix(m.avg_power_w / kg, 2)} W/kg)` : '';
    out.push(`avg power ${fix(m.avg_power_w, 0)} W${wkg}, coasting included`);
  }
  if (m.np_w !== null) out.push(`NP ${fix(m.np_w, 0)} W: normalized power, what the effort cost with its surges weighted in`);
  if (m.vi !== null) {
    const vi = fix(m.vi, 2);
    out.push(`VI ${vi}: NP / avg power, 1.00 is perfectly even; ${Number(vi) <= 1.05 ? 'steady' : 'surgy'}`);
  }
  if (m.if !== null) out.push(`IF ${fix(m.if, 2)}: NP as a share of FTP (1.00 = a one-hour all-out effort)`);
  if (m.tss !== null) out.push(`TSS ${fix(m.tss, 0)}: training load so far (100 = one hour at FTP)`);
  if (m.avg_hr_bpm !== null) {
    out.push(`HR avg ${fix(m.avg_hr_bpm, 0)} bpm` + (m.max_hr_bpm !== null ? `, max ${fix(m.max_hr_bpm, 0)} bpm` : '') + ` over ${span}`);
  }
  if (m.decoupling_pct !== null) {
    const d = m.decoupling_pct;
    const meaning =
      d > 5
        ? `HR drifting up for the same ${output} (above 5 % is the warning sign)`
        : d >= 0
          ? `HR holding steady for the ${output} (under 5 %: aerobically sound)`
          : `${output} rising relative to HR in the second half`;
    out.push(`decoupling ${fix(d, 1)} % over ${span}: ${meaning}`);
  }
  if (m.time_in_hr_zones_s) out.push(`time in HR zones Z1–Z5 (Friel, % of LTHR): ${m.time_in_hr_zones_s.map(clock).join(', ')}`);
  if (m.time_in_power_zones_s) out.push(`time in power zones Z1–Z7 (Coggan, % of FTP): ${m.time_in_power_zones_s.map(clock).join(', ')}`);
  if (m.w_bal_now_j !== null) {
    const wp = positive(physiology?.w_prime_j);
    const pct = wp !== null ? ` (${fix((m.w_bal_now_j / wp) * 100, 0)} % of W′)` : '';
    const low = m.w_bal_min_j !== null ? `, lowest ${fix(m.w_bal_min_j / 1000, 1)} kJ` : '';
    out.push(`W′ balance ${fix(m.w_bal_now_j / 1000, 1)} kJ now${pct}${low}: anaerobic reserve left for efforts above CP`);
  }
  return out;
}
