export * from './metrics/trading-metrics.js';
export * from './metrics/operation-observers.js';
export * from './metrics/metrics.recorder.js';
export * from './http/http-metrics.middleware.js';
export * from './logging/log-context.js';
export * from './logging/secret-masking.js';
export * from './logging/logger-params.js';
export * from './observability.module.js';
