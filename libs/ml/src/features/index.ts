export * from './feature-inputs.js';
export * from './dvol-csv.js';
export * from './streaming-indicators.js';
export * from './feature-spec.js';
export * from './feature-pipeline.js';
export * from './feature-history.js';
