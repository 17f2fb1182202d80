import { Inject, Injectable, Logger, type INestApplicationContext } from '@nestjs/common';
import { MessageBus, RUN_REPOSITORY, type RunRepository } from '@lib/kernel';
import { PortfolioService } from '@lib/portfolio';
import { CircuitBreakerService, TradingStateService } from '@lib/risk';
import { NestFactory } from '@nestjs/core';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { BacktestModule } from '../backtest/backtest.module.js';
import { BacktestRunner } from '../backtest/backtest.runner.js';
import type { BacktestRequest } from '../backtest/backtest.types.js';
import { TradingMetrics, withLogContext } from '@lib/observability';
import { newBacktestRunId } from '../backtest/run-id.js';
import { RedisServices } from '@lib/redis';
import { TradingSessions, type SessionControls } from '../trading-state/trading-sessions.js';

/** Error stored on a run the shutdown grace period cut short. */
export const INTERRUPTED_ERROR = 'interrupted: the trader shut down before the run finished (shutdown grace period elapsed)';

/**
 * Backtests started through the API run in the background, one at a time (the kernel is a
 * single writer of the event stream), each in its own kernel context, registered as a trading
 * session while it is up.
 */
@Injectable()
export class BacktestJobsService {
  private readonly logger = new Logger(BacktestJobsService.name);
  private queue: Promise<void> = Promise.resolve();
  private readonly active = new Set<string>();
  private readonly running = new Set<string>();

  constructor(
    @Inject(TRADER_CONFIG) private readonly config: TraderConfig,
    @Inject(RUN_REPOSITORY) private readonly runs: RunRepository,
    private readonly sessions: TradingSessions,
    private readonly redis: RedisServices,
  ) {}

  start(request: Omit<BacktestRequest, 'runId'>): string {
    const runId = newBacktestRunId();
    this.active.add(runId);
    // Every line the run logs carries its runId (and the correlation id of the request that started it).
    this.queue = this.queue.then(() => withLogContext({ runId, strategy: this.config.strategy.name }, () => this.execute({ ...request, runId })));
    return runId;
  }

  /** Queued or running. */
  isActive(runId: string): boolean {
    return this.active.has(runId);
  }

  counts(): { active: number; running: number; queued: number } {
    return { active: this.active.size, running: this.running.size, queued: this.active.size - this.running.size };
  }

  /** The circuit breaker of a run whose kernel is up and whose stream is open (operator trip and reset). */
  breaker(runId: string): CircuitBreakerService | undefined {
    return this.sessions.get(runId)?.controls()?.breaker;
  }

  /** Resolves when every queued run has finished (used by graceful shutdown and tests). */
  idle(): Promise<void> {
    return this.queue;
  }

  /**
   * Shutdown ran out of time: marks every run still in flight FAILED with INTERRUPTED_ERROR so
   * no reader takes it for one that is still going or that completed. Best effort: returns the
   * run ids it marked.
   */
  async interrupt(): Promise<string[]> {
    const marked: string[] = [];
    for (const runId of this.running) {
      try {
        const record = await this.runs.get(runId);
        if (record === null || record.status !== 'RUNNING') continue;
        await this.runs.update(runId, { status: 'FAILED', finishedAt: Date.now(), error: INTERRUPTED_ERROR });
        marked.push(runId);
      } catch (err) {
        this.logger.error(`could not mark ${runId} as interrupted: ${(err as Error).message}`);
      }
    }
    return marked;
  }

  private async execute(request: BacktestRequest): Promise<void> {
    const runId = request.runId!;
    const metrics = TradingMetrics.shared();
    this.running.add(runId);
    try {
      const app = await NestFactory.createApplicationContext(BacktestModule.forRun(this.config, { redis: this.redis }), { logger: ['error', 'warn'] });
      const unregister = this.sessions.register({ runId, mode: 'backtest', controls: () => controlsOf(app, runId) });
      try {
        await app.get(BacktestRunner).run(request, (line) => this.logger.log(line));
        metrics.runs.inc({ mode: 'backtest', status: 'COMPLETED' });
      } finally {
        unregister();
        await app.close();
      }
    } catch (err) {
      metrics.runs.inc({ mode: 'backtest', status: 'FAILED' });
      this.logger.error(`backtest ${runId} failed: ${(err as Error).message}`);
    } finally {
      this.running.delete(runId);
      this.active.delete(runId);
    }
  }
}

function controlsOf(app: INestApplicationContext, runId: string): SessionControls | null {
  // Only once the run has started in its own stream: a transition must land in the run's events, after run.started.
  if (app.get(MessageBus).currentStream !== runId || !app.get(PortfolioService).projection.isStarted) return null;
  return { breaker: app.get(CircuitBreakerService), tradingState: app.get(TradingStateService) };
}
