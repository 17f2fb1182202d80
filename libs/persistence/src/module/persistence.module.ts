import { Global, Inject, Injectable, Module, type DynamicModule, type InjectionToken, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { BAR_REPOSITORY, EVENT_STORE, RUN_REPOSITORY, type OperationObserver } from '@lib/kernel';
import { SqlBarRepository } from '../catalog/sql-bar-repository.js';
import { openDataSource } from '../data-source/data-source.factory.js';
import { SqlEventStore } from '../events/sql-event-store.js';
import { SqlModelRegistryStore } from '../registry/sql-model-registry-store.js';
import { SqlRunRepository } from '../runs/sql-run-repository.js';
import { SqlDecisionRecordRepository } from '../records/sql-decision-record-repository.js';
import { SqlPortfolioSnapshotRepository } from '../records/sql-portfolio-snapshot-repository.js';
import { SqlPredictionRepository } from '../records/sql-prediction-repository.js';
import { observeDataSource } from '../sql/sql-gateway.js';
import { TimeSeriesMaintenance, type TimeSeriesOptions } from '../time-series/time-series-maintenance.js';

/** The TypeORM DataSource behind the stores, initialized and migrated. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');

/** The model registry's store (a `ModelRegistryStore` of libs/ml), on the same database as the events. */
export const MODEL_REGISTRY_STORE = Symbol('MODEL_REGISTRY_STORE');

export interface PersistenceOptions {
  /** `sqlite:<path>`, `sqlite::memory:` or `postgres://...[?schema=name]`; see `databaseUrlFromEnv`. */
  readonly url: string;
  /** Receives the latency and error of every query (`events.append`, `bars.insert`, `runs.update`, `query`...). */
  readonly observer?: OperationObserver;
  /** Or: the token of an OperationObserver provider visible to this module (e.g. the metrics module's). */
  readonly observerToken?: InjectionToken;
  /**
   * Time-series maintenance (partitions ahead, retention, TimescaleDB policies) at bootstrap and
   * periodically; `false` disables it (short-lived CLIs). Default: enabled with default policies.
   */
  readonly timeSeries?: TimeSeriesOptions | false;
}

/**
 * Destroys the DataSource at application shutdown: after every module's onModuleDestroy and
 * beforeApplicationShutdown, so the bus can still flush its last events.
 */
@Injectable()
class DataSourceCloser implements OnApplicationShutdown {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.dataSource.isInitialized) await this.dataSource.destroy();
  }
}

const storeProviders: Provider[] = [
  { provide: EVENT_STORE, useFactory: (dataSource: DataSource) => new SqlEventStore(dataSource), inject: [DATA_SOURCE] },
  { provide: BAR_REPOSITORY, useFactory: (dataSource: DataSource) => new SqlBarRepository(dataSource), inject: [DATA_SOURCE] },
  { provide: RUN_REPOSITORY, useFactory: (dataSource: DataSource) => new SqlRunRepository(dataSource), inject: [DATA_SOURCE] },
  { provide: MODEL_REGISTRY_STORE, useFactory: (dataSource: DataSource) => new SqlModelRegistryStore(dataSource), inject: [DATA_SOURCE] },
  { provide: SqlDecisionRecordRepository, useFactory: (dataSource: DataSource) => new SqlDecisionRecordRepository(dataSource), inject: [DATA_SOURCE] },
  { provide: SqlPredictionRepository, useFactory: (dataSource: DataSource) => new SqlPredictionRepository(dataSource), inject: [DATA_SOURCE] },
  { provide: SqlPortfolioSnapshotRepository, useFactory: (dataSource: DataSource) => new SqlPortfolioSnapshotRepository(dataSource), inject: [DATA_SOURCE] },
];

const RECORD_REPOSITORIES = [SqlDecisionRecordRepository, SqlPredictionRepository, SqlPortfolioSnapshotRepository];

/**
 * Event store, bar catalog, run repository, model registry store, and the decision / prediction /
 * portfolio-snapshot repositories on SQLite or PostgreSQL, chosen by URL; with TimeSeriesMaintenance
 * keeping the time-series tables partitioned ahead and trimmed.
 */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceOptions): DynamicModule {
    const maintenance: Provider[] =
      options.timeSeries === false
        ? []
        : [
            {
              provide: TimeSeriesMaintenance,
              useFactory: (dataSource: DataSource) => new TimeSeriesMaintenance(dataSource, options.timeSeries || {}),
              inject: [DATA_SOURCE],
            },
          ];
    return {
      module: PersistenceModule,
      global: true,
      providers: [
        // Connecting and migrating in the factory means no store is ever handed out before its tables exist.
        {
          provide: DATA_SOURCE,
          useFactory: async (injected?: OperationObserver) => {
            const dataSource = await openDataSource(options.url);
            const observer = options.observer ?? injected;
            if (observer) observeDataSource(dataSource, observer);
            return dataSource;
          },
          inject: options.observerToken === undefined ? [] : [options.observerToken],
        },
        ...storeProviders,
        ...maintenance,
        DataSourceCloser,
      ],
      exports: [DATA_SOURCE, EVENT_STORE, BAR_REPOSITORY, RUN_REPOSITORY, MODEL_REGISTRY_STORE, ...RECORD_REPOSITORIES, ...(options.timeSeries === false ? [] : [TimeSeriesMaintenance])],
    };
  }
}
