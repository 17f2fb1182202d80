import { readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ArtifactStoreError } from './artifact-store.js';
import type { LocalArtifactStore } from './local-artifact-store.js';
import type { ModelRegistry } from './model-registry.js';
import type { ModelVersion } from './model-version.js';

/** Why an artifact is kept. */
export type RetentionReason = 'production' | 'rollback' | 'newest-staging';

/**
 * The artifacts a deployment needs: per model, the Production version (served), the version a
 * rollback would restore (the loader's previous tier), and the newest Staging version (the one an
 * operator may promote next). Older Staging and Archived versions stay in the registry; their
 * files may go, so a model image does not grow by a version a week.
 */
export async function artifactsToKeep(registry: ModelRegistry): Promise<Map<string, RetentionReason>> {
  const byName = new Map<string, ModelVersion[]>();
  for (const v of await registry.list()) byName.set(v.name, [...(byName.get(v.name) ?? []), v]);
  const keep = new Map<string, RetentionReason>();
  for (const [name, versions] of byName) {
    const production = versions.find((v) => v.stage === 'Production');
    if (production) keep.set(production.artifact.uri, 'production');
    const rollback = await registry.previous(name);
    if (rollback && !keep.has(rollback.artifact.uri)) keep.set(rollback.artifact.uri, 'rollback');
    const staging = versions.filter((v) => v.stage === 'Staging').at(-1);
    if (staging && !keep.has(staging.artifact.uri)) keep.set(staging.artifact.uri, 'newest-staging');
  }
  return keep;
}

export interface PruneReport {
  readonly kept: ReadonlyArray<{ readonly uri: string; readonly size: number; readonly reason: RetentionReason }>;
  readonly removed: ReadonlyArray<{ readonly uri: string; readonly size: number }>;
}

/**
 * Deletes the model files of a local artifact store that `keep` does not name (only under
 * `models/`: datasets and reports are not this function's business). `dryRun` reports without
 * deleting. A kept URI whose file is missing is an error: the registry would point at nothing.
 */
export async function pruneLocalModelArtifacts(store: LocalArtifactStore, keep: ReadonlyMap<string, RetentionReason>, options: { dryRun?: boolean } = {}): Promise<PruneReport> {
  const kept: { uri: string; size: number; reason: RetentionReason }[] = [];
  const removed: { uri: string; size: number }[] = [];
  const seen = new Set<string>();
  for (const path of await filesUnder(join(store.rootDir, 'models'))) {
    const key = relative(store.rootDir, path).split(sep).join('/');
    const uri = store.uriFor(key);
    const size = (await stat(path)).size;
    const reason = keep.get(uri);
    if (reason !== undefined) {
      kept.push({ uri, size, reason });
      seen.add(uri);
      continue;
    }
    if (!options.dryRun) await store.delete(uri);
    removed.push({ uri, size });
  }
  const modelsPrefix = `${pathToFileURL(join(store.rootDir, 'models')).href}/`;
  const missing = [...keep.keys()].filter((uri) => uri.startsWith(modelsPrefix) && !seen.has(uri));
  if (missing.length > 0) throw new ArtifactStoreError('ARTIFACT.NOT_FOUND', `the registry keeps ${missing.length} artifact(s) this store does not hold: ${missing.join(', ')}`);
  return { kept, removed };
}

async function filesUnder(dir: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await filesUnder(path)));
    else if (e.isFile()) out.push(path);
  }
  return out;
}
