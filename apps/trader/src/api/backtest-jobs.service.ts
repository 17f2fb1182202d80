import { Inject, Injectable, Logger, type INestApplicationContext } from '@nestjs/common';
import { MessageBus } from '@lib/kernel';
import { PortfolioService } from '@lib/portfolio';
import { CircuitBreakerService } from '@lib/risk';
import { NestFactory } from '@nestjs/core';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { BacktestModule } from '../backtest/backtest.module.js';
import { BacktestRunner } from '../backtest/backtest.runner.js';
import type { BacktestRequest } from '../backtest/backtest.types.js';
import { TradingMetrics } from '../metrics/trading-metrics.js';
import { newBacktestRunId } from '../backtest/run-id.js';

/**
 * Backtests started through the API run in the background, one at a time (the kernel is a
 * single writer of the event stream), each in its own kernel context.
 */
@Injectable()
export class BacktestJobsService {
  private readonly logger = new Logger(BacktestJobsService.name);
  private queue: Promise<void> = Promise.resolve();
  private readonly active = new Set<string>();
  private readonly contexts = new Map<string, INestApplicationContext>();

  constructor(@Inject(TRADER_CONFIG) private readonly config: TraderConfig) {}

  start(request: Omit<BacktestRequest, 'runId'>): string {
    const runId = newBacktestRunId();
    this.active.add(runId);
    this.queue = this.queue.then(() => this.execute({ ...request, runId }));
    return runId;
  }

  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  /** The circuit breaker of a run whose kernel is up right now (operator trip and reset). */
  breaker(runId: string): CircuitBreakerService | undefined {
    const app = this.contexts.get(runId);
    // Only once the run has started in its own stream: a transition must land in the run's events, after run.started.
    if (!app || app.get(MessageBus).currentStream !== runId || !app.get(PortfolioService).projection.isStarted) return undefined;
    return app.get(CircuitBreakerService);
  }

  /** Resolves when every queued run has finished (used by graceful shutdown and tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  private async execute(request: BacktestRequest): Promise<void> {
    const metrics = TradingMetrics.shared();
    try {
      const app = await NestFactory.createApplicationContext(BacktestModule.forRun(this.config), { logger: ['error', 'warn'] });
      this.contexts.set(request.runId!, app);
      try {
        const outcome = await app.get(BacktestRunner).run(request, (line) => this.logger.log(line));
        metrics.equity.set({ run: request.runId! }, Number(outcome.summary.finalEquity.split(' ')[0]));
        metrics.runs.inc({ mode: 'backtest', status: 'COMPLETED' });
      } finally {
        this.contexts.delete(request.runId!);
        await app.close();
      }
    } catch (err) {
      metrics.runs.inc({ mode: 'backtest', status: 'FAILED' });
      this.logger.error(`backtest ${request.runId} failed: ${(err as Error).message}`);
    } finally {
      this.active.delete(request.runId!);
    }
  }
}
