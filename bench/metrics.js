// metrics: cost of the live incremental metrics per poll with many sessions, early and late in a
// long race. One RaceMetrics per session (as MetricsService keeps them); every poll each session
// add()s a batch of 12 new points (one minute at 5 s) and then takes a snapshot(physiology), as the
// service does when the prompt or /metrics is read. Timed: a sample of polls ending at hour 1 and
// at hour 10 of race time, after fast-forwarding (through add(), untimed) to just before them.
// Points are generated bike races (simulator) mapped by the tracker's point mapper.
// A flat cost per point means the ratio hour 10 / hour 1 stays near 1.
const v8 = require('node:v8');
const vm = require('node:vm');
const { PerformanceObserver, performance } = require('node:perf_hooks');
const { round } = require('./support');
const { RaceMetrics } = require('../dist/metrics/race-metrics');
const { generateSingleSport } = require('../dist/simulator/race-generator');
const { mapGarminPoints } = require('../dist/tracking/point-mapper');
const { createLegState } = require('../dist/tracking/legs');

const SESSIONS = Number(process.env.METRICS_SESSIONS ?? 1000);
const SAMPLE_POLLS = Number(process.env.METRICS_SAMPLE_POLLS ?? 10);
const WARMUP_POLLS = 2;
const RACES = Number(process.env.METRICS_RACES ?? 8); // distinct generated races, shared round-robin by the sessions
const POINTS_PER_POLL = 12;
const POINT_INTERVAL_S = 5;
const POLLS_PER_HOUR = 3600 / (POINT_INTERVAL_S * POINTS_PER_POLL);
const HOURS = [1, 10];
const T0 = Date.UTC(2026, 5, 1, 7);
const PHYSIOLOGY = { ftp_w: 250, cp_w: 240, w_prime_j: 20000, lthr_bpm: 165, max_hr_bpm: 188, weight_kg: 72 };

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
const mb = (bytes) => round(bytes / 2 ** 20, 1);

/** Per race, the stored-shape points cut into poll batches of 12 (one minute). */
function buildRaces() {
  const polls = POLLS_PER_HOUR * HOURS[HOURS.length - 1];
  const races = [];
  for (let r = 0; r < RACES; r++) {
    const race = generateSingleSport({ seed: 100 + r, start: new Date(T0), sport: 'bike', durationMin: polls + 1, pointIntervalS: POINT_INTERVAL_S });
    const { points } = mapGarminPoints(race.points, 'bike', createLegState('bike'));
    if (points.length < polls * POINTS_PER_POLL) throw new Error(`race ${r}: ${points.length} points, need ${polls * POINTS_PER_POLL}`);
    const batches = [];
    for (let k = 0; k < polls; k++) batches.push(points.slice(k * POINTS_PER_POLL, (k + 1) * POINTS_PER_POLL));
    races.push(batches);
  }
  return races;
}

// GC pauses (entries arrive late and batched: they are summed at the end by their start time).
const gcEntries = [];
const gcObserver = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcEntries.push({ start: e.startTime, ms: e.duration }); });
gcObserver.observe({ entryTypes: ['gc'] });
const gcMsBetween = (from, to) => gcEntries.reduce((sum, e) => (e.start >= from && e.start < to ? sum + e.ms : sum), 0);

async function main() {
  const races = buildRaces();
  const sessions = Array.from({ length: SESSIONS }, (_, i) => ({ metrics: new RaceMetrics(), batches: races[i % RACES] }));
  let poll = 0; // next poll index (0-based); poll k carries race minute k
  let sink = 0; // keeps the snapshots observable

  const fastForwardTo = (target) => {
    for (; poll < target; poll++) for (const s of sessions) s.metrics.add(s.batches[poll]);
  };
  /** One poll of every session: add the batch then snapshot; returns the ns spent in each. */
  const runPoll = () => {
    let addNs = 0n;
    let snapNs = 0n;
    for (const s of sessions) {
      const a = process.hrtime.bigint();
      s.metrics.add(s.batches[poll]);
      const b = process.hrtime.bigint();
      const snap = s.metrics.snapshot(PHYSIOLOGY);
      const c = process.hrtime.bigint();
      addNs += b - a;
      snapNs += c - b;
      sink += snap.race.duration_s ?? 0;
    }
    poll++;
    return { addNs: Number(addNs), snapNs: Number(snapNs) };
  };

  const started = process.hrtime.bigint();
  const out = { bench: 'metrics', sessions: SESSIONS, points_per_poll: POINTS_PER_POLL, point_interval_s: POINT_INTERVAL_S, sample_polls: SAMPLE_POLLS };
  const per = {};
  const windows = {};
  for (const hour of HOURS) {
    const end = hour * POLLS_PER_HOUR;
    const ffStarted = process.hrtime.bigint();
    fastForwardTo(end - SAMPLE_POLLS - WARMUP_POLLS);
    const ffSeconds = Number(process.hrtime.bigint() - ffStarted) / 1e9;
    for (let i = 0; i < WARMUP_POLLS; i++) runPoll(); // the first snapshot catches up the lazily advanced W′ balance
    gc();
    const windowStart = performance.now();
    const faultsBefore = process.resourceUsage().minorPageFault;
    let addNs = 0;
    let snapNs = 0;
    let maxPollMs = 0;
    for (let i = 0; i < SAMPLE_POLLS; i++) {
      const pollStarted = process.hrtime.bigint();
      const r = runPoll();
      maxPollMs = Math.max(maxPollMs, Number(process.hrtime.bigint() - pollStarted) / 1e6);
      addNs += r.addNs;
      snapNs += r.snapNs;
    }
    const faults = process.resourceUsage().minorPageFault - faultsBefore;
    windows[hour] = [windowStart, performance.now()];
    const points = SAMPLE_POLLS * SESSIONS * POINTS_PER_POLL;
    const snapshots = SAMPLE_POLLS * SESSIONS;
    per[hour] = {
      us_per_point: addNs / 1e3 / points,
      us_per_snapshot: snapNs / 1e3 / snapshots,
      us_per_point_with_snapshot: (addNs + snapNs) / 1e3 / points,
      poll_ms: (addNs + snapNs) / 1e6 / SAMPLE_POLLS,
    };
    const h = `hour${hour}`;
    out[`us_per_point_${h}`] = round(per[hour].us_per_point, 4);
    out[`us_per_snapshot_${h}`] = round(per[hour].us_per_snapshot, 3);
    out[`us_per_point_with_snapshot_${h}`] = round(per[hour].us_per_point_with_snapshot, 4);
    out[`poll_ms_${h}`] = round(per[hour].poll_ms, 2);
    out[`max_poll_ms_${h}`] = round(maxPollMs, 2);
    out[`page_faults_per_poll_${h}`] = Math.round(faults / SAMPLE_POLLS);
    out[`fast_forward_s_${h}`] = round(ffSeconds, 2);
    const check = sessions[0].metrics.snapshot(PHYSIOLOGY).race;
    out[`check_${h}`] = { duration_s: check.duration_s, np_w: check.np_w, tss: check.tss, decoupling_pct: check.decoupling_pct, w_bal_now_j: check.w_bal_now_j };
    if (hour === HOURS[HOURS.length - 1]) {
      gc();
      const mem = process.memoryUsage();
      out[`heap_mb_${h}`] = mb(mem.heapUsed);
      out[`array_buffers_mb_${h}`] = mb(mem.arrayBuffers);
      out[`kb_per_session_${h}`] = round((mem.heapUsed + mem.arrayBuffers) / 1024 / SESSIONS, 1);
    }
  }
  const [h1, h10] = HOURS;
  out.ratio_hour10_to_hour1 = round(per[h10].us_per_point / per[h1].us_per_point, 2);
  out.ratio_snapshot_hour10_to_hour1 = round(per[h10].us_per_snapshot / per[h1].us_per_snapshot, 2);
  out.ratio_with_snapshot_hour10_to_hour1 = round(per[h10].us_per_point_with_snapshot / per[h1].us_per_point_with_snapshot, 2);
  await new Promise((resolve) => setTimeout(resolve, 100)); // let the gc entries arrive
  for (const hour of HOURS) out[`gc_ms_per_poll_hour${hour}`] = round(gcMsBetween(...windows[hour]) / SAMPLE_POLLS, 2);
  out.rss_mb = mb(process.memoryUsage().rss);
  out.runtime_s = round(Number(process.hrtime.bigint() - started) / 1e9, 1);
  if (!Number.isFinite(sink)) throw new Error('snapshots produced a non-finite duration');
  console.log(JSON.stringify(out));
}

main().then(() => gcObserver.disconnect()).catch((e) => { console.error(e); process.exit(1); });
