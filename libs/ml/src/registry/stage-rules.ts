import type { ModelVersion, StageTransition } from './model-version.js';
import type { RegistrySnapshot, StageChange } from './model-registry-store.port.js';
import { InvalidStageTransitionError, ModelPromotionError, ModelVersionNotFoundError, NoRollbackTargetError } from './registry.errors.js';

/*
 * The stage rules, as pure functions of a snapshot: the store runs them under the name's lock,
 * so a rule and the writes it decides are one atomic step.
 *
 *   register ─▶ None ─stage─▶ Staging ─promote (gates)─▶ Production ─promote of another─▶ Archived
 *                 └──────────────┴──archive──▶ Archived ◀──archive / rollback──┘
 *   Archived ─rollback─▶ Production   (only a version displaced from Production by a promotion)
 */

/** None → Staging. */
export function planStaging(snapshot: RegistrySnapshot, version: number, reason: string): StageChange[] {
  const model = requireVersion(snapshot, version);
  if (model.stage !== 'None') {
    throw new InvalidStageTransitionError(snapshot.name, version, model.stage, 'Staging', 'only a newly registered (None) version can be staged');
  }
  return [{ version, to: 'Staging', action: 'stage', reason }];
}

/**
 * Staging → Production when the stored gates verdict is promotable; the current Production
 * version (if any) is archived first, so a name never has two.
 */
export function planPromotion(snapshot: RegistrySnapshot, version: number, reason: string): StageChange[] {
  const model = requireVersion(snapshot, version);
  if (model.stage !== 'Staging') {
    const detail = model.stage === 'Production' ? 'it is already in Production' : 'only a Staging version can be promoted';
    throw new InvalidStageTransitionError(snapshot.name, version, model.stage, 'Production', detail);
  }
  if (!model.gates.promotable) throw new ModelPromotionError(snapshot.name, version, model.gates.reasons);
  const current = productionOf(snapshot.versions);
  const changes: StageChange[] = [];
  if (current) changes.push({ version: current.version, to: 'Archived', action: 'promote', reason: `replaced by v${version}: ${reason}` });
  changes.push({ version, to: 'Production', action: 'promote', reason });
  return changes;
}

/** Promotes the highest version carrying `tag` (same rules as `planPromotion`). */
export function planPromotionByTag(snapshot: RegistrySnapshot, tag: string, reason: string): StageChange[] {
  const model = taggedVersion(snapshot.versions, tag);
  if (!model) throw new ModelVersionNotFoundError(snapshot.name, null, `no version of ${snapshot.name} is tagged '${tag}'`);
  return planPromotion(snapshot, model.version, reason);
}

/** Any stage but Archived → Archived (a rejected candidate, or a Production model withdrawn without replacement). */
export function planArchive(snapshot: RegistrySnapshot, version: number, reason: string): StageChange[] {
  const model = requireVersion(snapshot, version);
  if (model.stage === 'Archived') throw new InvalidStageTransitionError(snapshot.name, version, 'Archived', 'Archived', 'it is already archived');
  return [{ version, to: 'Archived', action: 'archive', reason }];
}

/** Archives the current Production version (if any) and restores `rollbackTarget`. */
export function planRollback(snapshot: RegistrySnapshot, reason: string): StageChange[] {
  if (snapshot.versions.length === 0) throw new ModelVersionNotFoundError(snapshot.name, null);
  const target = rollbackTarget(snapshot);
  if (!target) throw new NoRollbackTargetError(snapshot.name);
  const current = productionOf(snapshot.versions);
  const changes: StageChange[] = [];
  if (current) changes.push({ version: current.version, to: 'Archived', action: 'rollback', reason: `rolled back to v${target.version}: ${reason}` });
  changes.push({ version: target.version, to: 'Production', action: 'rollback', reason });
  return changes;
}

/**
 * The version a rollback restores, which is also the "previous version" tier of the resilient
 * loader: the one most recently displaced from Production by a promotion and untouched since.
 * A version archived by a rollback is not a candidate (it was rolled back for a reason), so
 * repeated rollbacks walk back through earlier Production versions instead of flip-flopping.
 */
export function rollbackTarget(snapshot: RegistrySnapshot): ModelVersion | null {
  const lastTransition = new Map<number, StageTransition>();
  for (const t of snapshot.history) lastTransition.set(t.version, t);
  for (let i = snapshot.history.length - 1; i >= 0; i--) {
    const t = snapshot.history[i]!;
    if (t.from !== 'Production' || t.to !== 'Archived' || t.action !== 'promote' || lastTransition.get(t.version) !== t) continue;
    const model = snapshot.versions.find((v) => v.version === t.version);
    if (model?.stage === 'Archived') return model;
  }
  return null;
}

export function productionOf(versions: readonly ModelVersion[]): ModelVersion | null {
  return versions.find((v) => v.stage === 'Production') ?? null;
}

/** The highest version carrying `tag`. */
export function taggedVersion(versions: readonly ModelVersion[], tag: string): ModelVersion | null {
  let best: ModelVersion | null = null;
  for (const v of versions) if (v.tags.includes(tag) && (best === null || v.version > best.version)) best = v;
  return best;
}

function requireVersion(snapshot: RegistrySnapshot, version: number): ModelVersion {
  const model = snapshot.versions.find((v) => v.version === version);
  if (!model) throw new ModelVersionNotFoundError(snapshot.name, version);
  return model;
}
