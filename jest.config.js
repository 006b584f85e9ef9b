import { cjsBridge } from './test/jest/cjs-bridge.js';

// Jest runs in ESM mode (NestJS 12 ships ESM only); ts-jest transpiles without type-checking,
// `npm run typecheck` does that once for the whole tree.
const moduleNameMapper = {
  ...cjsBridge(),
  '^#domain$': '<rootDir>/libs/domain/src/index.ts',
  '^#reference$': '<rootDir>/libs/reference/src/index.ts',
  '^#event-store$': '<rootDir>/libs/event-store/src/index.ts',
  '^#event-store/testing$': '<rootDir>/libs/event-store/src/testing/index.ts',
  '^#projections$': '<rootDir>/libs/projections/src/index.ts',
  '^#read-model$': '<rootDir>/libs/read-model/src/index.ts',
  '^#statements$': '<rootDir>/libs/statements/src/index.ts',
  '^#importers$': '<rootDir>/libs/importers/src/index.ts',
  '^#runtime$': '<rootDir>/libs/runtime/src/index.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};

const tier = (name) => ({
  displayName: name,
  rootDir: '.',
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper,
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: '<rootDir>/tsconfig.json', diagnostics: false }],
  },
  testMatch: [`<rootDir>/{apps,libs,test}/**/*.${name}.spec.ts`],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
});

export default {
  // testTimeout is global in Jest: crash tests start real processes, so it is generous.
  testTimeout: 60000,
  projects: [tier('unit'), tier('int'), tier('e2e')],
};
