import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

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
