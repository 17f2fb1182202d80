import { z } from 'zod';

const decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string such as "100000" or "0.00055"');

export const InstrumentSpecSchema = z.object({
  id: z.string().regex(/^[A-Z0-9]+(-[A-Z0-9]+)*\.[A-Z0-9_]+$/, 'must look like BTCUSDT-PERP.BYBIT'),
  kind: z.enum(['PERPETUAL', 'SPOT']).default('PERPETUAL'),
  base: z.string().min(1),
  quote: z.string().min(1),
  settlement: z.string().min(1).optional(),
  tickSize: decimal,
  lotSize: decimal,
  minQuantity: decimal,
  maxQuantity: decimal,
  minNotional: decimal,
  makerFee: decimal,
  takerFee: decimal,
  fundingIntervalHours: z.number().int().positive().default(8),
});

export const TraderConfigSchema = z.object({
  databaseUrl: z.string().min(1),
  http: z.object({
    host: z.string().min(1),
    port: z.number().int().min(0).max(65535),
  }),
  /** API key for mutating admin endpoints; from the environment only (TRADER_API_KEY). */
  apiKey: z.string().min(16, 'TRADER_API_KEY must be at least 16 characters').nullable(),
  instruments: z.array(InstrumentSpecSchema).min(1),
  venue: z.object({
    slippageBps: z.number().min(0).max(500),
    volumeShareCap: z.number().gt(0).max(1).nullable(),
  }),
  risk: z.object({
    maxOrderNotional: decimal,
    maxInstrumentNotional: decimal,
    maxGrossExposure: decimal,
    maxOrdersPerWindow: z.number().int().positive(),
    orderWindowMs: z.number().int().positive(),
  }),
  /** Drawdown circuit breaker (see libs/risk/src/breaker/circuit-breaker.ts for the state machine). */
  breaker: z.object({
    enabled: z.boolean(),
    threshold: z.number().gt(0).lt(1),
    coolDownHours: z.number().min(0),
    /** Trips within a week of the last one double the cool-down, up to this. */
    maxCoolDownHours: z.number().min(0),
    halfOpenSizeMultiplier: z.number().min(0).max(1),
    recoveryBars: z.number().int().min(1),
    recoveryDrawdownFraction: z.number().gt(0).max(1),
  }),
  /** Online HMM regimes per instrument (fits on the history seen so far; no look-ahead). */
  regime: z.object({
    enabled: z.boolean(),
    minBars: z.number().int().min(200),
    refitBars: z.number().int().min(6),
    /** Refits use at most this many recent bars (a sliding window keeps fits fast and current). */
    maxFitBars: z.number().int().min(200),
  }),
  /** Portfolio VaR and hierarchical allocation, enforced by pre-trade risk. */
  portfolioRisk: z.object({
    varEnabled: z.boolean(),
    /** 1-day 99% VaR limit after an order, as a fraction of equity. */
    varLimitFraction: z.number().gt(0).max(1),
    allocationEnabled: z.boolean(),
    /** Largest |weight| per instrument, gross and net, as fractions of equity. */
    maxWeight: z.number().gt(0).max(10),
    maxGross: z.number().gt(0).max(10),
    maxNet: z.number().gt(0).max(10),
  }),
  /** Regime-aware sizing of the ML strategy: Kelly by regime, tiers, optional SAC policy. */
  sizing: z.object({
    maxFraction: z.number().gt(0).max(5),
    horizon: z.number().int().min(1),
    icWindow: z.number().int().min(20),
    fullConfidence: z.number().min(0).max(1),
    lowConfidence: z.number().min(0).max(1),
    fullIc: z.number().min(-1).max(1),
    lowIc: z.number().min(-1).max(1),
    /** Path of the SAC actor (ONNX); null: no RL policy, the tiers fall back to Kelly. */
    rlPolicyPath: z.string().min(1).nullable(),
  }),
  strategy: z.object({
    name: z.enum(['vol-target-trend', 'ml-signal', 'buy-and-hold']),
    fastEma: z.number().int().min(2),
    slowEma: z.number().int().min(3),
    volLookback: z.number().int().min(10),
    targetAnnualVol: z.number().gt(0).max(5),
    maxLeverage: z.number().gt(0).max(10),
    rebalanceThreshold: z.number().min(0).max(1),
  }),
  backtest: z.object({
    initialCapital: decimal,
    source: z.string().regex(/^[a-z0-9]+$/),
    interval: z.enum(['1h', '4h', '1d']),
    progressEvery: z.number().int().positive(),
  }),
  eventBatchSize: z.number().int().min(1).max(100_000),
  /** Redis (optional): feature cache, signal fan-out, session state. null: embedded in-process state only. */
  redis: z.object({
    /** REDIS_URL, e.g. redis://127.0.0.1:6379/0 (a password in it is a secret: never logged). */
    url: z.string().min(1).nullable(),
    keyPrefix: z.string().regex(/^[a-z0-9:_-]*$/, 'lowercase letters, digits, ":", "_" and "-" only'),
    featureTtlSeconds: z.number().int().positive(),
    /** Session-state writes kept in memory while Redis is down, flushed when it returns. */
    maxPendingWrites: z.number().int().positive(),
  }),
  /** Where models, datasets and reports live: a local folder, or an S3-compatible bucket. */
  artifacts: z.object({
    kind: z.enum(['local', 's3']),
    dir: z.string().min(1),
    /** S3/MinIO: credentials only from the environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY). */
    s3: z.object({
      endpoint: z.string().url().nullable(),
      region: z.string().min(1),
      bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name'),
      prefix: z.string(),
      forcePathStyle: z.boolean(),
    }),
  }),
  logging: z.object({
    level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']),
    /** Service name on every log line (a Loki label). */
    service: z.string().min(1),
  }),
  /** SIGTERM: stop taking work, finish in-flight commands, flush the store, exit; within this grace. */
  shutdown: z.object({ graceMs: z.number().int().min(100) }),
  /** Admin API keys with roles (TRADER_API_KEYS="name:role:key,…"; from the environment only). */
  apiKeys: z.array(
    z.object({
      name: z.string().regex(/^[A-Za-z0-9_-]+$/),
      role: z.enum(['read', 'operate']),
      key: z.string().min(16, 'API keys must be at least 16 characters'),
    }),
  ),
  /** Admin API rate limit per client (API key or address). */
  rateLimit: z.object({ limit: z.number().int().positive(), ttlMs: z.number().int().positive() }),
  /**
   * Time-series tables on PostgreSQL (TimescaleDB hypertables, or native monthly partitions).
   * Retention in days by the rows' own bar time; null keeps forever. The embedded default keeps
   * everything, because backtests write rows about the past; live deployments set it (k8s/).
   */
  timeSeries: z.object({
    retentionDays: z.object({
      bars: z.number().int().positive().nullable(),
      decision_records: z.number().int().positive().nullable(),
      model_predictions: z.number().int().positive().nullable(),
      portfolio_snapshots: z.number().int().positive().nullable(),
    }),
    monthsAhead: z.number().int().min(1).max(24),
  }),
  /** Query-friendly projections of every run: decision records, and portfolio snapshots every this much market time (0: every bar time). */
  records: z.object({ snapshotIntervalMs: z.number().int().min(0) }),
  /** Readiness: market data older than this (per instrument, live/paper) makes the trader not ready. */
  health: z.object({ maxBarAgeMs: z.number().int().positive() }),
});

export type TraderConfig = z.infer<typeof TraderConfigSchema>;
export type StrategyConfig = TraderConfig['strategy'];
