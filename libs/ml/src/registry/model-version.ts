import type { JsonObject } from '@lib/model';

/** MLflow's stages: a version is registered in None, staged, promoted, and archived when replaced. */
export type ModelStage = 'None' | 'Staging' | 'Production' | 'Archived';
export const MODEL_STAGES: readonly ModelStage[] = ['None', 'Staging', 'Production', 'Archived'];

/** What caused a stage change (kept in the history next to the free-text reason). */
export type StageAction = 'register' | 'stage' | 'promote' | 'archive' | 'rollback';
export const STAGE_ACTIONS: readonly StageAction[] = ['register', 'stage', 'promote', 'archive', 'rollback'];

export interface ModelVersionRef {
  readonly name: string;
  readonly version: number;
}

/** The bars a model was trained and validated on, as open times in ms (inclusive). */
export interface DataRange {
  readonly fromMs: number;
  readonly toMs: number;
}

/** Where the serialized model (ONNX) is and its checksum, as an ArtifactStore returned them. */
export interface ArtifactRef {
  readonly uri: string;
  readonly sha256: string;
  readonly size: number;
}

/** The validation gates' verdict, decided once by the trainer and stored with the version. */
export interface GatesVerdict {
  readonly promotable: boolean;
  /** Why (e.g. `walk-forward IC 0.012 < 0.03`); kept for passing models too. */
  readonly reasons: readonly string[];
}

/** What the trainer hands to `ModelRegistry.register`. */
export interface ModelVersionDraft {
  /** e.g. `signal-BTCUSDT-PERP`: letters, digits, `.`, `_`, `-`; at most 200 characters. */
  readonly name: string;
  /** e.g. `gbdt`, `random_forest`, `hmm`, `sac`. */
  readonly kind: string;
  readonly params: JsonObject;
  /** Walk-forward IC, ICIR, Sharpe, ...: finite numbers only (JSON has no NaN). */
  readonly metrics: JsonObject;
  readonly dataRange: DataRange;
  /** Every candidate feature, in the model's input order. */
  readonly features: readonly string[];
  /** The subset feature selection kept (Boruta); defaults to `features`. */
  readonly selectedFeatures?: readonly string[];
  /** The version it was warm-started from (transfer learning), if any. */
  readonly parent?: ModelVersionRef | null;
  readonly artifact: ArtifactRef;
  readonly gates: GatesVerdict;
  readonly tags?: readonly string[];
}

/** A validated draft with every optional field resolved: what a store is asked to create. */
export interface NewModelVersion {
  readonly name: string;
  readonly kind: string;
  readonly params: JsonObject;
  readonly metrics: JsonObject;
  readonly dataRange: DataRange;
  readonly features: readonly string[];
  readonly selectedFeatures: readonly string[];
  readonly parent: ModelVersionRef | null;
  readonly artifact: ArtifactRef;
  readonly gates: GatesVerdict;
  readonly tags: readonly string[];
}

/** A registered version. Timestamps are wall-clock ms: bookkeeping only, never trading inputs. */
export interface ModelVersion extends NewModelVersion {
  /** 1, 2, 3, ... per name, assigned by the store. */
  readonly version: number;
  readonly stage: ModelStage;
  readonly createdAt: number;
  /** Last change of stage or tags. */
  readonly updatedAt: number;
  readonly stageChangedAt: number;
}

/** One row of the stage history; `from` is null for the registration itself. */
export interface StageTransition {
  /** Store-assigned, increasing in the order transitions were committed (per name). */
  readonly seq: number;
  readonly name: string;
  readonly version: number;
  readonly from: ModelStage | null;
  readonly to: ModelStage;
  readonly action: StageAction;
  readonly reason: string;
  readonly at: number;
}

export function isModelStage(value: unknown): value is ModelStage {
  return typeof value === 'string' && (MODEL_STAGES as readonly string[]).includes(value);
}

export function isStageAction(value: unknown): value is StageAction {
  return typeof value === 'string' && (STAGE_ACTIONS as readonly string[]).includes(value);
}
