import { Global, Inject, Injectable, Module, type DynamicModule, type OnApplicationShutdown, type Provider } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { BAR_REPOSITORY, EVENT_STORE, RUN_REPOSITORY } from '@lib/kernel';
import { SqlBarRepository } from '../catalog/sql-bar-repository.js';
import { openDataSource } from '../data-source/data-source.factory.js';
import { SqlEventStore } from '../events/sql-event-store.js';
import { SqlModelRegistryStore } from '../registry/sql-model-registry-store.js';
import { SqlRunRepository } from '../runs/sql-run-repository.js';

/** The TypeORM DataSource behind the stores, initialized and migrated. */
export const DATA_SOURCE = Symbol('DATA_SOURCE');

/** The model registry's store (a `ModelRegistryStore` of libs/ml), on the same database as the events. */
export const MODEL_REGISTRY_STORE = Symbol('MODEL_REGISTRY_STORE');

export interface PersistenceOptions {
  /** `sqlite:<path>`, `sqlite::memory:` or `postgres://...[?schema=name]`; see `databaseUrlFromEnv`. */
  readonly url: string;
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
];

/** Event store, bar catalog, run repository and model registry store on SQLite or PostgreSQL, chosen by URL. */
@Global()
@Module({})
export class PersistenceModule {
  static forRoot(options: PersistenceOptions): DynamicModule {
    return {
      module: PersistenceModule,
      global: true,
      providers: [
        // Connecting and migrating in the factory means no store is ever handed out before its tables exist.
        { provide: DATA_SOURCE, useFactory: () => openDataSource(options.url) },
        ...storeProviders,
        DataSourceCloser,
      ],
      exports: [DATA_SOURCE, EVENT_STORE, BAR_REPOSITORY, RUN_REPOSITORY, MODEL_REGISTRY_STORE],
    };
  }
}
