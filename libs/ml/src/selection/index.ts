export * from './binomial-test.js';
export * from './boruta.js';
