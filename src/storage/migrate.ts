// `npm run migration:run`: applies pending migrations to DB_PATH and exits. The server does the
// same at boot; this exists for operators who want to migrate before rolling out.
import { DataSource, DataSourceOptions } from 'typeorm';
import { ConfigError, parseEnv } from '../config/app-config';
import { dataSourceOptions } from './data-source-options';

async function main(): Promise<void> {
  const config = parseEnv(process.env);
  const dataSource = new DataSource({ ...dataSourceOptions(config), migrationsRun: false, logging: false } as DataSourceOptions);
  await dataSource.initialize();
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  await dataSource.destroy();
  console.log(JSON.stringify({ level: 'info', msg: 'migrations applied', db: config.databaseUrl ? 'postgresql' : config.dbPath, applied: applied.map((m) => m.name) }));
}

main().catch((error: unknown) => {
  const message = error instanceof ConfigError ? `Invalid configuration: ${error.message}` : `Migration failed: ${(error as Error).message}`;
  console.error(message);
  process.exit(1);
});
