import { BAR_INTERVALS, type BarInterval, type Instrument } from '@lib/model';
import {
  Boruta,
  GradientBoostedTrees,
  PurgedWalkForwardSplitter,
  RandomForestRegressor,
  aggregateWalkForward,
  buildFeatureMatrix,
  continueBoosting,
  evaluateGates,
  evaluateWindow,
  exportTreeEnsembleToOnnx,
  forwardLogReturns,
  modelArtifactKey,
  predictBatch,
  sha256Hex,
  trainingRows,
  testRows,
  type ArtifactStore,
  type FeatureMatrix,
  type GradientBoostingParams,
  type ModelRegistry,
  type TreeEnsembleModel,
  type WindowMetrics,
} from '@lib/ml';
import type { JsonObject } from '@lib/model';
import type { InstrumentTrainingResult, TransferComparison, WindowResult } from './training.types.js';
import type { InstrumentHistory } from './training-data.js';

export interface TrainingConfig {
  readonly interval: BarInterval;
  readonly horizon: number;
  readonly windows: number;
  readonly purge: number;
  readonly mode: 'expanding' | 'sliding';
  readonly seed: number;
  /** Round-trip cost per unit of position change (Bybit taker 0.055% + slippage). */
  readonly fee: number;
  readonly gates: { readonly minIc: number; readonly minSharpe: number };
  readonly gbdt: Partial<GradientBoostingParams>;
  readonly boruta: { readonly maxRounds: number; readonly alpha: number; readonly trees: number; readonly maxDepth: number };
  /** Rows of recent history for the weekly warm-start comparison, and the holdout after them. */
  readonly transfer: { readonly recentRows: number; readonly holdoutRows: number };
}

export const DEFAULT_TRAINING_CONFIG: TrainingConfig = {
  interval: '4h',
  horizon: 6,
  windows: 40,
  purge: 200,
  mode: 'expanding',
  seed: 7,
  fee: 0.00075,
  gates: { minIc: 0.03, minSharpe: 0.5 },
  gbdt: { nEstimators: 300, learningRate: 0.03, maxDepth: 4, minSamplesLeaf: 50, rowSubsample: 0.8, colSubsample: 0.8, l2: 5, earlyStopping: { patience: 30, validationFraction: 0.2 } },
  boruta: { maxRounds: 100, alpha: 0.01, trees: 40, maxDepth: 5 },
  transfer: { recentRows: 1200, holdoutRows: 600 },
};

export interface PipelineStores {
  readonly registry: ModelRegistry;
  readonly artifacts: ArtifactStore;
}

export type ProgressFn = (stage: string, done: number, total: number) => void;

/** Columns `keep` of a row-major matrix, as a new matrix (rows optionally restricted). */
function subMatrix(values: ArrayLike<number>, nFeatures: number, keep: readonly number[], rows: ArrayLike<number>, names: readonly string[]): FeatureMatrix {
  const out = new Float64Array(rows.length * keep.length);
  for (let r = 0; r < rows.length; r++) {
    const base = rows[r]! * nFeatures;
    for (let c = 0; c < keep.length; c++) out[r * keep.length + c] = values[base + keep[c]!]!;
  }
  return { values: out, nRows: rows.length, nFeatures: keep.length, featureNames: keep.map((k) => names[k]!) };
}

const pick = (y: ArrayLike<number>, rows: ArrayLike<number>) => Float64Array.from({ length: rows.length }, (_, i) => y[rows[i]!]!);
const finiteRows = (rows: Int32Array, labels: Float64Array) => rows.filter((r) => Number.isFinite(labels[r]!));
const round = (x: number, digits = 6) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/**
 * The weekly pipeline for one instrument: features → labels → Boruta (on the first window's
 * training rows only, so selection never sees a test window) → purged walk-forward → gates →
 * final fit on all labelled rows → ONNX → registry (Staging, Production when the gates pass) →
 * transfer-learning comparison against the previous Production model.
 */
export async function trainInstrument(input: InstrumentHistory, config: TrainingConfig, stores: PipelineStores, progress: ProgressFn): Promise<InstrumentTrainingResult> {
  const timings: Record<string, number> = {};
  const timed = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] = (performance.now() - t0) / 1000;
    }
  };
  const { instrument, spec, history } = input;
  const modelName = `signal-${instrument.symbol}`;
  const periodsPerYear = (365 * 86_400_000) / BAR_INTERVALS[config.interval];

  const matrix = await timed('features', () => buildFeatureMatrix(spec, history, { interval: config.interval }));
  const closes = Float64Array.from(history.bars, (b) => b.close);
  const barLabels = forwardLogReturns(closes, { horizon: config.horizon });
  const labels = Float64Array.from({ length: matrix.nRows }, (_, r) => barLabels[matrix.barIndex[r]!]!);
  const names = matrix.featureNames;
  const all = names.map((_, i) => i);

  const splitter = new PurgedWalkForwardSplitter({ labelHorizon: config.horizon, windows: config.windows, purge: config.purge, mode: config.mode });
  const windows = splitter.split(matrix.nRows);

  // Boruta on the training rows of the first window: feature choice never sees any test data.
  const selectionRows = finiteRows(trainingRows(windows[0]!), labels);
  const borutaInput = subMatrix(matrix.values, matrix.nFeatures, all, selectionRows, names);
  const boruta = await timed('boruta', () =>
    new Boruta({
      seed: config.seed,
      maxRounds: config.boruta.maxRounds,
      alpha: config.boruta.alpha,
      importance: (X, nRows, nCols, y, seed) =>
        new RandomForestRegressor({ nEstimators: config.boruta.trees, maxDepth: config.boruta.maxDepth, minSamplesLeaf: 20, maxFeatures: 'third', seed }).fit({ values: X, nRows, nFeatures: nCols }, y)
          .featureImportances,
      onRound: (r) => progress(`${instrument.symbol} boruta`, r.round, config.boruta.maxRounds),
    }).select({ X: borutaInput.values as Float64Array, nRows: borutaInput.nRows, nFeatures: borutaInput.nFeatures, names, y: pick(labels, selectionRows) }),
  );
  const indexOf = (name: string) => names.indexOf(name);
  let selected = boruta.confirmed.map(indexOf);
  let selectionNote: string | null = null;
  if (selected.length < 3) {
    const tentative = boruta.tentative.map(indexOf);
    const ranked = [...boruta.features].sort((a, b) => b.medianImportance - a.medianImportance).map((f) => f.index);
    selected = selected.concat(tentative);
    if (selected.length < 3) selected = ranked.slice(0, 5);
    selectionNote = `Boruta confirmed ${boruta.confirmed.length} feature(s) in ${boruta.roundsRun} rounds: too few to model, so ${
      tentative.length > 0 ? 'the tentative ones were added' : 'the five with the highest median importance are used'
    }. On these labels most features are indistinguishable from their shadows: the signal is weak.`;
  } else if (selected.length < 9 || selected.length > 13) {
    selectionNote = `Boruta confirmed ${selected.length} features (the expected range is 9–13): ${selected.length < 9 ? 'only these beat every shadow feature often enough' : 'many features carry signal on this instrument'}.`;
  }
  selected.sort((a, b) => a - b);
  const selectedNames = selected.map((i) => names[i]!);

  const windowResults: WindowResult[] = [];
  const windowMetrics: WindowMetrics[] = [];
  const oos: Array<{ ts: number; strategy: number; buyHold: number }> = [];
  let eqS = 1;
  let firstClose: number | undefined;
  await timed('walkForward', () => {
    for (const w of windows) {
      const train = finiteRows(trainingRows(w), labels);
      const test = finiteRows(testRows(w), labels);
      if (test.length === 0 || train.length === 0) continue;
      const fit = new GradientBoostedTrees({ ...config.gbdt, seed: config.seed + w.index }).fit(subMatrix(matrix.values, matrix.nFeatures, selected, train, names), pick(labels, train));
      const testX = subMatrix(matrix.values, matrix.nFeatures, selected, test, names);
      const prediction = predictBatch(fit.model, testX.values, testX.nRows, testX.nFeatures);
      const label = pick(labels, test);
      const metrics = evaluateWindow(prediction, label, { fee: config.fee, periodsPerYear, horizon: config.horizon });
      windowMetrics.push(metrics);
      for (let k = 0; k < metrics.trading.pnl.length; k++) {
        const row = test[k * config.horizon]!;
        eqS *= Math.exp(metrics.trading.pnl[k]!);
        // Buy and hold from the first out-of-sample bar, marked at the same bar as the signal's PnL.
        firstClose ??= closes[matrix.barIndex[row]!]!;
        const exitBar = Math.min(matrix.barIndex[row]! + config.horizon, closes.length - 1);
        oos.push({ ts: matrix.ts[row]!, strategy: eqS, buyHold: closes[exitBar]! / firstClose });
      }
      windowResults.push({
        index: w.index,
        trainStart: w.trainStart,
        trainEnd: w.trainEnd,
        testStart: w.testStart,
        testEnd: w.testEnd,
        testFromTs: matrix.ts[test[0]!]!,
        testToTs: matrix.ts[test[test.length - 1]!]!,
        ic: metrics.ic,
        rankIc: metrics.rankIc,
        hitRate: metrics.hitRate,
        sharpe: metrics.trading.sharpe,
        trees: fit.model.trees.length,
      });
      progress(`${instrument.symbol} walk-forward`, w.index + 1, windows.length);
    }
  });
  const agg = aggregateWalkForward(windowMetrics);
  const aggregate = {
    meanIc: agg.meanIc,
    icStd: agg.stdIc,
    icir: agg.icir,
    tStat: agg.tStat,
    meanRankIc: agg.meanRankIc,
    hitRate: agg.meanHitRate,
    sharpe: agg.sharpe,
    positiveShare: agg.positiveShare,
  };
  const gates = evaluateGates({ meanIc: agg.meanIc, sharpe: agg.sharpe }, config.gates);

  // Final model on every labelled row, the previous Production model (if any) as the parent.
  const labelled = finiteRows(Int32Array.from({ length: matrix.nRows }, (_, i) => i), labels);
  const parent = await stores.registry.production(modelName);
  const final = await timed('finalFit', () =>
    new GradientBoostedTrees({ ...config.gbdt, seed: config.seed }).fit(subMatrix(matrix.values, matrix.nFeatures, selected, labelled, names), pick(labels, labelled)),
  );
  const dataRange = { fromMs: matrix.ts[0]!, toMs: matrix.ts[matrix.nRows - 1]! };
  const finalModel = withAtLeastOneTree(final.model);
  const registered = await timed('register', async () => {
    const version = (await stores.registry.latest(modelName))?.version ?? 0;
    const onnx = exportTreeEnsembleToOnnx(finalModel, { modelName, version: String(version + 1), featureNames: selectedNames, selectedFeatures: selectedNames, extra: { instrument: instrument.id, horizon: String(config.horizon) } });
    const artifact = await stores.artifacts.put(modelArtifactKey(modelName, sha256Hex(onnx)), onnx);
    const treesJson = new TextEncoder().encode(JSON.stringify(serializeEnsemble(finalModel)));
    const trees = await stores.artifacts.put(modelArtifactKey(modelName, sha256Hex(treesJson), 'trees.json'), treesJson);
    const metrics: JsonObject = {
      meanIc: round(agg.meanIc),
      icir: round(agg.icir),
      tStat: round(agg.tStat),
      meanRankIc: round(agg.meanRankIc),
      hitRate: round(agg.meanHitRate),
      sharpe: round(agg.sharpe),
      windows: windowMetrics.length,
    };
    const draft = {
      name: modelName,
      kind: 'gbdt',
      params: { ...(config.gbdt as unknown as JsonObject), horizon: config.horizon, treesUri: trees.uri, treesSha256: trees.sha256, bestIteration: final.history.bestIteration },
      metrics: Object.fromEntries(Object.entries(metrics).filter(([, v]) => v !== null)) as JsonObject,
      dataRange,
      features: [...names],
      selectedFeatures: selectedNames,
      parent: parent ? { name: modelName, version: parent.version } : null,
      artifact,
      gates: { promotable: gates.promotable, reasons: gates.reasons },
    };
    const v = await stores.registry.register(draft, 'weekly training');
    await stores.registry.moveToStaging(modelName, v.version, 'walk-forward validated');
    if (gates.promotable) {
      await stores.registry.promote(modelName, v.version, 'passed the validation gates');
      return { version: v.version, stage: 'Production', artifact };
    }
    return { version: v.version, stage: 'Staging', artifact };
  });

  const transfer = parent ? await timed('transfer', () => compareTransfer(parent.params, stores, matrix, labels, parent.version, config)) : null;

  return {
    instrumentId: instrument.id,
    modelName,
    rows: matrix.nRows,
    fromTs: dataRange.fromMs,
    toTs: dataRange.toMs,
    featureNames: names,
    selection: boruta.features.map((f) => ({ name: f.name, decision: f.decision, hits: f.hits, medianImportance: f.medianImportance })),
    selectionRounds: boruta.roundsRun,
    selected: selectedNames,
    selectionNote,
    windows: windowResults,
    aggregate,
    gates: { promotable: gates.promotable, reasons: gates.reasons },
    importances: selectedNames.map((name, i) => ({ name, value: final.featureImportances[i]! })),
    oosEquity: oos,
    model: { version: registered.version, stage: registered.stage, sha256: registered.artifact.sha256, trees: final.model.trees.length, artifactUri: registered.artifact.uri },
    transfer,
    timings,
  };

  async function compareTransfer(
    parentParams: JsonObject,
    storesIn: PipelineStores,
    m: typeof matrix,
    y: Float64Array,
    parentVersion: number,
    cfg: TrainingConfig,
  ): Promise<TransferComparison | null> {
    const uri = parentParams.treesUri;
    const sha = parentParams.treesSha256;
    if (typeof uri !== 'string' || typeof sha !== 'string') return null;
    const parentModel = deserializeEnsemble(JSON.parse(new TextDecoder().decode(await storesIn.artifacts.get(uri, sha))) as SerializedEnsemble);
    const cols = parentModel.featureNames.map((n) => m.featureNames.indexOf(n));
    if (cols.some((c) => c < 0)) return null;
    const labelledRows = finiteRows(Int32Array.from({ length: m.nRows }, (_, i) => i), y);
    const holdout = labelledRows.slice(-cfg.transfer.holdoutRows);
    const recent = labelledRows.slice(-(cfg.transfer.holdoutRows + cfg.transfer.recentRows + cfg.horizon), -(cfg.transfer.holdoutRows + cfg.horizon));
    if (recent.length < 100 || holdout.length < 50) return null;
    const recentX = subMatrix(m.values, m.nFeatures, cols, recent, m.featureNames);
    const warm = continueBoosting(parentModel, recentX, pick(y, recent), { ...cfg.gbdt, seed: cfg.seed });
    const scratch = new GradientBoostedTrees({ ...cfg.gbdt, seed: cfg.seed }).fit(recentX, pick(y, recent));
    const hx = subMatrix(m.values, m.nFeatures, cols, holdout, m.featureNames);
    const hy = pick(y, holdout);
    const score = (model: TreeEnsembleModel) => evaluateWindow(predictBatch(model, hx.values, hx.nRows, hx.nFeatures), hy, { fee: cfg.fee, periodsPerYear, horizon: cfg.horizon });
    const w = score(warm.model);
    const s = score(scratch.model);
    return {
      parentVersion,
      window: { fromTs: m.ts[recent[0]!]!, toTs: m.ts[recent[recent.length - 1]!]! },
      holdout: { fromTs: m.ts[holdout[0]!]!, toTs: m.ts[holdout[holdout.length - 1]!]! },
      warmStart: { ic: w.ic, sharpe: w.trading.sharpe, trees: warm.model.trees.length, newTrees: warm.model.trees.length - parentModel.trees.length },
      fromScratch: { ic: s.ic, sharpe: s.trading.sharpe, trees: scratch.model.trees.length },
    };
  }
}

/**
 * When early stopping keeps no tree (no tree beat the mean on the validation slice: no signal),
 * the model is the constant base score; ONNX needs at least one tree, so a single zero leaf.
 */
export function withAtLeastOneTree(model: TreeEnsembleModel): TreeEnsembleModel {
  if (model.trees.length > 0) return model;
  const leaf = { feature: Int32Array.of(-1), threshold: Float64Array.of(0), left: Int32Array.of(-1), right: Int32Array.of(-1), value: Float64Array.of(0) };
  return { ...model, trees: [leaf], treeWeights: [1] };
}

export interface SerializedEnsemble {
  kind: 'gbdt' | 'random_forest';
  featureNames: string[];
  baseScore: number;
  treeWeights: number[];
  trees: Array<{ feature: number[]; threshold: number[]; left: number[]; right: number[]; value: number[] }>;
}

/** The tree structure next to the ONNX file, so next week's run can warm-start from it exactly. */
export function serializeEnsemble(model: TreeEnsembleModel): SerializedEnsemble {
  return {
    kind: model.kind,
    featureNames: [...model.featureNames],
    baseScore: model.baseScore,
    treeWeights: [...model.treeWeights],
    trees: model.trees.map((t) => ({ feature: [...t.feature], threshold: [...t.threshold], left: [...t.left], right: [...t.right], value: [...t.value] })),
  };
}

export function deserializeEnsemble(s: SerializedEnsemble): TreeEnsembleModel {
  return {
    kind: s.kind,
    featureNames: s.featureNames,
    baseScore: s.baseScore,
    treeWeights: s.treeWeights,
    trees: s.trees.map((t) => ({
      feature: Int32Array.from(t.feature),
      threshold: Float64Array.from(t.threshold),
      left: Int32Array.from(t.left),
      right: Int32Array.from(t.right),
      value: Float64Array.from(t.value),
    })),
  };
}

export type { Instrument };
