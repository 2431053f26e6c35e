import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { postgresOptions, sqliteOptions } from '../../src/storage/data-source-options';
import { RaceSessionEntity } from '../../src/storage/race-session.entity';

/** The suite's PostgreSQL server (jest globalSetup), or an error saying why there is none. */
export function testServerUrl(): string {
  const url = process.env.LIVETRACK_TEST_PG_URL;
  if (!url) {
    throw new Error(
      `no PostgreSQL for the tests: ${process.env.LIVETRACK_TEST_PG_ERROR ?? 'jest globalSetup did not run (use npm test or jest --config jest.config.js)'}`,
    );
  }
  return url;
}

/** A fresh, empty database on the suite's server; drop() removes it (connections are closed first). */
export async function createTestDatabase(prefix = 'lt'): Promise<{ url: string; name: string; drop: () => Promise<void> }> {
  const serverUrl = testServerUrl();
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  await adminQuery(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export type TestDatabaseKind = 'sqlite' | 'postgres';

export interface TestDataSource {
  dataSource: DataSource;
  /** The PostgreSQL database's URL (null for SQLite), e.g. for a second connection to it. */
  url: string | null;
  /** Closes the connection and removes the database (file or PostgreSQL database). */
  close: () => Promise<void>;
}

/**
 * A migrated, empty database of either kind for a storage spec: a SQLite file at `sqlitePath`
 * below a fresh temp folder, or a fresh database on the suite's PostgreSQL server.
 */
export async function openTestDataSource(kind: TestDatabaseKind, prefix: string, sqlitePath = 'test.db'): Promise<TestDataSource> {
  const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
  const db = kind === 'postgres' ? await createTestDatabase(prefix) : null;
  const dataSource = new DataSource({ ...(db ? postgresOptions(db.url) : sqliteOptions(join(dir, sqlitePath))), logging: false });
  await dataSource.initialize();
  return {
    dataSource,
    url: db?.url ?? null,
    close: async () => {
      await dataSource.destroy();
      await db?.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A stored session row with every column set (override what a spec needs). */
export function sessionRow(id: string, startedAt: number, overrides: Partial<RaceSessionEntity> = {}): RaceSessionEntity {
  return Object.assign(new RaceSessionEntity(), {
    id, shareUrl: `https://livetrack.garmin.com/session/${id}/token/T`, raceConfig: {}, thresholds: {}, state: 'active', stopReason: null,
    stopDetail: null, sessionName: null, athlete: null, garminStart: null, garminEnd: null, postFrequencyS: null, startedAt,
    stoppedAt: null, updatedAt: startedAt, lastPointAt: null, lastNewPointReceivedAt: null, points: 0, polls: 0, pollErrors: 0,
    lastError: null, lastErrorAt: null, lastPollAt: null, rejectedPoints: 0, analysisRuns: 0, analysisErrors: 0, lastAnalysisAt: null,
    lastAnalysisResult: null, alertsSent: 0, thresholdsUpdatedAt: null, thresholdsUpdatedBy: null, watchingUntil: null, revivals: 0,
    pointsSource: 'api', alertsMutedUntil: null, leaseHolder: null, leaseExpiresAt: null, alertState: null,
    ...overrides,
  });
}
