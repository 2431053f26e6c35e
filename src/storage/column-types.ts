import { ValueTransformer } from 'typeorm';

/**
 * Times are stored as epoch milliseconds in BIGINT columns: portable (SQLite INTEGER, PostgreSQL
 * int8) and cheap to range-scan. PostgreSQL drivers hand int8 back as a string, so read it back
 * through Number().
 */
export const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null || value === undefined ? null : Number(value)),
};
