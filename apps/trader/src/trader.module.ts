import { Module, type DynamicModule } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { PersistenceModule } from '@lib/persistence';
import { RedisModule, RedisServices } from '@lib/redis';
import { dbObserver, redisObserver } from '@lib/observability';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from './trader-config.token.js';
import { HealthController } from './health/health.controller.js';
import { RunsController } from './api/runs.controller.js';
import { RunQueriesService } from './api/run-queries.service.js';
import { BacktestJobsService } from './api/backtest-jobs.service.js';
import { ReplayService } from './replay/replay.service.js';
import { ApiKeyRing } from './api/auth/api-keys.js';
import { ApiKeyGuard } from './api/auth/api-key.guard.js';
import { RateLimitGuard } from './api/auth/rate-limit.guard.js';
import { ModelsController } from './api/models.controller.js';
import { modelRegistryProviders } from './api/models.providers.js';
import { StatusController } from './api/status.controller.js';
import { FeaturesController } from './api/features.controller.js';
import { DrainGuard, DrainState } from './health/drain.js';
import { READINESS_SIGNALS } from './health/readiness.js';
import { ReadinessService } from './health/readiness.service.js';
import { TradingSessions } from './trading-state/trading-sessions.js';
import { TradingStateController } from './trading-state/trading-state.controller.js';
import { RedisMetricsBridge, redisReadinessSignal } from './infra/redis-metrics.bridge.js';

/** The trader's HTTP face: admin REST API with OpenAPI, health probes and /metrics. */
@Module({})
export class TraderModule {
  static forConfig(config: TraderConfig): DynamicModule {
    return {
      module: TraderModule,
      imports: [
        PersistenceModule.forRoot({ url: config.databaseUrl, observer: dbObserver(), timeSeries: { retentionDays: config.timeSeries.retentionDays, monthsAhead: config.timeSeries.monthsAhead } }),
        // One Redis connection for the process; every run's context borrows it (BacktestModule.forRun).
        RedisModule.forRoot(config.redis, { observer: redisObserver(), shutdownTimeoutMs: Math.min(5_000, config.shutdown.graceMs) }),
        TerminusModule,
        PrometheusModule.register({ path: '/metrics', defaultMetrics: { enabled: true } }),
        ThrottlerModule.forRoot({ throttlers: [{ name: 'default', limit: config.rateLimit.limit, ttl: config.rateLimit.ttlMs }] }),
      ],
      controllers: [RunsController, ModelsController, TradingStateController, StatusController, FeaturesController, HealthController],
      providers: [
        { provide: TRADER_CONFIG, useValue: config },
        RunQueriesService,
        BacktestJobsService,
        ReplayService,
        ...modelRegistryProviders,
        TradingSessions,
        DrainState,
        ReadinessService,
        // ReadinessSignal[]: Redis and other optional dependencies join readiness and /status here.
        { provide: READINESS_SIGNALS, useFactory: (redis: RedisServices) => [redisReadinessSignal(redis)], inject: [RedisServices] },
        RedisMetricsBridge,
        ApiKeyRing,
        // Global guards run in this order: rate limit (also on bad keys), key and role, shutdown drain.
        { provide: APP_GUARD, useClass: RateLimitGuard },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        { provide: APP_GUARD, useClass: DrainGuard },
      ],
      exports: [DrainState, BacktestJobsService, TradingSessions, READINESS_SIGNALS],
    };
  }
}
