/** One jest run for the whole workspace; workspace imports resolve to sources, not builds. */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services'],
  testMatch: ['**/?(*.)test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleNameMapper: { '^@cm/([^/]+)$': '<rootDir>/packages/$1/src' },
  testTimeout: 120_000,
  maxWorkers: 2,
};
