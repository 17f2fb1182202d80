export * from './circuit-breaker.js';
export * from './circuit-breaker.service.js';
