import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { Subscription } from 'rxjs';
import { AthletesService } from '../athletes/athletes.service';
import { SessionPatch, TrackStore } from '../storage/track-store.service';
import { runsOnDefaults, startConfig } from './start-config';
import { SessionLinker } from './session-linker.service';
import { AthleteNamed, TrackingEvents } from './tracking-events';

/**
 * Matches a session to its athlete once Garmin's metadata names them, for sessions whose start
 * could not (metadata failed then, or the profile was added since). A session still on the
 * defaults gets the athlete's race_config the way a start applies one (startConfig): thresholds,
 * physiology and fuelling apply from the next batch; poll interval, race type and the stop rules
 * from the poller's next launch (restart, takeover), since a running poller keeps its own.
 * Then, matched or not, the session may turn out to continue an earlier one (SessionLinker): the
 * athlete was not known when it started.
 */
@Injectable()
export class AthleteMatcher implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger(AthleteMatcher.name);
  private readonly subscription = new Subscription();
  private readonly pending = new Set<Promise<unknown>>();

  constructor(
    private readonly events: TrackingEvents,
    private readonly store: TrackStore,
    private readonly athletes: AthletesService,
    private readonly linker: SessionLinker,
  ) {}

  onModuleInit(): void {
    this.subscription.add(
      this.events.athleteNamed.subscribe((named) => {
        const work: Promise<unknown> = this.match(named)
          .then(() => this.linker.linkNew(named.sessionId))
          .catch((error) => this.logger.error({ msg: `athlete matching or session linking failed: ${(error as Error).message}`, sessionId: named.sessionId }))
          .finally(() => this.pending.delete(work));
        this.pending.add(work);
      }),
    );
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.subscription.unsubscribe();
    await Promise.allSettled([...this.pending]);
  }

  /** Answers the athlete key the session was matched to now, or null. */
  async match({ sessionId, athlete: garminName }: AthleteNamed): Promise<string | null> {
    const session = await this.store.findSession(sessionId);
    if (!session || session.athleteKey) return null;
    const athlete = await this.athletes.matchGarminName(garminName);
    if (!athlete) return null;
    const patch: SessionPatch = { athleteKey: athlete.key };
    const applies = runsOnDefaults(session) && Object.keys(athlete.race_config).length > 0;
    if (applies) {
      const { thresholds, raceConfig, thresholdsChanged } = startConfig(session.thresholds, athlete.race_config);
      Object.assign(patch, { raceConfig: { ...raceConfig }, thresholds }, thresholdsChanged ? { thresholdsUpdatedAt: Date.now(), thresholdsUpdatedBy: 'race_config' } : {});
    }
    await this.store.updateSession(sessionId, patch);
    this.logger.log({ msg: `session matched to athlete ${athlete.key}`, sessionId, athlete: athlete.key, race_config_applied: applies });
    return athlete.key;
  }
}
