import { Module, type DynamicModule } from '@nestjs/common';
import { Cache, Clock, KernelModule } from '@lib/kernel';
import { DataModule } from '@lib/data';
import { EXECUTION_CLIENT, ExecutionModule } from '@lib/execution';
import { PersistenceModule } from '@lib/persistence';
import { PortfolioModule } from '@lib/portfolio';
import { RiskModule } from '@lib/risk';
import { SimulatedVenue } from '@lib/venues-sim';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';
import { MetricsRecorder } from '../metrics/metrics.recorder.js';
import { BacktestRunner } from './backtest.runner.js';
import { ReplayService } from '../replay/replay.service.js';

/**
 * One backtest = one application context: the live kernel with a test clock and the
 * simulated venue as execution client. Nothing here is backtest-specific but the clock,
 * the venue and the driver.
 */
@Module({})
export class BacktestModule {
  static forRun(config: TraderConfig): DynamicModule {
    return {
      module: BacktestModule,
      imports: [
        KernelModule.forRoot({ clock: 'test', bus: { batchSize: config.eventBatchSize } }),
        PersistenceModule.forRoot({ url: config.databaseUrl }),
        DataModule,
        ExecutionModule.withClient({
          provide: EXECUTION_CLIENT,
          useFactory: (cache: Cache, clock: Clock) => new SimulatedVenue({ slippageBps: config.venue.slippageBps, volumeShareCap: config.venue.volumeShareCap }, cache, clock),
          inject: [Cache, Clock],
        }),
        RiskModule.forRoot(config.risk),
        PortfolioModule,
      ],
      providers: [{ provide: TRADER_CONFIG, useValue: config }, BacktestRunner, ReplayService, MetricsRecorder],
      exports: [BacktestRunner, ReplayService],
    };
  }
}
