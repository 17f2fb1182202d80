import type { TraderConfig } from './config.schema.js';

/** Defaults; instruments come from instruments.json. Secrets are never defaults. */
export const DEFAULTS: Omit<TraderConfig, 'instruments' | 'databaseUrl' | 'apiKey' | 'apiKeys'> = {
  http: { host: '0.0.0.0', port: 3000 },
  venue: { slippageBps: 2, volumeShareCap: null },
  risk: {
    maxOrderNotional: '250000',
    maxInstrumentNotional: '300000',
    maxGrossExposure: '600000',
    maxOrdersPerWindow: 30,
    orderWindowMs: 60_000,
  },
  breaker: { enabled: true, threshold: 0.05, coolDownHours: 24, maxCoolDownHours: 168, halfOpenSizeMultiplier: 0.5, recoveryBars: 6, recoveryDrawdownFraction: 0.5 },
  regime: { enabled: true, minBars: 1000, refitBars: 540, maxFitBars: 3000 },
  portfolioRisk: { varEnabled: true, varLimitFraction: 0.1, allocationEnabled: true, maxWeight: 0.6, maxGross: 1.5, maxNet: 1.0 },
  sizing: { maxFraction: 0.5, horizon: 6, icWindow: 120, fullConfidence: 0.5, lowConfidence: 0.25, fullIc: 0.05, lowIc: 0.02, rlPolicyPath: null },
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
  redis: { url: null, keyPrefix: 'tm:', featureTtlSeconds: 6 * 3600, maxPendingWrites: 100_000 },
  artifacts: { kind: 'local', dir: 'var/artifacts', s3: { endpoint: null, region: 'us-east-1', bucket: 'trade-matrix', prefix: '', forcePathStyle: true } },
  logging: { level: 'info', service: 'trader' },
  shutdown: { graceMs: 25_000 },
  rateLimit: { limit: 120, ttlMs: 60_000 },
  health: { maxBarAgeMs: 5 * 3600_000 },
  records: { snapshotIntervalMs: 4 * 3600_000 },
  timeSeries: { retentionDays: { bars: null, decision_records: null, model_predictions: null, portfolio_snapshots: null }, monthsAhead: 3 },
};
