export * from './gates.js';
export * from './metrics.js';
export * from './walk-forward.js';
