export * from './kelly.js';
export * from './tiers.js';
export * from './decision/index.js';
