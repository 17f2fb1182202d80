import 'reflect-metadata';
import { Logger, type INestApplication } from '@nestjs/common';
import { loadConfig } from '@config';
import { createTraderApp } from './bootstrap.js';
import { BacktestJobsService } from './api/backtest-jobs.service.js';
import { DrainState } from './health/drain.js';

async function main(): Promise<void> {
  const config = loadConfig();
  const app = await createTraderApp(config);
  await app.listen(config.http.port, config.http.host);
  new Logger('Trader').log(`listening on http://${config.http.host}:${config.http.port} (docs /docs, probes /health/live and /health/ready, metrics /metrics)`);
  // Signals are handled here, not by enableShutdownHooks: Nest would close the app at once, cutting the runs short and closing twice.
  installGracefulShutdown(app, config.shutdown.graceMs);
}

/**
 * SIGTERM/SIGINT: (1) drain: readiness goes down, new work gets 503; (2) the runs already
 * accepted finish, each flushing its last event batch and writing its record; (3) the app closes
 * (HTTP server, then the stores); (4) exit 0. When the grace period elapses first, the runs
 * still in flight are marked FAILED (interrupted) and the process exits 1. A second signal
 * does the same at once.
 */
function installGracefulShutdown(app: INestApplication, graceMs: number): void {
  const logger = new Logger('Shutdown');
  const jobs = app.get(BacktestJobsService);
  let stopping = false;
  let expired = false;

  const expire = async (why: string) => {
    if (expired) return;
    expired = true;
    logger.error(`${why}: marking the runs still in flight as interrupted`);
    const marked = await Promise.race([jobs.interrupt(), new Promise<string[]>((resolve) => setTimeout(() => resolve([]), 2000))]).catch(() => []);
    logger.error(`marked interrupted: ${marked.length > 0 ? marked.join(', ') : 'none'}; exiting with 1`);
    process.exit(1);
  };

  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      void expire(`${signal} received again while draining`);
      return;
    }
    stopping = true;
    const started = Date.now();
    logger.log(`${signal}: phase 1/4 drain: readiness down, new work refused (grace ${graceMs} ms)`);
    app.get(DrainState).begin(graceMs, signal);
    const timer = setTimeout(() => void expire(`grace period of ${graceMs} ms elapsed`), graceMs);
    void (async () => {
      const counts = jobs.counts();
      logger.log(`phase 2/4 finish in-flight work: ${counts.running} running and ${counts.queued} queued run(s); each flushes its event batch and writes its record`);
      // A request admitted just before the drain may have queued one more run: wait until none is left.
      while (jobs.counts().active > 0) await jobs.idle();
      logger.log(`phase 3/4 close: runs done after ${Date.now() - started} ms; closing the HTTP server and the stores`);
      await app.close();
      if (expired) return;
      clearTimeout(timer);
      logger.log(`phase 4/4 exit: shut down cleanly in ${Date.now() - started} ms`);
      process.exit(0);
    })().catch((err: unknown) => {
      logger.error(`shutdown failed: ${(err as Error).message}`);
      process.exit(1);
    });
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}

main().catch((err: unknown) => {
  // Before the JSON logger exists (bad config, unreachable store): still one JSON line, for Loki.
  const line = { level: 'fatal', time: Date.now(), service: process.env.TM_SERVICE_NAME ?? 'trader', context: 'Trader', msg: `trader failed to start: ${(err as Error).message}` };
  process.stderr.write(`${JSON.stringify(line)}\n`);
  process.exit(1);
});
