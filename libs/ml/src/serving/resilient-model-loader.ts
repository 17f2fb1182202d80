import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import type { ModelTier } from '@lib/model';
import { OnnxTreeModel } from '../onnx/onnx-tree-model.js';
import type { ArtifactStore } from '../registry/artifact-store.js';
import type { ModelRegistry } from '../registry/model-registry.js';
import type { ModelVersion } from '../registry/model-version.js';

export interface LoadedSignalModel {
  readonly name: string;
  readonly tier: ModelTier;
  /** null only in the FLAT tier: no signal, the strategy goes flat. */
  readonly model: OnnxTreeModel | null;
  readonly version: number | null;
  /** Input order the model expects (its selected features). */
  readonly features: readonly string[];
  /** Why this tier, e.g. the error that made the loader fall back. */
  readonly reason: string;
}

interface CachedMeta {
  readonly name: string;
  readonly version: number;
  readonly sha256: string;
  readonly features: readonly string[];
}

export type FallbackListener = (event: { name: string; tier: ModelTier; reason: string }) => void;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * Four-tier resilient loading of a signal model:
 *   1. PRODUCTION: the registry's Production version, from the artifact store (checksum verified);
 *   2. CACHED: the last copy this process loaded successfully, from a local folder;
 *   3. PREVIOUS: the version that was Production before the current one;
 *   4. FLAT: no model: the strategy holds no position.
 * Every fall-back is logged through `onFallback` and counted; nothing here throws.
 */
export class ResilientModelLoader {
  readonly counts: Record<ModelTier, number> = { PRODUCTION: 0, CACHED: 0, PREVIOUS: 0, FLAT: 0 };

  constructor(
    private readonly registry: ModelRegistry,
    private readonly artifacts: ArtifactStore,
    private readonly cacheDir: string,
    private readonly onFallback: FallbackListener = () => undefined,
  ) {}

  async load(name: string): Promise<LoadedSignalModel> {
    const problems: string[] = [];
    const production = await this.tryRegistry(name, 'production', problems);
    if (production) return this.done(production);
    const cached = await this.tryCache(name, problems);
    if (cached) return this.done(cached, problems);
    const previous = await this.tryRegistry(name, 'previous', problems);
    if (previous) return this.done(previous, problems);
    return this.done({ name, tier: 'FLAT', model: null, version: null, features: [], reason: problems.join('; ') || 'no model registered' }, problems);
  }

  private done(loaded: LoadedSignalModel, problems: string[] = []): LoadedSignalModel {
    this.counts[loaded.tier]++;
    if (loaded.tier !== 'PRODUCTION') this.onFallback({ name: loaded.name, tier: loaded.tier, reason: problems.join('; ') || loaded.reason });
    return loaded;
  }

  private async tryRegistry(name: string, which: 'production' | 'previous', problems: string[]): Promise<LoadedSignalModel | null> {
    let version: ModelVersion | null;
    try {
      version = which === 'production' ? await this.registry.production(name) : await this.registry.previous(name);
    } catch (err) {
      problems.push(`registry ${which} lookup failed: ${(err as Error).message}`);
      return null;
    }
    if (!version) {
      problems.push(`no ${which} version of ${name}`);
      return null;
    }
    try {
      const bytes = await this.artifacts.get(version.artifact.uri, version.artifact.sha256);
      const model = await OnnxTreeModel.load(bytes);
      const tier: ModelTier = which === 'production' ? 'PRODUCTION' : 'PREVIOUS';
      const loaded = { name, tier, model, version: version.version, features: version.selectedFeatures, reason: `${which} v${version.version}` };
      if (which === 'production') await this.writeCache(name, version, bytes).catch((err: unknown) => problems.push(`cache write failed: ${(err as Error).message}`));
      return loaded;
    } catch (err) {
      problems.push(`${which} v${version.version} unusable: ${(err as Error).message}`);
      return null;
    }
  }

  private async tryCache(name: string, problems: string[]): Promise<LoadedSignalModel | null> {
    const dir = join(this.cacheDir, name);
    try {
      const meta = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as CachedMeta;
      const bytes = await readFile(join(dir, 'model.onnx'));
      if (sha256(bytes) !== meta.sha256) throw new Error(`cached copy of v${meta.version} fails its checksum`);
      const model = await OnnxTreeModel.load(bytes);
      return { name, tier: 'CACHED', model, version: meta.version, features: meta.features, reason: `cached v${meta.version}` };
    } catch (err) {
      problems.push(`no usable cached copy: ${(err as Error).message}`);
      return null;
    }
  }

  private async writeCache(name: string, version: ModelVersion, bytes: Uint8Array): Promise<void> {
    const dir = join(this.cacheDir, name);
    await mkdir(dir, { recursive: true });
    const meta: CachedMeta = { name, version: version.version, sha256: version.artifact.sha256, features: version.selectedFeatures };
    for (const [file, content] of [
      ['model.onnx', bytes],
      ['model.json', JSON.stringify(meta)],
    ] as const) {
      const tmp = join(dir, `.${file}.${process.pid}.tmp`);
      await writeFile(tmp, content);
      await rename(tmp, join(dir, file));
    }
  }
}

/**
 * Serves the current model of each name and swaps in a newly promoted one between bars:
 * `refresh()` loads the new version while the old one keeps serving, then switches in one
 * assignment, so no bar goes without a model.
 */
export class HotSwappingModelSource {
  private readonly current = new Map<string, LoadedSignalModel>();

  constructor(private readonly loader: ResilientModelLoader) {}

  get(name: string): LoadedSignalModel | undefined {
    return this.current.get(name);
  }

  /** Loads or reloads `name`; returns true when the served model changed. */
  async refresh(name: string): Promise<boolean> {
    const before = this.current.get(name);
    const next = await this.loader.load(name);
    const changed = !before || before.tier !== next.tier || before.version !== next.version;
    if (!changed) {
      await next.model?.dispose();
      return false;
    }
    this.current.set(name, next);
    await before?.model?.dispose();
    return true;
  }
}
