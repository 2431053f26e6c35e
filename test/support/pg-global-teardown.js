// jest globalTeardown: stops the server globalSetup started and deletes its directory.
module.exports = async function globalTeardown() {
  await globalThis.__LIVETRACK_PG__?.stop();
};
