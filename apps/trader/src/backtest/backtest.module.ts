import { Module, type DynamicModule } from '@nestjs/common';
import { Cache, Clock, KernelModule } from '@lib/kernel';
import { DataModule } from '@lib/data';
import { EXECUTION_CLIENT, ExecutionModule } from '@lib/execution';
import { PersistenceModule } from '@lib/persistence';
import { PortfolioModule } from '@lib/portfolio';
import { RegimeModule } from '@lib/regime';
import { RiskModule, type RiskModuleOptions } from '@lib/risk';
import { SimulatedVenue } from '@lib/venues-sim';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { MetricsRecorder, redisObserver } from '@lib/observability';
import { RedisModule, type RedisServices } from '@lib/redis';
import { RunRecordsProjection } from '../records/run-records.projection.js';
import { BacktestRunner } from './backtest.runner.js';
import { ReplayService } from '../replay/replay.service.js';

/**
 * One backtest = one application context: the live kernel with a test clock and the
 * simulated venue as execution client. Nothing here is backtest-specific but the clock,
 * the venue and the driver.
 */
@Module({})
export class BacktestModule {
  /**
   * `shared.redis`: the trader process's Redis services (session state, feature cache, signals),
   * borrowed by the run and not closed with it. Without it (the CLI) the run owns its own.
   */
  static forRun(config: TraderConfig, shared: { redis?: RedisServices } = {}): DynamicModule {
    return {
      module: BacktestModule,
      imports: [
        KernelModule.forRoot({ clock: 'test', bus: { batchSize: config.eventBatchSize } }),
        // The trader's root context maintains the time-series partitions; a run only writes.
        PersistenceModule.forRoot({ url: config.databaseUrl, timeSeries: false }),
        shared.redis ? RedisModule.forRun(shared.redis) : RedisModule.forRoot(config.redis, { recorders: true, observer: redisObserver() }),
        DataModule,
        ExecutionModule.withClient({
          provide: EXECUTION_CLIENT,
          useFactory: (cache: Cache, clock: Clock) => new SimulatedVenue({ slippageBps: config.venue.slippageBps, volumeShareCap: config.venue.volumeShareCap }, cache, clock),
          inject: [Cache, Clock],
        }),
        RegimeModule.forRoot({ enabled: config.regime.enabled, tracker: { minBars: config.regime.minBars, refitBars: config.regime.refitBars, maxFitBars: config.regime.maxFitBars } }),
        RiskModule.forRoot(config.risk, riskOptionsOf(config)),
        PortfolioModule,
      ],
      providers: [{ provide: TRADER_CONFIG, useValue: config }, BacktestRunner, ReplayService, MetricsRecorder, RunRecordsProjection],
      exports: [BacktestRunner, ReplayService],
    };
  }
}

/** The trader config's breaker, VaR and allocation sections as the risk module takes them. */
export function riskOptionsOf(config: TraderConfig): RiskModuleOptions {
  const { breaker, portfolioRisk: pr } = config;
  return {
    breaker: {
      enabled: breaker.enabled,
      threshold: breaker.threshold,
      coolDownMs: breaker.coolDownHours * 3_600_000,
      maxCoolDownMs: Math.max(breaker.coolDownHours, breaker.maxCoolDownHours) * 3_600_000,
      coolDownEscalation: 2,
      escalationWindowMs: 7 * 86_400_000,
      halfOpenSizeMultiplier: breaker.halfOpenSizeMultiplier,
      recoveryBars: breaker.recoveryBars,
      recoveryDrawdownFraction: breaker.recoveryDrawdownFraction,
    },
    portfolioRisk: {
      var: { enabled: pr.varEnabled, limitFraction: pr.varLimitFraction },
      allocation: { enabled: pr.allocationEnabled, options: { maxWeight: pr.maxWeight, maxGross: pr.maxGross, maxNet: pr.maxNet } },
    },
  };
}
