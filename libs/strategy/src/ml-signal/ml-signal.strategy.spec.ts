/** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HotSwappingModelSource,
  InMemoryModelRegistryStore,
  LocalArtifactStore,
  ModelRegistry,
  ResilientModelLoader,
  buildFeatureMatrix,
  exportTreeEnsembleToOnnx,
  featureNames,
  featureRow,
  featureSetVersion,
  featureSpecFor,
  modelArtifactKey,
  randomTreeEnsemble,
  readDvolCsv,
  sha256Hex,
  toFeatureBar,
  type DvolCandle,
} from '@lib/ml';
import type { Bar } from '@lib/model';
import { bootTradingKernel, type TradingKernel } from '../../../../test/support/trading-kernel.js';
import { SHARED_DATA_DIR, configuredInstrument, loadBars } from '../../../../test/support/real-bars.js';
import { MlSignalStrategy, signalModelName, type MlFeatureSink, type MlLatencyObserver } from './ml-signal.strategy.js';

const BTC = configuredInstrument('BTCUSDT-PERP.BYBIT');
const NAME = signalModelName(BTC);

/** A Production model over the BTC feature set (random trees: this tests serving, not skill). */
async function servingSource(dir: string): Promise<HotSwappingModelSource> {
  const names = [...featureNames(featureSpecFor('BTC'))];
  const registry = new ModelRegistry(new InMemoryModelRegistryStore());
  const artifacts = new LocalArtifactStore(join(dir, 'artifacts'));
  const model = randomTreeEnsemble({ featureNames: names, nTrees: 30, depth: 4, seed: 3, kind: 'gbdt', leafScale: 0.02 });
  const bytes = exportTreeEnsembleToOnnx(model, { modelName: NAME, version: '1', featureNames: names, selectedFeatures: names });
  const artifact = await artifacts.put(modelArtifactKey(NAME, sha256Hex(bytes)), bytes);
  const v = await registry.register({ name: NAME, kind: 'gbdt', params: {}, metrics: {}, dataRange: { fromMs: 0, toMs: 1 }, features: names, artifact, gates: { promotable: true, reasons: ['test fixture'] } });
  await registry.moveToStaging(NAME, v.version);
  await registry.promote(NAME, v.version);
  const source = new HotSwappingModelSource(new ResilientModelLoader(registry, artifacts, join(dir, 'cache')));
  await source.refresh(NAME);
  return source;
}

async function predictionsOf(k: TradingKernel): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const e of await k.stream()) if (e.type === 'signal.predicted') out.set(e.tsEvent, e.payload);
  return out;
}

describe('MlSignalStrategy', () => {
  let dir: string;
  let bars: Bar[];
  let dvol: DvolCandle[];
  beforeAll(async () => {
    bars = loadBars('bybit_BTCUSDT_4h.csv', BTC, 700);
    dvol = await readDvolCsv(join(SHARED_DATA_DIR, 'deribit_DVOL_BTC_1d.csv'));
  });
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'tm-ml-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function run(fed: readonly Bar[], seed: readonly Bar[], latency?: MlLatencyObserver, sink?: MlFeatureSink): Promise<{ k: TradingKernel; predictions: Map<number, string> }> {
    const k = await bootTradingKernel({ instruments: [BTC], streamId: 'ml', startAt: (seed[0] ?? fed[0]!).tsOpen });
    const strategy = new MlSignalStrategy(k.bus, k.cache, k.clock, k.portfolio, [BTC], await servingSource(dir), { dvol: new Map([['BTC', dvol]]), funding: new Map() });
    if (latency) strategy.observeLatency(latency);
    if (sink) strategy.observeFeatures(sink);
    await strategy.warmUp(seed);
    strategy.start();
    for (const bar of fed) {
      k.closeBar(bar);
      await k.bus.settle();
    }
    return { k, predictions: await predictionsOf(k) };
  }

  it('predicts through onnxruntime on every bar after warm-up, stores each prediction and trades on it', async () => {
    const { k, predictions } = await run(bars, []);
    expect(predictions.size).toBeGreaterThan(400);
    const first = JSON.parse([...predictions.values()][0]!) as { tier: string; modelVersion: number; prediction: string };
    expect(first.tier).toBe('PRODUCTION');
    expect(first.modelVersion).toBe(1);
    const values = new Set([...predictions.values()].map((p) => (JSON.parse(p) as { prediction: string }).prediction));
    expect(values.size).toBeGreaterThan(10);
    expect((await k.stream()).some((e) => e.type === 'order.filled')).toBe(true);
    await k.close();
  }, 120_000);

  it('reports feature latency for every traded bar and inference latency for every prediction, without changing the event stream', async () => {
    const features: number[] = [];
    const inferences: { model: string; seconds: number }[] = [];
    const observer: MlLatencyObserver = {
      features: (id, seconds) => {
        expect(id).toBe(BTC.id);
        features.push(seconds);
      },
      inference: (_id, model, seconds) => inferences.push({ model, seconds }),
    };
    const observed = await run(bars.slice(0, 300), bars.slice(0, 0), observer);
    const plain = await run(bars.slice(0, 300), bars.slice(0, 0));
    expect(features).toHaveLength(300);
    expect(inferences).toHaveLength(observed.predictions.size);
    expect(inferences.every((i) => i.model === NAME && i.seconds > 0 && i.seconds < 5)).toBe(true);
    expect(features.every((s) => s >= 0 && s < 5)).toBe(true);
    expect((await observed.k.stream()).map((e) => e.payload)).toEqual((await plain.k.stream()).map((e) => e.payload));
    for (const r of [observed, plain]) await r.k.close();
  }, 120_000);

  it('hands every traded bar\'s feature row to the sink: the batch matrix\'s row for that bar, under the feature set\'s version', async () => {
    const rows = new Map<number, Float64Array>();
    const sets = new Set<string>();
    const sink: MlFeatureSink = {
      features: (id, tsEvent, featureSet, row) => {
        expect(id).toBe(BTC.id);
        sets.add(featureSet);
        rows.set(tsEvent, row);
      },
    };
    const { k } = await run(bars, [], undefined, sink);
    const spec = featureSpecFor('BTC');
    const matrix = buildFeatureMatrix(spec, { bars: bars.map(toFeatureBar), dvol, funding: [] }, { interval: '4h' });
    expect([...sets]).toEqual([featureSetVersion(matrix.featureNames)]);
    expect(rows.size).toBe(matrix.nRows);
    for (let i = 0; i < matrix.nRows; i++) {
      const got = rows.get(matrix.ts[i]!);
      expect(got).toBeDefined();
      const want = featureRow(matrix, i);
      for (let j = 0; j < want.length; j++) {
        if (Number.isNaN(want[j]!)) expect(Number.isNaN(got![j]!)).toBe(true);
        else expect(got![j]).toBe(want[j]);
      }
    }
    await k.close();
  }, 120_000);

  it('seeded with the last 200 bars at start-up, its first live bar already predicts, close to a full-history run', async () => {
    const cut = 600;
    const full = await run(bars, []);
    const seeded = await run(bars.slice(cut), bars.slice(cut - 200, cut));
    const ts = bars[cut]!.tsClose;
    expect(seeded.predictions.has(ts)).toBe(true); // no warm-up gap on the first live bar
    const a = Number((JSON.parse(full.predictions.get(ts)!) as { prediction: string }).prediction);
    const b = Number((JSON.parse(seeded.predictions.get(ts)!) as { prediction: string }).prediction);
    // Recursive indicators (EMA, Wilder) remember their seed; 200 bars bring them close enough that the model's output agrees.
    expect(b).toBeCloseTo(a, 6);
    const unseeded = await run(bars.slice(cut), []);
    expect(unseeded.predictions.has(ts)).toBe(false); // without seeding the first bars have no context
    for (const r of [full, seeded, unseeded]) await r.k.close();
  }, 180_000);
});
