import type { Provider } from '@nestjs/common';
import { ModelRegistry, createArtifactStore, type ArtifactStore, type ModelRegistryStore } from '@lib/ml';
import { MODEL_REGISTRY_STORE } from '@lib/persistence';
import type { TraderConfig } from '@config';
import { TRADER_CONFIG } from '../trader-config.token.js';

/** The `ArtifactStore` the admin API checks model artifacts in (local folder or S3, per config.artifacts). */
export const ARTIFACT_STORE = Symbol('ARTIFACT_STORE');

export const modelRegistryProviders: Provider[] = [
  { provide: ARTIFACT_STORE, useFactory: (config: TraderConfig): ArtifactStore => createArtifactStore(config.artifacts), inject: [TRADER_CONFIG] },
  { provide: ModelRegistry, useFactory: (store: ModelRegistryStore) => new ModelRegistry(store), inject: [MODEL_REGISTRY_STORE] },
];
