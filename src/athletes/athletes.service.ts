import { Injectable, Logger } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../common/errors';
import { AthleteRecord, AthleteStore } from '../storage/athlete-store.service';
import { checkAthleteKey, validateAthleteInput } from './athlete-input';
import { normalizeAthleteName } from './athlete-name';
import { Athlete } from './athlete.types';

function toAthlete(r: AthleteRecord): Athlete {
  return {
    key: r.key,
    display_name: r.displayName,
    race_config: r.raceConfig,
    telegram_chat_id: r.telegramChatId,
    created_at: new Date(r.createdAt).toISOString(),
    updated_at: new Date(r.updatedAt).toISOString(),
  };
}

/**
 * Athlete profiles, for REST (PUT/GET/DELETE /athletes), MCP (list_athletes, set_athlete), the
 * e-mail invitations and session matching alike: one place validates and matches.
 */
@Injectable()
export class AthletesService {
  private readonly logger = new Logger(AthletesService.name);

  constructor(private readonly store: AthleteStore) {}

  async list(): Promise<Athlete[]> {
    return (await this.store.listAthletes()).map(toAthlete);
  }

  async get(key: string): Promise<Athlete> {
    checkAthleteKey(key);
    const found = await this.store.findAthlete(key);
    if (!found) throw new NotFoundError(`no athlete "${key}": list athletes with GET /athletes`);
    return toAthlete(found);
  }

  /** Creates or replaces the athlete `key` (a full replacement: fields left out are cleared). */
  async put(key: string, input: unknown): Promise<Athlete> {
    checkAthleteKey(key);
    const valid = await validateAthleteInput(input);
    const nameKey = normalizeAthleteName(valid.display_name);
    const holder = await this.store.findAthleteByNameKey(nameKey);
    if (holder && holder.key !== key) throw this.nameTaken(valid.display_name, holder.key);
    const saved = await this.store.saveAthlete({
      key, displayName: valid.display_name, nameKey, raceConfig: valid.race_config, telegramChatId: valid.telegram_chat_id,
    });
    if (saved === 'name_taken') {
      const other = await this.store.findAthleteByNameKey(nameKey);
      throw this.nameTaken(valid.display_name, other?.key ?? 'another key');
    }
    this.logger.log({ msg: 'athlete saved', athlete: key, fields: Object.keys(valid.race_config) });
    return toAthlete(saved);
  }

  async remove(key: string): Promise<void> {
    checkAthleteKey(key);
    if (!(await this.store.deleteAthlete(key))) throw new NotFoundError(`no athlete "${key}": list athletes with GET /athletes`);
    this.logger.log({ msg: 'athlete removed', athlete: key });
  }

  /** The athlete whose display_name is Garmin's athlete name, ignoring case, accents and spacing. */
  async matchGarminName(name: string | null | undefined): Promise<Athlete | null> {
    if (!name) return null;
    const nameKey = normalizeAthleteName(name);
    if (!nameKey) return null;
    const found = await this.store.findAthleteByNameKey(nameKey);
    return found ? toAthlete(found) : null;
  }

  /** The Telegram chat of an athlete's messages, or null (then TELEGRAM_CHAT_ID applies). */
  async telegramChatOf(key: string | null | undefined): Promise<string | null> {
    if (!key) return null;
    return (await this.store.findAthlete(key))?.telegramChatId ?? null;
  }

  private nameTaken(displayName: string, otherKey: string): ConflictError {
    // Two profiles with one Garmin name could not be told apart when a session is matched.
    return new ConflictError(`display_name "${displayName}" is already athlete "${otherKey}"'s (names are matched ignoring case and accents): change that athlete or pick another name`);
  }
}
