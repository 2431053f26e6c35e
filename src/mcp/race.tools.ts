import { Injectable, Logger } from '@nestjs/common';
import { Tool } from '@rekog/mcp-nest';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import { SeriesStats, summarizeLegs } from '../analysis/leg-stats';
import { ControlService } from '../control/control.service';
import { describeMetrics } from '../metrics/describe-metrics';
import { MetricsService } from '../metrics/metrics.service';
import { RaceSummaryService } from '../summary/race-summary.service';
import type { TrackpointView } from '../tracking/session-status';
import { TrackingService } from '../tracking/tracking.service';
import { compactSeries } from './downsample';
import {
  metricsOutput, noInput, raceListOutput, recentDataInput, recentDataOutput, sessionOnlyInput, startOutput, startTrackingInput,
  statusOutput, summaryInput, summaryWithMetricsOutput, thresholdUpdateOutput, updateThresholdsInput,
  TOOL_DESCRIPTIONS,
} from './schemas';
import { runTool, toolOk } from './tool-result';
import { describeCourse } from '../course/course-text';
import { raceListText, recentDataText, statusText, summaryText, thresholdsText } from './tool-text';

const DEFAULT_MINUTES = 10;

/**
 * Tracking, data and threshold tools. Thin faces over the services REST uses: no rules here,
 * only argument plumbing and the words Claude reads back.
 */
@Injectable()
export class RaceTools {
  private readonly logger = new Logger('McpTools');

  constructor(
    private readonly tracking: TrackingService,
    private readonly control: ControlService,
    private readonly summaries: RaceSummaryService,
    private readonly metrics: MetricsService,
  ) {}

  /** The given id (the service it goes to checks it exists), or the only active session. */
  private async sessionId(given?: string): Promise<string> {
    return given ?? this.tracking.resolveSessionId();
  }

  @Tool({
    name: 'start_tracking',
    description:
      'Start watching an athlete\'s race live from a Garmin LiveTrack share link; points are stored as they arrive and ' +
      'thresholds (heart rate in bpm, power in watts, cadence in rpm/spm) drive coaching alerts. Starting a link that is ' +
      'already tracked returns that session. Example: "start tracking my triathlon with heart rate max 144 and power max 165" ' +
      '→ url = the share link, race_config = { race_type: "triathlon", hr_max: 144, power_max: 165 }.',
    parameters: startTrackingInput,
    outputSchema: startOutput,
    annotations: { title: 'Start tracking a race', readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: true },
  })
  startTracking(args: z.infer<typeof startTrackingInput>): Promise<CallToolResult> {
    return runTool('start_tracking', this.logger, async () => {
      const { created, status } = await this.tracking.start(args.url, { ...(args.race_config ?? {}) });
      const verb = created ? 'Started tracking' : 'Already tracking';
      return toolOk(`${verb} session ${status.session_id}. ${statusText(status)}`, { created, status });
    });
  }

  @Tool({
    name: 'stop_tracking',
    description: 'Stop tracking a race (polling ends; stored data stays available to get_race_summary). Returns the final status.',
    parameters: sessionOnlyInput,
    outputSchema: statusOutput,
    annotations: { title: 'Stop tracking a race', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  })
  stopTracking(args: z.infer<typeof sessionOnlyInput>): Promise<CallToolResult> {
    return runTool('stop_tracking', this.logger, async () => {
      const id = await this.sessionId(args.session_id);
      const status = await this.tracking.stop(id);
      return toolOk(`Stopped. ${statusText(status)}`, status);
    });
  }

  @Tool({
    name: 'get_tracking_status',
    description:
      'Status of a tracked race: active or finished (and why), current leg, points stored, seconds since new data, poll errors, ' +
      'thresholds in force, analysis cycles and alerts sent.',
    parameters: sessionOnlyInput,
    outputSchema: statusOutput,
    annotations: { title: 'Race status', readOnlyHint: true, openWorldHint: false },
  })
  getTrackingStatus(args: z.infer<typeof sessionOnlyInput>): Promise<CallToolResult> {
    return runTool('get_tracking_status', this.logger, async () => {
      const status = await this.tracking.status(await this.sessionId(args.session_id));
      return toolOk(statusText(status), status);
    });
  }

  @Tool({
    name: 'get_recent_data',
    description:
      'Recent live data of a race: heart rate (bpm), power (watts), cadence (rpm on the bike, steps/min on the run), speed (m/s), ' +
      'distance and altitude (m), plus window statistics and the thresholds. Up to 120 points come back as they are; longer ' +
      'windows are averaged into evenly spaced time buckets and the result says so.',
    parameters: recentDataInput,
    outputSchema: recentDataOutput,
    annotations: { title: 'Recent race data', readOnlyHint: true, openWorldHint: false },
  })
  getRecentData(args: z.infer<typeof recentDataInput>): Promise<CallToolResult> {
    return runTool('get_recent_data', this.logger, async () => {
      const id = await this.sessionId(args.session_id);
      const minutes = args.minutes ?? DEFAULT_MINUTES;
      const window = await this.tracking.points(id, { minutes });
      const status = await this.tracking.status(id);
      const compact = compactSeries(window.points);
      const pts = window.points;
      const data = {
        session_id: id,
        minutes,
        from: pts[0]?.time ?? null,
        to: pts[pts.length - 1]?.time ?? null,
        current_leg: status.current_leg,
        points: compact.points,
        returned: compact.returned,
        downsampled: compact.downsampled,
        bucket_s: compact.bucket_s,
        note: compact.note,
        legs: summarizeLegs(pts.map(toRecord), status.thresholds).map((l) => ({
          leg: l.leg,
          from: new Date(l.from).toISOString(),
          to: new Date(l.to).toISOString(),
          points: l.points,
          heart_rate: metric(l.heart_rate),
          power: metric(l.power),
          cadence: metric(l.cadence),
          speed_mps: metric(l.speed_mps),
          time_over_thresholds_s: l.time_outside_s,
        })),
        thresholds: status.thresholds,
        series: compact.series,
      };
      return toolOk(recentDataText(data), data);
    });
  }

  @Tool({
    name: 'update_thresholds',
    description: TOOL_DESCRIPTIONS.update_thresholds,
    parameters: updateThresholdsInput,
    outputSchema: thresholdUpdateOutput,
    annotations: { title: 'Update alert thresholds', readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
  })
  updateThresholds(args: z.infer<typeof updateThresholdsInput>): Promise<CallToolResult> {
    return runTool('update_thresholds', this.logger, async () => {
      const { session_id, ...update } = args;
      const result = await this.control.updateThresholds(session_id, update, 'mcp');
      return toolOk(
        `Updated ${result.changed.join(', ')} for session ${result.session_id}. Thresholds now: ${thresholdsText(result.thresholds)}.`,
        result,
      );
    });
  }

  @Tool({
    name: 'list_races',
    description: 'List tracked races: active ones first, then recent finished ones, with their session ids (use them as session_id).',
    parameters: noInput,
    outputSchema: raceListOutput,
    annotations: { title: 'List races', readOnlyHint: true, openWorldHint: false },
  })
  listRaces(): Promise<CallToolResult> {
    return runTool('list_races', this.logger, async () => {
      const races = (await this.tracking.list()).map((s) => ({
        session_id: s.session_id, race_name: s.race_name, race_type: s.race_type, athlete: s.athlete, state: s.state,
        active: s.active, stop_reason: s.stop_reason, started_at: s.started_at, stopped_at: s.stopped_at,
        last_point_at: s.last_point_at, points: s.points,
      }));
      const data = { count: races.length, active: races.filter((r) => r.active).length, races };
      return toolOk(raceListText(races), data);
    });
  }

  @Tool({
    name: 'get_race_metrics',
    description:
      'Coaching figures of a race, live or finished, for the race and each leg: Normalized Power, VI, IF and TSS (need ftp_w), ' +
      'time in HR zones (need lthr_bpm) and power zones, aerobic decoupling (Pw:HR on the bike, Pa:HR on the run; above 5 % ' +
      'is the warning sign), W′ balance (need cp_w and w_prime_j), moving time, speed and pace. Null where data or physiology is missing.',
    parameters: sessionOnlyInput,
    outputSchema: metricsOutput,
    annotations: { title: 'Race metrics', readOnlyHint: true, openWorldHint: false },
  })
  getRaceMetrics(args: z.infer<typeof sessionOnlyInput>): Promise<CallToolResult> {
    return runTool('get_race_metrics', this.logger, async () => {
      const result = await this.metrics.metrics(await this.sessionId(args.session_id));
      const lines = [
        ...describeMetrics(result.race, 'race').map((l) => `- ${l}`),
        ...result.legs.flatMap((leg) => describeMetrics(leg, leg.leg).map((l) => `- ${leg.leg}: ${l}`)),
        ...(result.course ? [`- course: ${describeCourse(result.course)}`] : []),
      ];
      return toolOk(`Metrics of ${result.session_id} (computed ${result.computed_at}):\n${lines.join('\n') || '- no data yet'}`, result);
    });
  }

  @Tool({
    name: 'get_race_summary',
    description:
      'Summary of a race, live or finished: per leg distance, time, average/max heart rate (bpm), power (W) and cadence, time spent ' +
      'beyond each threshold, the coaching metrics (NP, IF, TSS, decoupling, W′ balance, zones; as get_race_metrics) and course progress, ' +
      'plus alerts sent and analysis cycles. Use list_races to find the session_id of past races.',
    parameters: summaryInput,
    outputSchema: summaryWithMetricsOutput,
    annotations: { title: 'Race summary', readOnlyHint: true, openWorldHint: false },
  })
  getRaceSummary(args: z.infer<typeof summaryInput>): Promise<CallToolResult> {
    return runTool('get_race_summary', this.logger, async () => {
      const summary = await this.summaries.summary(args.session_id);
      return toolOk(summaryText(summary), summary);
    });
  }
}

function metric(s: SeriesStats) {
  return { avg: s.avg, min: s.min, max: s.max, last: s.last };
}

/** The API view back to the stored shape, for the shared per-leg statistics. */
function toRecord(p: TrackpointView) {
  return {
    time: Date.parse(p.time), lat: p.lat, lon: p.lon, altitudeM: p.altitude_m, speedMps: p.speed_mps, distanceM: p.distance_m,
    durationS: p.duration_s, heartRate: p.heart_rate, cadence: p.cadence, power: p.power, activityType: p.activity_type,
    leg: p.leg, status: p.status,
  };
}
