export * from './hraa.js';
export * from './allocation-tracker.js';
