import { Module, type DynamicModule } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { PersistenceModule } from '@lib/persistence';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from './trader-config.token.js';
import { HealthController } from './health/health.controller.js';
import { RunsController } from './api/runs.controller.js';
import { RunQueriesService } from './api/run-queries.service.js';
import { BacktestJobsService } from './api/backtest-jobs.service.js';
import { ReplayService } from './replay/replay.service.js';
import { ApiKeyGuard } from './api/api-key.guard.js';

/** The trader's HTTP face: admin REST API with OpenAPI, health probes and /metrics. */
@Module({})
export class TraderModule {
  static forConfig(config: TraderConfig): DynamicModule {
    return {
      module: TraderModule,
      imports: [
        PersistenceModule.forRoot({ url: config.databaseUrl }),
        TerminusModule,
        PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true } }),
      ],
      controllers: [RunsController, HealthController],
      providers: [{ provide: TRADER_CONFIG, useValue: config }, RunQueriesService, BacktestJobsService, ReplayService, ApiKeyGuard],
    };
  }
}
