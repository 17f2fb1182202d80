import { Injectable, Module, RequestMethod, type DynamicModule, type MiddlewareConsumer, type NestModule, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE, observeDataSource } from '@lib/persistence';
import { httpMetricsMiddleware } from './http/http-metrics.middleware.js';
import { jsonLoggerParams, type JsonLoggingOptions } from './logging/logger-params.js';
import { dbObserver } from './metrics/operation-observers.js';
import { TradingMetrics } from './metrics/trading-metrics.js';

/** Reports the app's own DataSource (the API's queries) to tm_db_*, when the app has one. */
@Injectable()
class DataSourceMetricsBinder implements OnApplicationBootstrap {
  constructor(private readonly moduleRef: ModuleRef) {}

  onApplicationBootstrap(): void {
    let dataSource: DataSource | undefined;
    try {
      dataSource = this.moduleRef.get<DataSource>(DATA_SOURCE, { strict: false });
    } catch {
      return; // no persistence in this app
    }
    observeDataSource(dataSource, dbObserver());
  }
}

/**
 * JSON logs (nestjs-pino) and HTTP/database metrics for an HTTP app. Import once at the root;
 * then `app.useLogger(app.get(Logger))` (nestjs-pino's Logger) so Nest's own lines are JSON too.
 */
@Module({})
export class ObservabilityModule implements NestModule {
  static forRoot(options: JsonLoggingOptions): DynamicModule {
    TradingMetrics.shared();
    return {
      module: ObservabilityModule,
      global: true,
      imports: [LoggerModule.forRoot(jsonLoggerParams(options))],
      providers: [DataSourceMetricsBinder],
      exports: [LoggerModule],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(httpMetricsMiddleware()).forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
