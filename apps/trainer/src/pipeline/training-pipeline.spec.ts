/** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryModelRegistryStore, LocalArtifactStore, ModelRegistry, OnnxTreeModel, predictEnsemble } from '@lib/ml';
import { instrumentFromSpec, type JsonObject } from '@lib/model';
import { loadConfig } from '@config';
import { loadTrainingHistory } from './training-data.js';
import { DEFAULT_TRAINING_CONFIG, deserializeEnsemble, trainInstrument, type SerializedEnsemble, type TrainingConfig } from './training-pipeline.js';
import { renderTrainingReport } from '../report/training-report.js';

const DATA_DIR = process.env.TM_DATA_DIR ?? fileURLToPath(new URL('../../../../../shared/data', import.meta.url));
const CONFIG: TrainingConfig = { ...DEFAULT_TRAINING_CONFIG, windows: 8, boruta: { ...DEFAULT_TRAINING_CONFIG.boruta, maxRounds: 12, trees: 20 } };
const instruments = loadConfig({}).instruments.map((s) => instrumentFromSpec(s));
const BTC = instruments.find((i) => i.base === 'BTC')!;
const ETH = instruments.find((i) => i.base === 'ETH')!;

describe('training pipeline on real Binance 4h data', () => {
  let dir: string;
  let registry: ModelRegistry;
  let artifacts: LocalArtifactStore;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'tm-train-'));
    registry = new ModelRegistry(new InMemoryModelRegistryStore());
    artifacts = new LocalArtifactStore(join(dir, 'artifacts'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('validates walk-forward with a purge, gates honestly, registers and exports a model that onnxruntime serves identically', async () => {
    const input = await loadTrainingHistory(DATA_DIR, 'binance', '4h', ETH, BTC);
    const result = await trainInstrument(input, CONFIG, { registry, artifacts }, () => undefined);

    expect(result.windows).toHaveLength(CONFIG.windows);
    for (const w of result.windows) {
      // training ends at least purge + horizon rows before the test window starts
      expect(w.testStart - w.trainEnd).toBeGreaterThanOrEqual(CONFIG.purge + CONFIG.horizon);
      expect(w.testFromTs).toBeGreaterThan(result.fromTs);
    }
    expect(result.selected.length).toBeGreaterThan(0);
    expect(result.selected.every((s) => result.featureNames.includes(s))).toBe(true);
    expect(result.featureNames).toContain('btc_ret_1'); // ETH sees BTC returns

    const stored = await registry.get(result.modelName, result.model.version);
    expect(stored.selectedFeatures).toEqual(result.selected);
    expect(stored.gates.promotable).toBe(result.gates.promotable);
    expect(stored.metrics.meanIc).toBeCloseTo(result.aggregate.meanIc, 5);
    // Gates decide the stage: never Production without passing them.
    expect(stored.stage).toBe(result.gates.promotable ? 'Production' : 'Staging');
    if (!result.gates.promotable) expect(await registry.production(result.modelName)).toBeNull();

    // The ONNX artifact and the serialized trees describe the same model.
    const onnx = await OnnxTreeModel.load(await artifacts.get(stored.artifact.uri, stored.artifact.sha256));
    const params = stored.params as JsonObject & { treesUri: string; treesSha256: string };
    const trees = deserializeEnsemble(JSON.parse(new TextDecoder().decode(await artifacts.get(params.treesUri, params.treesSha256))) as SerializedEnsemble);
    expect(onnx.metadata.featureNames).toEqual(result.selected);
    const row = Float64Array.from(result.selected, (_, i) => 0.001 * (i + 1));
    expect(Math.abs((await onnx.predictOne(row)) - predictEnsemble(trees, row))).toBeLessThan(1e-5);
    await onnx.dispose();

    const html = renderTrainingReport({ startedAt: 'now', source: 'binance', interval: '4h', horizon: 6, config: {}, instruments: [result], seconds: 1, timings: result.timings });
    expect(html).toContain(result.gates.promotable ? 'PASSED the validation gates' : 'FAILED the validation gates');
    expect(html).toContain('IC per walk-forward window');
    expect(html).toContain('out-of-sample equity');
  }, 180_000);

  it('warm-starts from the Production model (frozen trees + new ones) and compares with a retrain from scratch', async () => {
    const input = await loadTrainingHistory(DATA_DIR, 'binance', '4h', BTC, BTC);
    const first = await trainInstrument(input, CONFIG, { registry, artifacts }, () => undefined);
    expect(first.transfer).toBeNull(); // nothing to warm-start from yet
    // Stand in for a model that passed its gates: same artifacts, promotable verdict (serving fixture).
    const v1 = await registry.get(first.modelName, first.model.version);
    const json = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
    const fixture = await registry.register({
      name: v1.name,
      kind: v1.kind,
      params: json(v1.params),
      metrics: json(v1.metrics),
      dataRange: v1.dataRange,
      features: v1.features,
      selectedFeatures: v1.selectedFeatures,
      artifact: v1.artifact,
      gates: { promotable: true, reasons: ['test fixture: a Production parent for transfer learning'] },
    });
    await registry.moveToStaging(first.modelName, fixture.version);
    await registry.promote(first.modelName, fixture.version);

    const second = await trainInstrument(input, CONFIG, { registry, artifacts }, () => undefined);
    expect(second.transfer).not.toBeNull();
    const t = second.transfer!;
    expect(t.parentVersion).toBe(fixture.version);
    expect(t.warmStart.trees).toBe(first.model.trees + t.warmStart.newTrees);
    expect(t.window.toTs).toBeLessThan(t.holdout.fromTs);
    expect(Number.isFinite(t.warmStart.ic) && Number.isFinite(t.fromScratch.ic)).toBe(true);
    const registered = await registry.get(second.modelName, second.model.version);
    expect(registered.parent).toEqual({ name: second.modelName, version: fixture.version });
  }, 180_000);
});
