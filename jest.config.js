// Jest runs in native ESM mode (NestJS 12 ships ESM only); @swc/jest strips types and
// emits decorator metadata so Nest's constructor injection works in tests.
const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true },
    target: 'es2022',
    keepClassNames: true,
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

const moduleNameMapper = {
  '^@lib/venues-sim$': '<rootDir>/libs/venues/sim/src/index.ts',
  '^@lib/venues-bybit$': '<rootDir>/libs/venues/bybit/src/index.ts',
  '^@lib/(.*)$': '<rootDir>/libs/$1/src/index.ts',
  '^@config$': '<rootDir>/config/index.ts',
  '^(\\.{1,2}/.*)\\.js$': '$1',
};

const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', swc] },
  moduleNameMapper,
  // Specs that run onnxruntime-node declare its environment in a docblock
  // (@jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs); sharing typed arrays
  // with the main realm globally broke better-sqlite3's constraint tests.
  testEnvironment: 'node',
};

// Specs that run onnxruntime-node use a Jest environment that shares typed arrays with the main
// realm (see onnxruntime-jest-environment.cjs). In one process with the SQLite suites that
// environment upsets better-sqlite3 (a native addon shared across test contexts), so they run as
// their own project, in their own jest process (npm test runs the two in turn).
const ONNX_SPECS = [
  '<rootDir>/libs/ml/src/onnx/',
  '<rootDir>/libs/ml/src/serving/',
  '<rootDir>/libs/strategy/src/ml-signal/',
  '<rootDir>/apps/trainer/',
  '<rootDir>/test/acceptance/ml-signal',
];

export default {
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/config/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...ONNX_SPECS],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/**/*.spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...ONNX_SPECS],
    },
    {
      ...common,
      displayName: 'onnx',
      testMatch: ONNX_SPECS.map((p) => `${p}**/*.spec.ts`).concat(['<rootDir>/test/acceptance/ml-signal.acceptance.spec.ts']),
      testEnvironment: '<rootDir>/libs/ml/src/onnx/onnxruntime-jest-environment.cjs',
    },
  ],
};
