/**
 * One jest run for the whole workspace; workspace imports resolve to sources, not builds. A
 * service's package (`@cm/ingest`) resolves to its public entry, services/<name>/src/index.ts.
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/tests'],
  testMatch: ['**/?(*.)test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }],
    // ES-module-only dependencies, turned into CommonJS for jest's runtime (scripts/jest-esm-to-cjs.js).
    '/node_modules/@platformatic/[^/]+/.+\\.js$': '<rootDir>/scripts/jest-esm-to-cjs.js',
  },
  transformIgnorePatterns: ['/node_modules/(?!\\.pnpm/@platformatic\\+|@platformatic/)'],
  moduleNameMapper: {
    '^@cm/([^/]+)$': ['<rootDir>/packages/$1/src', '<rootDir>/services/$1/src'],
    '^@cm/([^/]+)/(.+)$': ['<rootDir>/packages/$1/src/$2', '<rootDir>/services/$1/src/$2'],
  },
  testTimeout: 120_000,
  // The domain is pure and must be exhaustively tested; scripts/test turns coverage on for full runs.
  collectCoverageFrom: ['<rootDir>/packages/domain/src/**/*.ts', '!**/*.test.ts', '!**/index.ts'],
  coverageReporters: ['text-summary', 'text'],
  coverageThreshold: { './packages/domain/src/': { branches: 95, lines: 95 } },
  maxWorkers: 2,
};
