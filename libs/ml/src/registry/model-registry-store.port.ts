import type { ModelStage, ModelVersion, NewModelVersion, StageAction, StageTransition } from './model-version.js';

/** Everything the registry knows about one model name, read consistently. */
export interface RegistrySnapshot {
  readonly name: string;
  /** Ascending by version. */
  readonly versions: readonly ModelVersion[];
  /** Ascending by seq. */
  readonly history: readonly StageTransition[];
}

/** One stage change asked of the store; `from` is whatever the version's stage is when it is applied. */
export interface StageChange {
  readonly version: number;
  readonly to: ModelStage;
  readonly action: StageAction;
  readonly reason: string;
}

/**
 * Decides, from a consistent snapshot taken under the name's lock, which changes to make (applied
 * in order). Synchronous and pure: SQLite runs it inside a native transaction. Throwing aborts the
 * whole update and the error reaches the caller unchanged.
 */
export type StageDecision = (snapshot: RegistrySnapshot) => readonly StageChange[];

export interface StageUpdate {
  /** The transitions recorded, in order. */
  readonly transitions: readonly StageTransition[];
  /** Every version of the name after the update, ascending. */
  readonly versions: readonly ModelVersion[];
}

export interface ModelVersionQuery {
  readonly name?: string;
  readonly stage?: ModelStage;
  readonly tag?: string;
}

export interface TagChange {
  readonly add?: readonly string[];
  readonly remove?: readonly string[];
}

/**
 * Storage of the model registry (SQL tables in `@lib/persistence`, or in memory for tests).
 * The store owns atomicity; the rules live in ModelRegistry (see stage-rules.ts).
 */
export interface ModelRegistryStore {
  /**
   * Stores `model` as the next version of its name (1 for a new name; concurrent calls, even from
   * other processes, get distinct versions) in stage None, with a `register` history row.
   */
  create(model: NewModelVersion, at: number, reason: string): Promise<ModelVersion>;
  get(name: string, version: number): Promise<ModelVersion | null>;
  /** Ascending by name, then version. */
  list(query?: ModelVersionQuery): Promise<ModelVersion[]>;
  /** Versions and history of a name in one consistent read (empty for an unknown name). */
  snapshot(name: string): Promise<RegistrySnapshot>;
  /**
   * Under a lock on `name` (serializing every update of that name, across processes): takes a
   * snapshot, asks `decide` what to change, applies each change and records it in the history,
   * all in one transaction. Nothing is written when `decide` throws or a change fails.
   */
  updateStages(name: string, decide: StageDecision, at: number): Promise<StageUpdate>;
  /** Atomically adds then removes tags; null when the version does not exist. */
  updateTags(name: string, version: number, change: TagChange, at: number): Promise<ModelVersion | null>;
  /** Ascending by seq; all versions of `name` unless `version` is given. */
  history(name: string, version?: number): Promise<StageTransition[]>;
}
