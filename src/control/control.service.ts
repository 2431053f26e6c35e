import { Injectable, Logger } from '@nestjs/common';
import { InputError } from '../common/errors';
import { TrackStore } from '../storage/track-store.service';
import { TrackingService } from '../tracking/tracking.service';
import { mergeThresholds, pickThresholds, Thresholds, THRESHOLD_FIELDS } from './thresholds';

export interface ThresholdUpdateResult {
  session_id: string;
  thresholds: Thresholds;
  changed: string[];
  updated_at: string;
  updated_by: string;
}

/** Threshold changes, from POST /control and the update_thresholds tool alike. */
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
    const changed = Object.keys(requested);
    if (changed.length === 0) {
      throw new InputError(`give at least one of ${THRESHOLD_FIELDS.join(', ')}`, [...THRESHOLD_FIELDS]);
    }
    const { thresholds, errors } = mergeThresholds(session.thresholds, requested);
    if (errors.length) {
      const fields = changed.filter((f) => errors.some((e) => e.includes(f)));
      throw new InputError(errors.join('; '), fields);
    }
    const now = Date.now();
    await this.store.updateSession(id, { thresholds, thresholdsUpdatedAt: now, thresholdsUpdatedBy: by });
    this.logger.log({ msg: 'thresholds updated', sessionId: id, by, changed: requested });
    return { session_id: id, thresholds, changed, updated_at: new Date(now).toISOString(), updated_by: by };
  }
}
