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
  strategy: z.object({
    name: z.enum(['vol-target-trend', 'ml-signal']),
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
});

export type TraderConfig = z.infer<typeof TraderConfigSchema>;
export type StrategyConfig = TraderConfig['strategy'];
