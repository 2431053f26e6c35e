import { DataSourceOptions } from 'typeorm';
import { Init1764000000000 } from './migrations/1764000000000-init';
import { Watch1764600000000 } from './migrations/1764600000000-watch';
import { Course1764700000000 } from './migrations/1764700000000-course';
import { Analyses1764800000000 } from './migrations/1764800000000-analyses';
import { Leases1764900000000 } from './migrations/1764900000000-leases';
import { Athletes1765100000000 } from './migrations/1765100000000-athletes';
import { LinkedSessions1765500000000 } from './migrations/1765500000000-linked-sessions';
import { ViewerLinks1765400000000 } from './migrations/1765400000000-viewer-links';
import { AnalysisEntity } from './analysis.entity';
import { RaceCourseEntity } from './race-course.entity';
import { RaceSessionEntity } from './race-session.entity';
import { TrackpointEntity } from './trackpoint.entity';

export const ENTITIES = [RaceSessionEntity, TrackpointEntity, RaceCourseEntity, AnalysisEntity];
export const MIGRATIONS = [Init1764000000000, Watch1764600000000, Course1764700000000, Analyses1764800000000, Leases1764900000000, Athletes1765100000000, ViewerLinks1765400000000, LinkedSessions1765500000000];

/** What both databases share: the entities, migrations applied at boot, never synchronisation. */
const SCHEMA: Pick<DataSourceOptions, 'entities' | 'migrations' | 'migrationsRun' | 'migrationsTransactionMode' | 'synchronize' | 'logging'> = {
  entities: ENTITIES,
  migrations: MIGRATIONS,
  migrationsRun: true,
  migrationsTransactionMode: 'each',
  synchronize: false,
  logging: ['error', 'migration'],
};

/**
 * SQLite (better-sqlite3, the driver TypeORM 1.x supports) in WAL mode so readers never wait for
 * the poller's writes. synchronous=NORMAL is durable against a process crash in WAL mode; an OS
 * crash can lose the newest transaction, which the next poll re-fetches from Garmin anyway.
 * Migrations are applied at boot; schema synchronisation is never used.
 */
export function sqliteOptions(dbPath: string): DataSourceOptions {
  return {
    type: 'better-sqlite3',
    database: dbPath,
    enableWAL: true,
    timeout: 5000,
    statementCacheSize: 200,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('synchronous = NORMAL');
    },
    ...SCHEMA,
  };
}

/**
 * PostgreSQL (pg driver), for several replicas on one database. Same entities and migrations as
 * SQLite; a small pool per replica. Migrations run at boot under TypeORM's migration lock.
 */
export function postgresOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    extra: { max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 },
    ...SCHEMA,
  };
}

/** The database the configuration names: PostgreSQL when DATABASE_URL is set, else SQLite at DB_PATH. */
export function dataSourceOptions(config: { databaseUrl: string | null; dbPath: string }): DataSourceOptions {
  return config.databaseUrl ? postgresOptions(config.databaseUrl) : sqliteOptions(config.dbPath);
}
