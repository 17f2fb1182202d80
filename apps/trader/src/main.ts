import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { loadConfig } from '@config';
import { createTraderApp } from './bootstrap.js';
import { BacktestJobsService } from './api/backtest-jobs.service.js';

const GRACE_MS = Number(process.env.TRADER_SHUTDOWN_GRACE_MS ?? 25_000);

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createTraderApp(config);
  await app.listen(config.http.port, config.http.host);
  const logger = new Logger('Trader');
  logger.log(`listening on http://${config.http.host}:${config.http.port} (docs /docs, probes /health/live and /health/ready, metrics /metrics)`);

  // Graceful shutdown: stop taking requests, let queued runs finish within the grace period,
  // close the app (stores flush and disconnect), then exit 0.
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: shutting down (grace ${GRACE_MS} ms)`);
    const timer = setTimeout(() => {
      logger.error('grace period exceeded; exiting with runs still in flight');
      process.exit(1);
    }, GRACE_MS);
    timer.unref();
    void app
      .get(BacktestJobsService)
      .idle()
      .then(() => app.close())
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        logger.error(`shutdown failed: ${(err as Error).message}`);
        process.exit(1);
      });
  };
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  console.error(`trader failed to start: ${(err as Error).message}`);
  process.exit(1);
});
