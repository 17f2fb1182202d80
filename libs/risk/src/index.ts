export * from './checks/risk-verdict.js';
export * from './checks/risk-context.js';
export * from './checks/risk-limits.js';
export * from './checks/order-rate-limiter.js';
export * from './checks/pre-trade-risk.checks.js';
export * from './state/trading-state.service.js';
export * from './sagas/pre-trade-risk.saga.js';
export * from './risk.module.js';
