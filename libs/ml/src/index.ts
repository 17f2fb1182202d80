export * from './random/seeded-random.js';
export * from './trees/tree-ensemble.js';
export * from './registry/index.js';
