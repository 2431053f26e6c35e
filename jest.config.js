// Two projects: fast unit specs beside the code, and e2e specs in test/ that boot the real app.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }];
module.exports = {
  // e2e specs boot servers and wait on real polling; unit specs finish far sooner.
  testTimeout: 60000,
  // One real PostgreSQL for the run (TEST_DATABASE_URL, or one started here): storage specs and
  // the ingestion e2e run on it as well as on SQLite.
  globalSetup: '<rootDir>/test/support/pg-global-setup.js',
  globalTeardown: '<rootDir>/test/support/pg-global-teardown.js',
  projects: [
    {
      displayName: 'unit',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/src/**/*.spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'e2e',
      rootDir: __dirname,
      testEnvironment: 'node',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
  ],
};
