export * from './svg-charts.js';
export * from './progress.js';
