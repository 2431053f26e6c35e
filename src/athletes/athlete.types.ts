/** An athlete profile as REST and MCP return it. */
export interface Athlete {
  /** The coach's own short id for the athlete (URL-safe). */
  key: string;
  /** Matched, case- and accent-insensitively, to Garmin's athlete name (userDisplayName). */
  display_name: string;
  /** Default race_config of this athlete's sessions (as given: defaults are filled in at start). */
  race_config: Record<string, unknown>;
  /** Telegram chat of this athlete's alerts and coaching messages; null = TELEGRAM_CHAT_ID. */
  telegram_chat_id: string | null;
  created_at: string;
  updated_at: string;
}

/** What PUT /athletes/:key and set_athlete store, once validated. */
export interface AthleteInput {
  display_name: string;
  race_config: Record<string, unknown>;
  telegram_chat_id: string | null;
}
