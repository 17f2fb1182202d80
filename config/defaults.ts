import type { TraderConfig } from './config.schema.js';

/** Defaults; instruments come from instruments.json. Secrets are never defaults. */
export const DEFAULTS: Omit<TraderConfig, 'instruments' | 'databaseUrl' | 'apiKey'> = {
  http: { host: '0.0.0.0', port: 3000 },
  venue: { slippageBps: 2, volumeShareCap: null },
  risk: {
    maxOrderNotional: '250000',
    maxInstrumentNotional: '300000',
    maxGrossExposure: '600000',
    maxOrdersPerWindow: 30,
    orderWindowMs: 60_000,
  },
  strategy: {
    name: 'vol-target-trend',
    fastEma: 30,
    slowEma: 120,
    volLookback: 60,
    targetAnnualVol: 0.2,
    maxLeverage: 1.0,
    rebalanceThreshold: 0.25,
  },
  backtest: { initialCapital: '100000', source: 'binance', interval: '4h', progressEvery: 2000 },
  eventBatchSize: 2000,
};
