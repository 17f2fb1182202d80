import type { JsonObject, JsonValue } from '@lib/model';
import type { ModelRegistryStore, ModelVersionQuery, RegistrySnapshot, StageDecision, StageUpdate } from './model-registry-store.port.js';
import type { ModelVersion, ModelVersionDraft, NewModelVersion, StageTransition } from './model-version.js';
import { InvalidModelVersionError, ModelVersionNotFoundError } from './registry.errors.js';
import { planArchive, planPromotion, planPromotionByTag, planRollback, planStaging, rollbackTarget } from './stage-rules.js';

export interface ModelRegistryOptions {
  /** Wall clock for the bookkeeping timestamps (ms); defaults to Date.now. */
  readonly now?: () => number;
}

export interface PromotionResult {
  readonly promoted: ModelVersion;
  /** The version that was in Production before, now Archived. */
  readonly archived: ModelVersion | null;
}

export interface RollbackResult {
  readonly restored: ModelVersion;
  /** The version that was in Production, now Archived (null when none was). */
  readonly archived: ModelVersion | null;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const MAX_NAME_LENGTH = 200;
const SHA256_HEX = /^[0-9a-f]{64}$/;

/**
 * Model versions and their stages (None → Staging → Production → Archived) over a store.
 * Every stage change is decided by the pure rules of stage-rules.ts inside the store's
 * transaction and recorded in the history with its reason.
 */
export class ModelRegistry {
  private readonly now: () => number;

  constructor(
    private readonly store: ModelRegistryStore,
    options: ModelRegistryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
  }

  /** Validates and stores the next version of `draft.name`, in stage None. */
  async register(draft: ModelVersionDraft, reason = 'registered'): Promise<ModelVersion> {
    const model = normalizeDraft(draft);
    if (model.parent && !(await this.store.get(model.parent.name, model.parent.version))) {
      throw new InvalidModelVersionError(`${model.name}: parent ${model.parent.name} v${model.parent.version} does not exist`);
    }
    return this.store.create(model, this.now(), reason);
  }

  /** @throws ModelVersionNotFoundError */
  async get(name: string, version: number): Promise<ModelVersion> {
    const model = await this.store.get(name, version);
    if (!model) throw new ModelVersionNotFoundError(name, version);
    return model;
  }

  find(name: string, version: number): Promise<ModelVersion | null> {
    return this.store.get(name, version);
  }

  /** Ascending by name, then version. */
  list(query: ModelVersionQuery = {}): Promise<ModelVersion[]> {
    return this.store.list(query);
  }

  /** The highest version of `name`, whatever its stage. */
  async latest(name: string): Promise<ModelVersion | null> {
    const versions = await this.store.list({ name });
    return versions.at(-1) ?? null;
  }

  /** The version serving now (tier 1 of the resilient loader). */
  async production(name: string): Promise<ModelVersion | null> {
    const [model] = await this.store.list({ name, stage: 'Production' });
    return model ?? null;
  }

  /** The version a rollback would restore (the loader's "previous version" tier); see `rollbackTarget`. */
  async previous(name: string): Promise<ModelVersion | null> {
    return rollbackTarget(await this.store.snapshot(name));
  }

  snapshot(name: string): Promise<RegistrySnapshot> {
    return this.store.snapshot(name);
  }

  history(name: string, version?: number): Promise<StageTransition[]> {
    return this.store.history(name, version);
  }

  /** None → Staging. */
  async moveToStaging(name: string, version: number, reason = 'staged'): Promise<ModelVersion> {
    const update = await this.update(name, (s) => planStaging(s, version, reason));
    return pick(update, version);
  }

  /**
   * Staging → Production, only when the stored gates verdict is promotable (else ModelPromotionError,
   * code REGISTRY.GATES_FAILED, with the reasons); the previous Production version is archived.
   */
  async promote(name: string, version: number, reason = 'promoted'): Promise<PromotionResult> {
    return promotionResult(await this.update(name, (s) => planPromotion(s, version, reason)));
  }

  /** Promotes the highest version of `name` tagged `tag`, under the same rules as `promote`. */
  async promoteByTag(name: string, tag: string, reason = `promoted by tag '${tag}'`): Promise<PromotionResult> {
    return promotionResult(await this.update(name, (s) => planPromotionByTag(s, tag, reason)));
  }

  /**
   * Restores the version most recently displaced from Production by a promotion and archives the
   * current one. @throws NoRollbackTargetError when there is none.
   */
  async rollback(name: string, reason = 'rollback'): Promise<RollbackResult> {
    const update = await this.update(name, (s) => planRollback(s, reason));
    const restored = update.transitions.at(-1)!;
    const archived = update.transitions.length > 1 ? update.transitions[0]! : null;
    return { restored: pick(update, restored.version), archived: archived ? pick(update, archived.version) : null };
  }

  /** Any stage but Archived → Archived. */
  async archive(name: string, version: number, reason = 'archived'): Promise<ModelVersion> {
    return pick(await this.update(name, (s) => planArchive(s, version, reason)), version);
  }

  async addTags(name: string, version: number, tags: readonly string[]): Promise<ModelVersion> {
    const model = await this.store.updateTags(name, version, { add: normalizeTags(tags, name) }, this.now());
    if (!model) throw new ModelVersionNotFoundError(name, version);
    return model;
  }

  async removeTags(name: string, version: number, tags: readonly string[]): Promise<ModelVersion> {
    const model = await this.store.updateTags(name, version, { remove: normalizeTags(tags, name) }, this.now());
    if (!model) throw new ModelVersionNotFoundError(name, version);
    return model;
  }

  private update(name: string, decide: StageDecision): Promise<StageUpdate> {
    return this.store.updateStages(name, decide, this.now());
  }
}

function pick(update: StageUpdate, version: number): ModelVersion {
  const model = update.versions.find((v) => v.version === version);
  if (!model) throw new Error(`registry store returned no v${version} after updating it`);
  return model;
}

function promotionResult(update: StageUpdate): PromotionResult {
  const promoted = update.transitions.at(-1)!;
  const archived = update.transitions.length > 1 ? update.transitions[0]! : null;
  return { promoted: pick(update, promoted.version), archived: archived ? pick(update, archived.version) : null };
}

/** Checks a draft and resolves its defaults; every problem is reported at once. */
export function normalizeDraft(draft: ModelVersionDraft): NewModelVersion {
  const problems: string[] = [];
  const label = typeof draft.name === 'string' ? draft.name : '(unnamed)';
  if (typeof draft.name !== 'string' || !NAME.test(draft.name) || draft.name.length > MAX_NAME_LENGTH) {
    problems.push(`name ${JSON.stringify(draft.name)} must be 1-${MAX_NAME_LENGTH} characters of [A-Za-z0-9._-], starting with a letter or digit`);
  }
  if (typeof draft.kind !== 'string' || draft.kind.trim() === '') problems.push('kind must be a non-empty string');
  checkJsonObject(draft.params, 'params', problems);
  checkJsonObject(draft.metrics, 'metrics', problems);
  const range = draft.dataRange;
  if (!range || !Number.isSafeInteger(range.fromMs) || !Number.isSafeInteger(range.toMs) || range.fromMs > range.toMs) {
    problems.push(`dataRange must be integer ms with fromMs <= toMs, got ${JSON.stringify(range)}`);
  }
  const features = checkNames(draft.features, 'features', problems);
  const selected = draft.selectedFeatures === undefined ? features : checkNames(draft.selectedFeatures, 'selectedFeatures', problems);
  const known = new Set(features);
  const unknown = selected.filter((f) => !known.has(f));
  if (unknown.length > 0) problems.push(`selectedFeatures not in features: ${unknown.join(', ')}`);
  const parent = draft.parent ?? null;
  if (parent !== null && (typeof parent.name !== 'string' || !NAME.test(parent.name) || !Number.isSafeInteger(parent.version) || parent.version < 1)) {
    problems.push(`parent must be { name, version >= 1 }, got ${JSON.stringify(parent)}`);
  }
  const artifact = draft.artifact;
  const sha256 = typeof artifact?.sha256 === 'string' ? artifact.sha256.toLowerCase() : '';
  if (!artifact || typeof artifact.uri !== 'string' || artifact.uri === '') problems.push('artifact.uri must be a non-empty string');
  if (!SHA256_HEX.test(sha256)) problems.push(`artifact.sha256 must be 64 hex digits, got ${JSON.stringify(artifact?.sha256)}`);
  if (!artifact || !Number.isSafeInteger(artifact.size) || artifact.size < 0) problems.push(`artifact.size must be a non-negative integer, got ${JSON.stringify(artifact?.size)}`);
  const gates = draft.gates;
  if (!gates || typeof gates.promotable !== 'boolean' || !Array.isArray(gates.reasons) || !gates.reasons.every((r) => typeof r === 'string')) {
    problems.push('gates must be { promotable: boolean, reasons: string[] }');
  }
  let tags: string[] = [];
  try {
    tags = normalizeTags(draft.tags ?? [], label);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (problems.length > 0) throw new InvalidModelVersionError(`${label}: ${problems.join('; ')}`);
  return {
    name: draft.name,
    kind: draft.kind,
    params: draft.params,
    metrics: draft.metrics,
    dataRange: { fromMs: range.fromMs, toMs: range.toMs },
    features: [...features],
    selectedFeatures: [...selected],
    parent: parent === null ? null : { name: parent.name, version: parent.version },
    artifact: { uri: artifact.uri, sha256, size: artifact.size },
    gates: { promotable: gates.promotable, reasons: [...gates.reasons] },
    tags,
  };
}

/** Non-empty, trimmed-equal, at most 200 characters; duplicates dropped, order kept. */
function normalizeTags(tags: readonly string[], label: string): string[] {
  if (!Array.isArray(tags)) throw new InvalidModelVersionError(`${label}: tags must be an array of strings`);
  const bad = tags.filter((t) => typeof t !== 'string' || t === '' || t.trim() !== t || t.length > 200);
  if (bad.length > 0) throw new InvalidModelVersionError(`${label}: invalid tags ${JSON.stringify(bad)} (non-empty, no surrounding spaces, at most 200 characters)`);
  return [...new Set(tags)];
}

function checkNames(names: readonly string[] | undefined, field: string, problems: string[]): string[] {
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n !== '')) {
    problems.push(`${field} must be an array of non-empty strings`);
    return [];
  }
  const seen = new Set<string>();
  const dup = names.filter((n) => (seen.has(n) ? true : (seen.add(n), false)));
  if (dup.length > 0) problems.push(`${field} has duplicates: ${[...new Set(dup)].join(', ')}`);
  return [...names];
}

/** A plain JSON object with finite numbers only (NaN and Infinity would not survive a round trip). */
function checkJsonObject(value: JsonObject, field: string, problems: string[]): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    problems.push(`${field} must be a JSON object`);
    return;
  }
  const bad = findNonJson(value, field);
  if (bad) problems.push(bad);
}

function findNonJson(value: JsonValue, path: string): string | null {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return null;
  if (typeof value === 'number') return Number.isFinite(value) ? null : `${path} is ${value} (only finite numbers survive JSON)`;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const bad = findNonJson(value[i]!, `${path}[${i}]`);
      if (bad) return bad;
    }
    return null;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) return `${path}.${k} is undefined`;
      const bad = findNonJson(v, `${path}.${k}`);
      if (bad) return bad;
    }
    return null;
  }
  return `${path} is not JSON (${typeof value})`;
}
