export * from './base/strategy.js';
export * from './indicators/ema.js';
export * from './indicators/rolling-volatility.js';
export * from './vol-target-trend/vol-target-trend.strategy.js';
export * from './buy-and-hold/buy-and-hold.strategy.js';
export * from './ml-signal/market-context.js';
export * from './ml-signal/ml-signal.strategy.js';
