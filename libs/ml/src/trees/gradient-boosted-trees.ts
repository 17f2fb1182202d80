import { SeededRandom } from '../random/seeded-random.js';
import { definedOnly } from './defined-only.js';
import { binFeatures } from './feature-binning.js';
import { normaliseImportances } from './feature-importance.js';
import { assertFeatureMatrix, assertTargets, defaultFeatureNames, type FeatureMatrix } from './feature-matrix.js';
import { HistogramTreeGrower, leafOfBinnedRow, type TreeGrowthLimits } from './histogram-tree-grower.js';
import { predictRowRange, predictTreeAt } from './predict-batch.js';
import type { RegressionTree, TreeEnsembleModel } from './tree-ensemble.js';

export interface EarlyStoppingParams {
  /** Stop once this many iterations in a row bring no new best validation loss. */
  readonly patience: number;
  /**
   * Without an explicit `validation` set: the share of training rows held out for validation,
   * taken from the end (the latest rows), because rows are time-ordered and a random hold-out
   * would sit between training rows it is correlated with. Default 0.2.
   */
  readonly validationFraction?: number;
  /** An explicit validation set; the whole input is then used for training. */
  readonly validation?: { readonly x: FeatureMatrix; readonly y: ArrayLike<number> };
  /** A validation loss must beat the best by more than this to count as an improvement. Default 0. */
  readonly minDelta?: number;
}

export interface GradientBoostingParams {
  /** Maximum number of boosting iterations (trees). */
  readonly nEstimators: number;
  /** Shrinkage: each tree's weight in the model. */
  readonly learningRate: number;
  readonly maxDepth: number;
  readonly minSamplesLeaf: number;
  /** Share of training rows (without replacement) each tree is fitted on. */
  readonly rowSubsample: number;
  /** Share of features each tree may split on. */
  readonly colSubsample: number;
  /** λ: leaf = Σresidual / (n + λ), and the same λ in the split gain. */
  readonly l2: number;
  /** Minimum squared-error reduction for a split. */
  readonly minSplitGain: number;
  /** Quantile bins per feature, at most 256. */
  readonly maxBins: number;
  readonly seed: number;
  readonly earlyStopping: EarlyStoppingParams | null;
}

export const DEFAULT_GRADIENT_BOOSTING_PARAMS: GradientBoostingParams = {
  nEstimators: 300,
  learningRate: 0.05,
  maxDepth: 6,
  minSamplesLeaf: 20,
  rowSubsample: 1,
  colSubsample: 1,
  l2: 1,
  minSplitGain: 0,
  maxBins: 255,
  seed: 42,
  earlyStopping: null,
};

export interface BoostingHistory {
  /** Mean squared error on the training rows; index k is after k trees of this run (0: before any). */
  readonly trainLoss: readonly number[];
  /** Same on the validation rows; empty without early stopping. */
  readonly validLoss: readonly number[];
  /** Trees of this run kept in the model: the iteration with the lowest validation loss (all without validation). */
  readonly bestIteration: number;
  /** Iterations actually fitted (≥ bestIteration). */
  readonly iterationsRun: number;
  readonly stoppedEarly: boolean;
  readonly nTrainRows: number;
  readonly nValidRows: number;
}

export interface GradientBoostingResult {
  readonly model: TreeEnsembleModel;
  readonly history: BoostingHistory;
  /** Squared-error reduction per feature summed over the kept trees of this run. */
  readonly featureGains: Float64Array;
  /** `featureGains` normalised to sum 1 (all zero when no tree split). */
  readonly featureImportances: Float64Array;
}

/**
 * Histogram-based gradient-boosted regression trees for squared error.
 *
 * The model starts from mean(y) and adds trees fitted to the residuals, each scaled by the
 * learning rate; with early stopping the run keeps the prefix of trees with the lowest
 * validation loss. A seed fixes the row and column subsamples, so the same inputs and seed
 * give a byte-identical model.
 */
export class GradientBoostedTrees {
  readonly params: GradientBoostingParams;

  constructor(params: Partial<GradientBoostingParams> = {}) {
    this.params = resolveParams(params);
  }

  fit(x: FeatureMatrix, y: ArrayLike<number>): GradientBoostingResult {
    assertFeatureMatrix(x);
    assertTargets(y, x.nRows);
    const data = splitValidation(x, y, this.params.earlyStopping);
    let baseScore = 0;
    for (let i = 0; i < data.train.nRows; i++) baseScore += data.trainY[i]!;
    baseScore /= data.train.nRows;
    const start: TreeEnsembleModel = {
      kind: 'gbdt',
      featureNames: [...(x.featureNames ?? defaultFeatureNames(x.nFeatures))],
      baseScore,
      trees: [],
      treeWeights: [],
    };
    return boost(this.params, start, data);
  }
}

/**
 * Transfer learning: keeps every tree of `model` as it is and appends trees fitted to the
 * residuals of `model` on new data, under the same rules (subsampling, early stopping) as a
 * fresh fit. `learningRate` defaults to the weight of the model's last tree. The history and
 * importances describe the new trees only; if no new tree improves the validation loss, the
 * result carries the input's trees unchanged.
 */
export function continueBoosting(
  model: TreeEnsembleModel,
  x: FeatureMatrix,
  y: ArrayLike<number>,
  params: Partial<GradientBoostingParams> = {},
): GradientBoostingResult {
  if (model.kind !== 'gbdt') throw new RangeError(`continueBoosting needs a gbdt model, got ${model.kind}`);
  assertFeatureMatrix(x);
  assertTargets(y, x.nRows);
  if (x.nFeatures !== model.featureNames.length) {
    throw new RangeError(`model has ${model.featureNames.length} features, new data has ${x.nFeatures}`);
  }
  if (x.featureNames && x.featureNames.some((name, f) => name !== model.featureNames[f])) {
    throw new RangeError('new data feature names differ from the model feature names');
  }
  const lastWeight = model.treeWeights[model.treeWeights.length - 1];
  const resolved = resolveParams({ ...(lastWeight !== undefined ? { learningRate: lastWeight } : {}), ...definedOnly(params) });
  return boost(resolved, model, splitValidation(x, y, resolved.earlyStopping));
}

interface ValidationRows {
  readonly values: ArrayLike<number>;
  readonly firstRow: number;
  readonly nRows: number;
  readonly y: Float64Array;
}

interface BoostingData {
  /** The training rows: the first `nRows` rows of the input. */
  readonly train: FeatureMatrix;
  readonly trainY: Float64Array;
  readonly valid: ValidationRows | null;
}

function splitValidation(x: FeatureMatrix, y: ArrayLike<number>, earlyStopping: EarlyStoppingParams | null): BoostingData {
  const nFeatures = x.nFeatures;
  if (!earlyStopping) {
    return { train: x, trainY: Float64Array.from({ length: x.nRows }, (_, i) => y[i]!), valid: null };
  }
  if (earlyStopping.validation) {
    const v = earlyStopping.validation;
    assertFeatureMatrix(v.x, 'earlyStopping.validation.x');
    assertTargets(v.y, v.x.nRows, 'earlyStopping.validation.y');
    if (v.x.nFeatures !== nFeatures) throw new RangeError(`validation has ${v.x.nFeatures} features, training ${nFeatures}`);
    if (v.x.nRows < 1) throw new RangeError('earlyStopping.validation has no rows');
    return {
      train: x,
      trainY: Float64Array.from({ length: x.nRows }, (_, i) => y[i]!),
      valid: { values: v.x.values, firstRow: 0, nRows: v.x.nRows, y: Float64Array.from({ length: v.x.nRows }, (_, i) => v.y[i]!) },
    };
  }
  const fraction = earlyStopping.validationFraction ?? 0.2;
  const nValid = Math.floor(fraction * x.nRows);
  const nTrain = x.nRows - nValid;
  if (nValid < 1 || nTrain < 2) {
    throw new RangeError(`earlyStopping.validationFraction ${fraction} of ${x.nRows} rows leaves ${nTrain} training / ${nValid} validation rows`);
  }
  return {
    train: { values: x.values, nRows: nTrain, nFeatures, ...(x.featureNames ? { featureNames: x.featureNames } : {}) },
    trainY: Float64Array.from({ length: nTrain }, (_, i) => y[i]!),
    valid: { values: x.values, firstRow: nTrain, nRows: nValid, y: Float64Array.from({ length: nValid }, (_, i) => y[nTrain + i]!) },
  };
}

function boost(params: GradientBoostingParams, start: TreeEnsembleModel, data: BoostingData): GradientBoostingResult {
  const { train, trainY, valid } = data;
  const nTrain = train.nRows;
  const nFeatures = train.nFeatures;
  const binned = binFeatures(train, params.maxBins);
  const grower = new HistogramTreeGrower(binned);
  const random = new SeededRandom(params.seed);
  const limits: TreeGrowthLimits = {
    maxDepth: params.maxDepth,
    minSamplesLeaf: params.minSamplesLeaf,
    l2: params.l2,
    minSplitGain: params.minSplitGain,
  };
  const learningRate = params.learningRate;

  const trainPred = new Float64Array(nTrain);
  predictRowRange(start, train.values, 0, nTrain, nFeatures, trainPred);
  const validPred = valid ? new Float64Array(valid.nRows) : null;
  if (valid) predictRowRange(start, valid.values, valid.firstRow, valid.nRows, nFeatures, validPred!);

  const residual = new Float64Array(nTrain);
  const nSampledRows = Math.min(nTrain, Math.max(1, Math.round(params.rowSubsample * nTrain)));
  const nSampledFeatures = Math.min(nFeatures, Math.max(1, Math.round(params.colSubsample * nFeatures)));
  const sampledRows = new Int32Array(nSampledRows);
  const sampledFeatures = new Int32Array(nSampledFeatures);

  const trainLoss = [meanSquaredError(trainY, trainPred)];
  const validLoss = valid ? [meanSquaredError(valid.y, validPred!)] : [];
  const newTrees: RegressionTree[] = [];
  const treeGains: Float64Array[] = [];
  const patience = params.earlyStopping?.patience ?? Infinity;
  const minDelta = params.earlyStopping?.minDelta ?? 0;
  let bestIteration = 0;
  let bestValidLoss = valid ? validLoss[0]! : Infinity;
  let stoppedEarly = false;

  for (let iteration = 1; iteration <= params.nEstimators; iteration++) {
    for (let i = 0; i < nTrain; i++) residual[i] = trainY[i]! - trainPred[i]!;
    selectSorted(nTrain, sampledRows, random);
    selectSorted(nFeatures, sampledFeatures, random);
    const grown = grower.grow(sampledRows, residual, null, limits, { kind: 'per-tree', features: sampledFeatures });
    const tree = grown.tree;
    newTrees.push(tree);
    treeGains.push(grown.gainByFeature);

    for (let i = 0; i < nTrain; i++) {
      trainPred[i]! += learningRate * tree.value[leafOfBinnedRow(tree, grown.splitBin, binned.codes, nTrain, i)]!;
    }
    trainLoss.push(meanSquaredError(trainY, trainPred));
    if (!valid) continue;
    for (let i = 0; i < valid.nRows; i++) {
      validPred![i]! += learningRate * predictTreeAt(tree, valid.values, (valid.firstRow + i) * nFeatures);
    }
    const loss = meanSquaredError(valid.y, validPred!);
    validLoss.push(loss);
    if (loss < bestValidLoss - minDelta) {
      bestValidLoss = loss;
      bestIteration = iteration;
    } else if (iteration - bestIteration >= patience) {
      stoppedEarly = true;
      break;
    }
  }
  const iterationsRun = newTrees.length;
  if (!valid) bestIteration = iterationsRun;

  const featureGains = new Float64Array(nFeatures);
  for (let t = 0; t < bestIteration; t++) {
    const gains = treeGains[t]!;
    for (let f = 0; f < nFeatures; f++) featureGains[f]! += gains[f]!;
  }
  const model: TreeEnsembleModel = {
    kind: 'gbdt',
    featureNames: start.featureNames,
    baseScore: start.baseScore,
    trees: [...start.trees, ...newTrees.slice(0, bestIteration)],
    treeWeights: [...start.treeWeights, ...new Array<number>(bestIteration).fill(learningRate)],
  };
  return {
    model,
    history: {
      trainLoss,
      validLoss,
      bestIteration,
      iterationsRun,
      stoppedEarly,
      nTrainRows: nTrain,
      nValidRows: valid?.nRows ?? 0,
    },
    featureGains,
    featureImportances: normaliseImportances(featureGains),
  };
}

/** Selection sampling (Knuth's algorithm S): `out.length` distinct indices of [0, n), ascending. */
function selectSorted(n: number, out: Int32Array, random: SeededRandom): void {
  const m = out.length;
  if (m === n) {
    for (let i = 0; i < n; i++) out[i] = i;
    return;
  }
  let chosen = 0;
  for (let i = 0; i < n && chosen < m; i++) {
    if (random.next() * (n - i) < m - chosen) out[chosen++] = i;
  }
}

function meanSquaredError(y: Float64Array, pred: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i]! - pred[i]!;
    sum += d * d;
  }
  return sum / y.length;
}

function resolveParams(params: Partial<GradientBoostingParams>): GradientBoostingParams {
  const p: GradientBoostingParams = { ...DEFAULT_GRADIENT_BOOSTING_PARAMS, ...definedOnly(params) };
  requireInteger('nEstimators', p.nEstimators, 0);
  if (!(p.learningRate > 0 && p.learningRate <= 1)) throw new RangeError(`learningRate must be in (0, 1], got ${p.learningRate}`);
  if (p.maxDepth !== Infinity) requireInteger('maxDepth', p.maxDepth, 0);
  requireInteger('minSamplesLeaf', p.minSamplesLeaf, 1);
  requireFraction('rowSubsample', p.rowSubsample);
  requireFraction('colSubsample', p.colSubsample);
  if (!(p.l2 >= 0 && Number.isFinite(p.l2))) throw new RangeError(`l2 must be a finite number >= 0, got ${p.l2}`);
  if (!(p.minSplitGain >= 0 && Number.isFinite(p.minSplitGain))) throw new RangeError(`minSplitGain must be >= 0, got ${p.minSplitGain}`);
  requireInteger('seed', p.seed, -Infinity);
  const es = p.earlyStopping;
  if (es) {
    requireInteger('earlyStopping.patience', es.patience, 1);
    if (es.validationFraction !== undefined && !(es.validationFraction > 0 && es.validationFraction < 1)) {
      throw new RangeError(`earlyStopping.validationFraction must be in (0, 1), got ${es.validationFraction}`);
    }
    if (es.minDelta !== undefined && !(es.minDelta >= 0)) throw new RangeError(`earlyStopping.minDelta must be >= 0, got ${es.minDelta}`);
  }
  return p;
}

function requireInteger(name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
}

function requireFraction(name: string, value: number): void {
  if (!(value > 0 && value <= 1)) throw new RangeError(`${name} must be in (0, 1], got ${value}`);
}
