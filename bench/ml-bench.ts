import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  FeaturePipeline,
  GradientBoostedTrees,
  InMemoryModelRegistryStore,
  LocalArtifactStore,
  ModelRegistry,
  OnnxTreeModel,
  buildFeatureMatrix,
  exportTreeEnsembleToOnnx,
  forwardLogReturns,
  loadParityRows,
  measureInferenceLatency,
  randomTreeEnsemble,
  replayFeatureInputs,
} from '@lib/ml';
import { instrumentFromSpec, type Instrument } from '@lib/model';
import { loadConfig } from '@config';
import { loadTrainingHistory } from '../apps/trainer/src/pipeline/training-data.js';
import { runTraining } from '../apps/trainer/src/pipeline/run-training.js';
import { DEFAULT_TRAINING_CONFIG } from '../apps/trainer/src/pipeline/training-pipeline.js';

export interface MlFigures {
  readonly inference: { p50Micros: number; p99Micros: number };
  readonly decisionP99Micros: number;
  readonly decisionP50Micros: number;
  readonly gbdtFitSeconds: number;
  readonly trainPipelineSeconds: number;
  readonly trainBreakdown: Record<string, number>;
  readonly walkForward: Array<{ instrument: string; meanIc: number; icir: number; sharpe: number; selected: number; promotable: boolean }>;
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;

export async function runMlBenchmarks(dataDir: string): Promise<MlFigures> {
  const instruments: Instrument[] = loadConfig({}).instruments.map((s) => instrumentFromSpec(s));
  const btc = instruments.find((i) => i.base === 'BTC')!;

  // Production-sized model (300 trees, depth 6, 12 features) on real feature-like rows.
  const parity = loadParityRows({ dataDir, maxRows: 2000 });
  const big = randomTreeEnsemble({ featureNames: parity.featureNames, nTrees: 300, depth: 6, seed: 1, kind: 'gbdt', sample: parity.rows });
  const onnx = await OnnxTreeModel.load(exportTreeEnsembleToOnnx(big, { modelName: 'bench', version: '1', featureNames: parity.featureNames, selectedFeatures: parity.featureNames }));
  const latency = await measureInferenceLatency(onnx, parity.rows, 20_000);

  // gbdt.fitSeconds: 300 trees, no early stopping, on the real BTC feature matrix with 6-bar labels.
  const history = await loadTrainingHistory(dataDir, 'binance', '4h', btc, btc);
  const matrix = buildFeatureMatrix(history.spec, history.history, { interval: '4h' });
  const barLabels = forwardLogReturns(Float64Array.from(history.history.bars, (b) => b.close), { horizon: 6 });
  const rows: number[] = [];
  for (let r = 0; r < matrix.nRows; r++) if (Number.isFinite(barLabels[matrix.barIndex[r]!]!)) rows.push(r);
  const x = new Float64Array(rows.length * matrix.nFeatures);
  rows.forEach((r, i) => x.set(matrix.values.subarray(r * matrix.nFeatures, (r + 1) * matrix.nFeatures), i * matrix.nFeatures));
  const y = Float64Array.from(rows, (r) => barLabels[matrix.barIndex[r]!]!);
  let t0 = performance.now();
  const fitted = new GradientBoostedTrees({ nEstimators: 300, maxDepth: 6, learningRate: 0.05, seed: 1 }).fit({ values: x, nRows: rows.length, nFeatures: matrix.nFeatures, featureNames: matrix.featureNames }, y);
  const gbdtFitSeconds = (performance.now() - t0) / 1000;

  // decision: one bar in → features (streaming) → ONNX inference → target weight out.
  const model = await OnnxTreeModel.load(exportTreeEnsembleToOnnx(fitted.model, { modelName: 'bench-btc', version: '1', featureNames: matrix.featureNames, selectedFeatures: matrix.featureNames }));
  const pipeline = new FeaturePipeline(history.spec, { interval: '4h' });
  const decisions: number[] = [];
  for (const inputs of replayFeatureInputs(history.history)) {
    const start = process.hrtime.bigint();
    const row = pipeline.update(inputs);
    if (row !== null) {
      const prediction = await model.predictOne(row);
      const weight = Math.sign(prediction) * Math.min(1, Math.abs(prediction) / 0.01);
      if (!Number.isFinite(weight)) throw new Error('non-finite decision');
      decisions.push(Number(process.hrtime.bigint() - start) / 1000);
    }
  }
  decisions.sort((a, b) => a - b);

  // The weekly pipeline for the three instruments, as `npm run train` runs it.
  const dir = mkdtempSync(join(tmpdir(), 'tm-bench-train-'));
  try {
    t0 = performance.now();
    const run = await runTraining({
      dataDir,
      source: 'binance',
      instruments,
      btc,
      config: DEFAULT_TRAINING_CONFIG,
      stores: { registry: new ModelRegistry(new InMemoryModelRegistryStore()), artifacts: new LocalArtifactStore(join(dir, 'artifacts')) },
      log: () => undefined,
    });
    const trainPipelineSeconds = (performance.now() - t0) / 1000;
    return {
      inference: { p50Micros: latency.p50Micros, p99Micros: latency.p99Micros },
      decisionP50Micros: percentile(decisions, 0.5),
      decisionP99Micros: percentile(decisions, 0.99),
      gbdtFitSeconds,
      trainPipelineSeconds,
      trainBreakdown: run.timings,
      walkForward: run.instruments.map((r) => ({
        instrument: r.instrumentId,
        meanIc: r.aggregate.meanIc,
        icir: r.aggregate.icir,
        sharpe: r.aggregate.sharpe,
        selected: r.selected.length,
        promotable: r.gates.promotable,
      })),
    };
  } finally {
    await onnx.dispose();
    await model.dispose();
    rmSync(dir, { recursive: true, force: true });
  }
}
