import { Module, type DynamicModule } from '@nestjs/common';
import { CatalogImporter } from './catalog/catalog-importer.js';
import { DataEngine } from './engine/data-engine.js';

export const DATA_PROVIDERS = [DataEngine];

/**
 * The DataEngine, on the kernel's MessageBus and Cache (KernelModule, global). The catalog
 * importer also needs a BarRepository (BAR_REPOSITORY, from persistence): `DataModule.withCatalog()`.
 */
@Module({ providers: DATA_PROVIDERS, exports: DATA_PROVIDERS })
export class DataModule {
  static withCatalog(): DynamicModule {
    return { module: DataModule, providers: [CatalogImporter], exports: [CatalogImporter] };
  }
}
