import { Module, type DynamicModule } from '@nestjs/common';
import { CatalogImporter } from './catalog/catalog-importer.js';
import { DataEngine } from './engine/data-engine.js';

export const DATA_PROVIDERS = [DataEngine];

/**
 * The DataEngine, on the kernel's MessageBus and Cache (KernelModule, global). The catalog
 * importer needs only a BarRepository (BAR_REPOSITORY, from persistence): CatalogModule, which
 * an import job uses without any kernel; `DataModule.withCatalog()` gives both.
 */
@Module({ providers: DATA_PROVIDERS, exports: DATA_PROVIDERS })
export class DataModule {
  static withCatalog(): DynamicModule {
    return { module: DataModule, providers: [CatalogImporter], exports: [CatalogImporter] };
  }
}

/** The catalog importer alone: no kernel needed (used by `npm run import`). */
@Module({ providers: [CatalogImporter], exports: [CatalogImporter] })
export class CatalogModule {}
