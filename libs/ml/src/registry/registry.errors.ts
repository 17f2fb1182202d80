import type { ModelStage } from './model-version.js';

export type ModelRegistryErrorCode =
  | 'REGISTRY.GATES_FAILED'
  | 'REGISTRY.NOT_FOUND'
  | 'REGISTRY.INVALID_TRANSITION'
  | 'REGISTRY.NO_ROLLBACK_TARGET'
  | 'REGISTRY.INVALID_MODEL';

export class ModelRegistryError extends Error {
  constructor(
    readonly code: ModelRegistryErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'ModelRegistryError';
  }
}

/** The version's stored gates verdict is not promotable: it is never promoted. */
export class ModelPromotionError extends ModelRegistryError {
  constructor(
    readonly modelName: string,
    readonly version: number,
    readonly reasons: readonly string[],
  ) {
    super('REGISTRY.GATES_FAILED', `${modelName} v${version} failed its validation gates and cannot be promoted: ${reasons.join('; ') || 'no reason recorded'}`);
    this.name = 'ModelPromotionError';
  }
}

export class ModelVersionNotFoundError extends ModelRegistryError {
  constructor(
    readonly modelName: string,
    readonly version: number | null,
    detail?: string,
  ) {
    super('REGISTRY.NOT_FOUND', detail ?? (version === null ? `model ${modelName} has no versions` : `model ${modelName} v${version} does not exist`));
    this.name = 'ModelVersionNotFoundError';
  }
}

export class InvalidStageTransitionError extends ModelRegistryError {
  constructor(
    readonly modelName: string,
    readonly version: number,
    readonly from: ModelStage,
    readonly to: ModelStage,
    detail: string,
  ) {
    super('REGISTRY.INVALID_TRANSITION', `${modelName} v${version}: cannot go from ${from} to ${to}: ${detail}`);
    this.name = 'InvalidStageTransitionError';
  }
}

/** Rollback asked for, but no version was ever displaced from Production by a promotion (or all were rolled back already). */
export class NoRollbackTargetError extends ModelRegistryError {
  constructor(readonly modelName: string) {
    super('REGISTRY.NO_ROLLBACK_TARGET', `model ${modelName} has no previous Production version to roll back to`);
    this.name = 'NoRollbackTargetError';
  }
}

/** A draft the registry refuses to store (bad name, checksum, range, features...). */
export class InvalidModelVersionError extends ModelRegistryError {
  constructor(message: string) {
    super('REGISTRY.INVALID_MODEL', message);
    this.name = 'InvalidModelVersionError';
  }
}
