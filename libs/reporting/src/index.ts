export * from './svg-charts.js';
