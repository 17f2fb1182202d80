export * from './nelder-mead.js';
export * from './garch.js';
export * from './hmm.js';
export * from './labels.js';
export * from './features.js';
export * from './online-regime-tracker.js';
export * from './regime.service.js';
