// What the race page receives over its event stream. Pure: the live service loads, this shapes.
import type { RecentAlert } from '../analysis/alert.service';
import type { AnalysisDto } from '../analysis/dto/analyses.dto';
import { LegThreshold, thresholdsForLeg } from '../analysis/leg-stats';
import { Thresholds } from '../control/thresholds';
import { TrackpointRecord } from '../storage/trackpoint.types';
import { SessionStatus, toTrackpointView, TrackpointView } from '../tracking/session-status';

/** Legs that have thresholds; the page draws each one's bands over that leg's time span. */
const BANDED_LEGS = ['bike', 'run'] as const;

export interface DashboardStatus {
  status: SessionStatus;
  /** The thresholds that apply on each leg now (same rule as the alerts: bike fields on the bike, run_* on the run). */
  thresholds_by_leg: Record<(typeof BANDED_LEGS)[number], LegThreshold[]>;
  server_time: string;
  /** Alerts (threshold, fuel, w_bal, decoupling: see `kind`) raised for this session since the server started, oldest first. */
  alerts: RecentAlert[];
  /** The newest analysis cycles (text, tool calls, outcome), newest first. */
  analyses: AnalysisDto[];
}

export function dashboardStatus(status: SessionStatus, alerts: RecentAlert[] = [], analyses: AnalysisDto[] = [], now = Date.now()): DashboardStatus {
  const thresholds = status.thresholds as Partial<Thresholds>;
  return {
    status,
    thresholds_by_leg: { bike: thresholdsForLeg('bike', thresholds), run: thresholdsForLeg('run', thresholds) },
    server_time: new Date(now).toISOString(),
    alerts,
    analyses,
  };
}

export interface DashboardPoints {
  points: TrackpointView[];
}

export function dashboardPoints(points: TrackpointRecord[]): DashboardPoints {
  return { points: points.map(toTrackpointView) };
}
