import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { loadConfig } from '@config';
import { BacktestModule } from '../backtest/backtest.module.js';
import { BacktestRunner } from '../backtest/backtest.runner.js';
import { renderSummaryTable, writeBacktestOutput } from '../backtest/backtest-output.js';
import { BACKTEST_USAGE, CliError, parseBacktestArgs, parseDate } from './cli-args.js';

async function main(): Promise<number> {
  const args = parseBacktestArgs(process.argv.slice(2));
  if (args.help) {
    console.log(BACKTEST_USAGE);
    return 0;
  }
  const strategy = args.strategy;
  if (strategy !== undefined && strategy !== 'vol-target-trend' && strategy !== 'ml-signal' && strategy !== 'buy-and-hold') {
    throw new CliError(`--strategy: unknown strategy '${strategy}' (available: vol-target-trend, ml-signal, buy-and-hold)`);
  }
  const interval = args.interval ?? undefined;
  if (interval !== undefined && interval !== '1h' && interval !== '4h' && interval !== '1d') throw new CliError(`--interval: '${interval}' is not one of 1h, 4h, 1d`);
  const config = loadConfig(process.env, {
    ...(strategy ? { strategy: { name: strategy } } : {}),
    backtest: { ...(args.source ? { source: args.source } : {}), ...(interval ? { interval } : {}), ...(args.capital ? { initialCapital: args.capital } : {}) },
  });
  const app = await NestFactory.createApplicationContext(BacktestModule.forRun(config), { logger: ['error', 'warn'] });
  app.enableShutdownHooks();
  try {
    const outcome = await app.get(BacktestRunner).run({
      dataDir: args.data ?? process.env.TM_DATA_DIR ?? '../shared/data',
      source: config.backtest.source,
      interval: config.backtest.interval,
      instruments: args.instruments ? args.instruments.split(',').map((s) => s.trim()).filter(Boolean) : [],
      from: parseDate('from', args.from),
      to: parseDate('to', args.to),
      initialCapital: config.backtest.initialCapital,
      ...(args['run-id'] ? { runId: args['run-id'] } : {}),
      ...(args.catalog ? { catalog: true } : {}),
    });
    const files = writeBacktestOutput(args.out ?? 'out', outcome);
    console.log(renderSummaryTable(outcome));
    console.log(`\nsummary: ${files.summary}\nequity:  ${files.equityCsv}\nchart:   ${files.chart}\nreplay:  npm run replay -- --run ${outcome.summary.runId}`);
    return 0;
  } finally {
    await app.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof CliError ? `${err.message}\n\n${BACKTEST_USAGE}` : `backtest failed: ${(err as Error).stack ?? String(err)}`);
    process.exit(err instanceof CliError ? 2 : 1);
  },
);
