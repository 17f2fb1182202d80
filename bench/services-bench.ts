import { randomBytes } from 'node:crypto';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { register } from 'prom-client';
import { loadConfig } from '@config';
import { TradingMetrics } from '@lib/observability';
import { RedisConnection, RedisSessionStateStore } from '@lib/redis';
import { BacktestModule } from '../apps/trader/src/backtest/backtest.module.js';
import { BacktestRunner } from '../apps/trader/src/backtest/backtest.runner.js';

/**
 * Production services: the kernel workload of the main benchmark on PostgreSQL (partitioned
 * records, batched event appends), Redis session-state write-behind, and the cost of a Prometheus
 * scrape with every family populated. A service that is not reachable is skipped and said so.
 */
export interface ServicesFigures {
  readonly postgresBarsPerSec: number | null;
  readonly postgresEventsPerSec: number | null;
  readonly redisSessionWritesPerSec: number | null;
  readonly scrapeMillis: number;
  readonly metricFamilies: number;
  readonly metricSeries: number;
}

const POSTGRES_URL = process.env.TM_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const REDIS_URL = process.env.TM_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379/0';

export async function benchServices(dataDir: string, log: (line: string) => void): Promise<ServicesFigures> {
  const postgres = await postgresBacktest(dataDir).catch((err: unknown) => {
    log(`postgres skipped: ${(err as Error).message}`);
    return null;
  });
  const redis = await redisSessionWrites().catch((err: unknown) => {
    log(`redis skipped: ${(err as Error).message}`);
    return null;
  });
  const scrape = await scrapeCost();
  return { postgresBarsPerSec: postgres?.barsPerSec ?? null, postgresEventsPerSec: postgres?.eventsPerSec ?? null, redisSessionWritesPerSec: redis, ...scrape };
}

/** The Bybit 1h kernel workload (as backtest.barsPerSec) with PostgreSQL as the store, in a schema of its own. */
async function postgresBacktest(dataDir: string): Promise<{ barsPerSec: number; eventsPerSec: number }> {
  const schema = `tm_bench_${randomBytes(4).toString('hex')}`;
  const d = loadConfig({});
  const config = loadConfig(
    { DATABASE_URL: `${POSTGRES_URL}?schema=${schema}` },
    { backtest: { source: 'bybit', interval: '1h' }, regime: { ...d.regime, enabled: false }, portfolioRisk: { ...d.portfolioRisk, varEnabled: false, allocationEnabled: false } },
  );
  try {
    const app = await NestFactory.createApplicationContext(BacktestModule.forRun(config), { logger: ['error'] });
    try {
      const outcome = await app.get(BacktestRunner).run(
        { dataDir, source: 'bybit', interval: '1h', instruments: [], from: null, to: null, initialCapital: '100000', runId: 'bench-postgres' },
        () => undefined,
      );
      return { barsPerSec: outcome.summary.barsPerSec, eventsPerSec: outcome.summary.events / outcome.summary.wallSeconds };
    } finally {
      await app.close();
    }
  } finally {
    const client = new pg.Client({ connectionString: POSTGRES_URL });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).finally(() => client.end());
  }
}

/** Bars recorded into session state (3 instruments × 20 streams) and flushed to Redis through the outbox. */
async function redisSessionWrites(): Promise<number> {
  const connection = new RedisConnection({ url: REDIS_URL, heartbeatMs: 0, name: 'trade-matrix-bench' });
  await connection.connect();
  if (!connection.isUp) {
    await connection.close();
    throw new Error(`${connection.displayUrl} is not reachable`);
  }
  const keyPrefix = `tm-bench-${randomBytes(4).toString('hex')}:`;
  const store = new RedisSessionStateStore(connection, { keyPrefix, maxPendingWrites: 1_000_000 });
  const writes = 60_000;
  try {
    const start = performance.now();
    for (let i = 0; i < writes; i++) {
      store.recordBar(`stream-${i % 20}`, ['BTCUSDT-PERP.BYBIT', 'ETHUSDT-PERP.BYBIT', 'SOLUSDT-PERP.BYBIT'][i % 3]!, 1_700_000_000_000 + i * 3_600_000);
      // Let the write-behind run as a trading loop would, a turn every few hundred bars.
      if (i % 500 === 499) await new Promise<void>((resolve) => setImmediate(resolve));
    }
    if (!(await store.flush())) throw new Error('the outbox did not drain');
    return writes / ((performance.now() - start) / 1000);
  } finally {
    const keys = await connection.client.keys(`${keyPrefix}*`);
    if (keys.length > 0) await connection.client.del(...keys);
    await store.close();
    await connection.close();
  }
}

/** One scrape of /metrics (the default registry the trader serves), median of 5, after the runs above filled it. */
async function scrapeCost(): Promise<{ scrapeMillis: number; metricFamilies: number; metricSeries: number }> {
  TradingMetrics.shared();
  const times: number[] = [];
  let text = '';
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    text = await register.metrics();
    times.push(performance.now() - start);
  }
  const lines = text.split('\n');
  return {
    scrapeMillis: times.sort((a, b) => a - b)[2]!,
    metricFamilies: lines.filter((l) => l.startsWith('# TYPE ')).length,
    metricSeries: lines.filter((l) => l.length > 0 && !l.startsWith('#')).length,
  };
}
