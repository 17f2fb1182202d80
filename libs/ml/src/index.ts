export * from './random/seeded-random.js';
export * from './trees/index.js';
export * from './registry/index.js';
export * from './selection/index.js';
export * from './validation/index.js';
export * from './features/index.js';
export * from './labels/index.js';
