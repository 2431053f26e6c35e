import { Injectable, Logger } from '@nestjs/common';
import { InputError } from '../common/errors';
import { TrackStore } from '../storage/track-store.service';
import { TrackingService } from '../tracking/tracking.service';
import { COACHING_FIELDS, CoachingField } from '../tracking/race-config';
import { mergeThresholds, pickThresholds, Thresholds, THRESHOLD_FIELDS } from './thresholds';

export type CoachingSettings = Record<CoachingField, number | null>;

export interface ThresholdUpdateResult {
  session_id: string;
  thresholds: Thresholds;
  /** Physiology, fuelling and metric-alert settings now in race_config (null = not set). */
  coaching: CoachingSettings;
  changed: string[];
  updated_at: string;
  updated_by: string;
}

/**
 * Threshold changes, from POST /control and the update_thresholds tool alike. The same call may
 * change the athlete's physiology, fuelling interval and metric alerts mid-race (e.g. "FTP is
 * really 240"): those live in race_config and apply from the next poll or metrics read.
 */
@Injectable()
export class ControlService {
  private readonly logger = new Logger(ControlService.name);

  constructor(
    private readonly tracking: TrackingService,
    private readonly store: TrackStore,
  ) {}

  async updateThresholds(sessionId: string | undefined, update: Record<string, unknown>, by: string): Promise<ThresholdUpdateResult> {
    const id = await this.tracking.resolveSessionId(sessionId);
    const session = await this.tracking.requireSession(id);
    const requested = pickThresholds(update);
    const coachingUpdate = pickCoaching(update);
    const changed = [...Object.keys(requested), ...Object.keys(coachingUpdate)];
    if (changed.length === 0) {
      throw new InputError(`give at least one of ${[...THRESHOLD_FIELDS, ...COACHING_FIELDS].join(', ')}`, [...THRESHOLD_FIELDS]);
    }
    const { thresholds, errors } = mergeThresholds(session.thresholds, requested);
    if (errors.length) {
      const fields = changed.filter((f) => errors.some((e) => e.includes(f)));
      throw new InputError(errors.join('; '), fields);
    }
    const now = Date.now();
    const raceConfig = { ...session.raceConfig };
    for (const [field, value] of Object.entries(coachingUpdate)) {
      if (value === null) delete raceConfig[field];
      else raceConfig[field] = value;
    }
    await this.store.updateSession(id, {
      thresholds,
      thresholdsUpdatedAt: now,
      thresholdsUpdatedBy: by,
      ...(Object.keys(coachingUpdate).length ? { raceConfig } : {}),
    });
    this.logger.log({ msg: 'thresholds updated', sessionId: id, by, changed: { ...requested, ...coachingUpdate } });
    return { session_id: id, thresholds, coaching: coachingOf(raceConfig), changed, updated_at: new Date(now).toISOString(), updated_by: by };
  }
}

function pickCoaching(source: Record<string, unknown>): Partial<CoachingSettings> {
  const picked: Partial<CoachingSettings> = {};
  for (const field of COACHING_FIELDS) {
    const value = source[field];
    if (typeof value === 'number' || value === null) picked[field] = value;
  }
  return picked;
}

function coachingOf(raceConfig: Record<string, unknown>): CoachingSettings {
  return Object.fromEntries(COACHING_FIELDS.map((f) => [f, typeof raceConfig[f] === 'number' ? raceConfig[f] : null])) as CoachingSettings;
}
