export * from './projections/portfolio.types.js';
export * from './projections/canonical-decimal.js';
export * from './projections/portfolio.projection.js';
export * from './statistics/performance-statistics.js';
export * from './portfolio.service.js';
export * from './portfolio.module.js';
