import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { placeholdersFor, WriteQueue, writeQueueOf } from './write-queue';

/** An athletes row as the store hands it out (times in epoch ms). */
export interface AthleteRecord {
  key: string;
  displayName: string;
  /** normalizeAthleteName(displayName): what Garmin's athlete name is matched against. */
  nameKey: string;
  raceConfig: Record<string, unknown>;
  telegramChatId: string | null;
  createdAt: number;
  updatedAt: number;
}

interface AthleteRow {
  key: string;
  display_name: string;
  name_key: string;
  race_config: string;
  telegram_chat_id: string | null;
  created_at: string | number;
  updated_at: string | number;
}

const COLUMNS = 'key, display_name, name_key, race_config, telegram_chat_id, created_at, updated_at';

function fromRow(row: AthleteRow): AthleteRecord {
  return {
    key: row.key,
    displayName: row.display_name,
    nameKey: row.name_key,
    raceConfig: JSON.parse(row.race_config) as Record<string, unknown>,
    telegramChatId: row.telegram_chat_id,
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

/** A unique index refused the write (SQLite and PostgreSQL report it differently). */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; driverError?: { code?: string } };
  const code = e?.driverError?.code ?? e?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

/** Athlete profiles: one row per athlete key, matched to Garmin's athlete name by name_key. */
@Injectable()
export class AthleteStore {
  private readonly writes: WriteQueue;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    this.writes = writeQueueOf(dataSource);
  }

  private sql(text: string): string {
    return placeholdersFor(this.dataSource, text);
  }

  async listAthletes(): Promise<AthleteRecord[]> {
    const rows: AthleteRow[] = await this.dataSource.query(`SELECT ${COLUMNS} FROM athletes ORDER BY key`);
    return rows.map(fromRow);
  }

  async findAthlete(key: string): Promise<AthleteRecord | null> {
    const rows: AthleteRow[] = await this.dataSource.query(this.sql(`SELECT ${COLUMNS} FROM athletes WHERE key = ?`), [key]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  async findAthleteByNameKey(nameKey: string): Promise<AthleteRecord | null> {
    const rows: AthleteRow[] = await this.dataSource.query(this.sql(`SELECT ${COLUMNS} FROM athletes WHERE name_key = ?`), [nameKey]);
    return rows[0] ? fromRow(rows[0]) : null;
  }

  /**
   * Creates the athlete or replaces everything but its created_at. Answers 'name_taken' when
   * another athlete already has this name_key (a second PUT racing the caller's own check).
   */
  async saveAthlete(athlete: Omit<AthleteRecord, 'createdAt' | 'updatedAt'>, now = Date.now()): Promise<AthleteRecord | 'name_taken'> {
    try {
      await this.writes.run(() =>
        this.dataSource.query(
          this.sql(
            `INSERT INTO athletes (${COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET display_name = excluded.display_name, name_key = excluded.name_key,
               race_config = excluded.race_config, telegram_chat_id = excluded.telegram_chat_id, updated_at = excluded.updated_at`,
          ),
          [athlete.key, athlete.displayName, athlete.nameKey, JSON.stringify(athlete.raceConfig), athlete.telegramChatId, now, now],
        ),
      );
    } catch (error) {
      if (isUniqueViolation(error)) return 'name_taken';
      throw error;
    }
    return (await this.findAthlete(athlete.key))!;
  }

  /** Whether there was such an athlete. Sessions matched to it keep their athlete_key (history). */
  async deleteAthlete(key: string): Promise<boolean> {
    return this.writes.run(async () => {
      const found = await this.findAthlete(key);
      if (!found) return false;
      await this.dataSource.query(this.sql(`DELETE FROM athletes WHERE key = ?`), [key]);
      return true;
    });
  }
}
