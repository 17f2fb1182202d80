export * from './artifact-store.js';
export { LocalArtifactStore } from './local-artifact-store.js';
export * from './model-version.js';
export type { ModelRegistryStore, ModelVersionQuery, RegistrySnapshot, StageChange, StageDecision, StageUpdate, TagChange } from './model-registry-store.port.js';
export * from './registry.errors.js';
export * from './stage-rules.js';
export { ModelRegistry, normalizeDraft, type ModelRegistryOptions, type PromotionResult, type RollbackResult } from './model-registry.js';
export { InMemoryModelRegistryStore } from './in-memory-model-registry-store.js';
