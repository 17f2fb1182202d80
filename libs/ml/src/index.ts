export * from './random/seeded-random.js';
export * from './trees/tree-ensemble.js';
