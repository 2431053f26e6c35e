// jest globalSetup: one real PostgreSQL for the whole run (TEST_DATABASE_URL, or a throwaway server
// started here; see postgres-server.js). Specs create their own databases on it. When none can be
// had the reason is passed on, and the PostgreSQL specs fail saying so (never skip silently).
const { startPostgres } = require('./postgres-server');

module.exports = async function globalSetup() {
  try {
    const server = await startPostgres();
    globalThis.__LIVETRACK_PG__ = server;
    process.env.LIVETRACK_TEST_PG_URL = server.url;
    process.env.LIVETRACK_TEST_PG_SOURCE = server.source;
  } catch (error) {
    process.env.LIVETRACK_TEST_PG_ERROR = error.message;
  }
};
