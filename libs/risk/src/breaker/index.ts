export * from './circuit-breaker.js';
