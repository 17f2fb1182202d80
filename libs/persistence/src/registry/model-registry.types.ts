/**
 * The registry's store port and records are defined by libs/ml (plain TypeScript, no database).
 * Type-only, so nothing of libs/ml is loaded at run time by persistence.
 */
export type {
  ModelRegistryStore,
  ModelStage,
  ModelVersion,
  ModelVersionQuery,
  NewModelVersion,
  RegistrySnapshot,
  StageAction,
  StageDecision,
  StageTransition,
  StageUpdate,
  TagChange,
} from '@lib/ml';
