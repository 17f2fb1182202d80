export * from './kelly.js';
export * from './tiers.js';
