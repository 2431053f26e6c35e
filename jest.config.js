// Two projects: fast unit specs beside the code, and e2e specs in test/ that boot the real app.
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.spec.json' }];
module.exports = {
  // e2e specs boot servers and wait on real polling; unit specs finish far sooner.
  testTimeout: 60000,
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
