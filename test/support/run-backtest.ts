import { NestFactory } from '@nestjs/core';
import { loadConfig, type TraderConfig } from '@config';
import { BacktestModule } from '../../apps/trader/src/backtest/backtest.module.js';
import { BacktestRunner, type BacktestOutcome } from '../../apps/trader/src/backtest/backtest.runner.js';
import { ReplayService, type ReplayResult } from '../../apps/trader/src/replay/replay.service.js';
import type { BacktestRequest } from '../../apps/trader/src/backtest/backtest.types.js';
import { DATA_DIR } from './databases.js';

export interface TestRun {
  readonly outcome: BacktestOutcome;
  readonly replay: ReplayResult;
}

/** Runs one backtest through the real kernel in its own context, then replays it from the store. */
export async function runBacktest(databaseUrl: string, request: Partial<BacktestRequest>, overrides: Partial<TraderConfig> = {}): Promise<TestRun> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, TM_ARTIFACT_DIR: process.env.TM_ARTIFACT_DIR }, overrides);
  const app = await NestFactory.createApplicationContext(BacktestModule.forRun(config), { logger: false });
  try {
    const outcome = await app.get(BacktestRunner).run(
      {
        dataDir: DATA_DIR,
        source: 'binance',
        interval: '4h',
        instruments: [],
        from: null,
        to: null,
        initialCapital: '100000',
        ...request,
      },
      () => undefined,
    );
    const replay = await app.get(ReplayService).replay(outcome.summary.runId);
    return { outcome, replay };
  } finally {
    await app.close();
  }
}
