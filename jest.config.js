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
  // Shares typed arrays with the main realm so onnxruntime-node's native outputs pass its checks.
  testEnvironment: '<rootDir>/libs/ml/src/onnx/onnxruntime-jest-environment.cjs',
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/config/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts', '<rootDir>/test/**/*.spec.ts'] },
  ],
};
