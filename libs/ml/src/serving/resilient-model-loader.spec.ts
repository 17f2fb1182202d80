/** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { exportTreeEnsembleToOnnx } from '../onnx/tree-ensemble-onnx-export.js';
import { randomTreeEnsemble } from '../onnx/synthetic-ensemble.js';
import { LocalArtifactStore } from '../registry/local-artifact-store.js';
import { InMemoryModelRegistryStore } from '../registry/in-memory-model-registry-store.js';
import { ModelRegistry } from '../registry/model-registry.js';
import { modelArtifactKey, sha256Hex } from '../registry/artifact-store.js';
import { HotSwappingModelSource, ResilientModelLoader } from './resilient-model-loader.js';

const NAME = 'signal-BTCUSDT-PERP';
const FEATURES = ['ret_1', 'ret_6', 'rv_42'];
const ROW = [0.01, -0.02, 0.5];

async function registerVersion(registry: ModelRegistry, artifacts: LocalArtifactStore, seed: number, promote: boolean) {
  const model = randomTreeEnsemble({ featureNames: FEATURES, nTrees: 5, depth: 3, seed, kind: 'gbdt', baseScore: seed / 1000 });
  const bytes = exportTreeEnsembleToOnnx(model, { modelName: NAME, version: String(seed), featureNames: FEATURES, selectedFeatures: FEATURES });
  const artifact = await artifacts.put(modelArtifactKey(NAME, sha256Hex(bytes)), bytes);
  const v = await registry.register({
    name: NAME,
    kind: 'gbdt',
    params: {},
    metrics: { meanIc: 0.05 },
    dataRange: { fromMs: 0, toMs: 1 },
    features: FEATURES,
    artifact,
    gates: { promotable: true, reasons: ['test fixture'] },
  });
  await registry.moveToStaging(NAME, v.version);
  if (promote) await registry.promote(NAME, v.version);
  return { version: v.version, path: fileURLToPath(artifact.uri) };
}

describe('ResilientModelLoader (four tiers)', () => {
  let dir: string;
  let registry: ModelRegistry;
  let artifacts: LocalArtifactStore;
  let fallbacks: Array<{ tier: string; reason: string }>;
  let loader: ResilientModelLoader;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-loader-'));
    registry = new ModelRegistry(new InMemoryModelRegistryStore());
    artifacts = new LocalArtifactStore(join(dir, 'artifacts'));
    fallbacks = [];
    loader = new ResilientModelLoader(registry, artifacts, join(dir, 'cache'), (e) => fallbacks.push({ tier: e.tier, reason: e.reason }));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('serves the Production version and caches it', async () => {
    const v1 = await registerVersion(registry, artifacts, 1, true);
    const loaded = await loader.load(NAME);
    expect(loaded.tier).toBe('PRODUCTION');
    expect(loaded.version).toBe(v1.version);
    expect(loaded.features).toEqual(FEATURES);
    expect(Number.isFinite(await loaded.model!.predictOne(ROW))).toBe(true);
    expect(fallbacks).toEqual([]);
    expect(loader.counts).toEqual({ PRODUCTION: 1, CACHED: 0, PREVIOUS: 0, FLAT: 0 });
  });

  it('falls back to the cached copy when the Production artifact is corrupt, then to the previous version, then flat', async () => {
    const v1 = await registerVersion(registry, artifacts, 1, true);
    const v2 = await registerVersion(registry, artifacts, 2, true); // v1 is now the previous Production
    const first = await loader.load(NAME);
    expect([first.tier, first.version]).toEqual(['PRODUCTION', v2.version]);
    const expected = await first.model!.predictOne(ROW);

    writeFileSync(v2.path, 'not an onnx model');
    const cached = await loader.load(NAME);
    expect([cached.tier, cached.version]).toEqual(['CACHED', v2.version]);
    expect(await cached.model!.predictOne(ROW)).toBe(expected);
    expect(fallbacks.at(-1)!.reason).toMatch(/production v2 unusable/);

    writeFileSync(join(dir, 'cache', NAME, 'model.onnx'), 'corrupt cache');
    const previous = await loader.load(NAME);
    expect([previous.tier, previous.version]).toEqual(['PREVIOUS', v1.version]);
    expect(fallbacks.at(-1)!.reason).toMatch(/fails its checksum/);

    writeFileSync(v1.path, '');
    const flat = await loader.load(NAME);
    expect(flat.tier).toBe('FLAT');
    expect(flat.model).toBeNull();
    expect(loader.counts).toEqual({ PRODUCTION: 1, CACHED: 1, PREVIOUS: 1, FLAT: 1 });
  });

  it('is flat, not failing, when nothing was ever registered', async () => {
    const loaded = await loader.load(NAME);
    expect(loaded.tier).toBe('FLAT');
    expect(fallbacks).toHaveLength(1);
  });
});

describe('HotSwappingModelSource', () => {
  it('picks up a newly promoted version on refresh, keeping the old one until the new one is loaded', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tm-swap-'));
    try {
      const registry = new ModelRegistry(new InMemoryModelRegistryStore());
      const artifacts = new LocalArtifactStore(join(dir, 'artifacts'));
      const source = new HotSwappingModelSource(new ResilientModelLoader(registry, artifacts, join(dir, 'cache')));
      await registerVersion(registry, artifacts, 1, true);
      expect(await source.refresh(NAME)).toBe(true);
      const before = source.get(NAME)!;
      expect(await source.refresh(NAME)).toBe(false); // nothing new: the same model keeps serving
      expect(source.get(NAME)).toBe(before);
      const v2 = await registerVersion(registry, artifacts, 2, true);
      expect(source.get(NAME)).toBe(before); // still serving v1 until refreshed
      expect(await source.refresh(NAME)).toBe(true);
      expect(source.get(NAME)!.version).toBe(v2.version);
      expect(source.get(NAME)!.tier).toBe('PRODUCTION');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
