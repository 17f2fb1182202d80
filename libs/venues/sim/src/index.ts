export * from './simulated-venue.config.js';
export * from './fill-model.js';
export * from './simulated-venue.js';
