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
  testEnvironment: 'node',
};

// Specs that run onnxruntime-node need a Jest environment that shares typed arrays with the main
// realm (see onnxruntime-jest-environment.cjs). They run as their own project, in their own jest
// process (npm test runs the two in turn), so that environment never touches the other suites.
const ONNX_SPECS = [
  '<rootDir>/libs/ml/src/onnx/',
  '<rootDir>/libs/ml/src/serving/',
  '<rootDir>/libs/rl/src/onnx/',
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
