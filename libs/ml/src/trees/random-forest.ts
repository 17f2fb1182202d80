import { SeededRandom } from '../random/seeded-random.js';
import { definedOnly } from './defined-only.js';
import { binFeatures, type BinnedFeatures } from './feature-binning.js';
import { normaliseImportances } from './feature-importance.js';
import { assertFeatureMatrix, assertTargets, defaultFeatureNames, type FeatureMatrix } from './feature-matrix.js';
import { HistogramTreeGrower, type TreeGrowthLimits } from './histogram-tree-grower.js';
import type { RegressionTree, TreeEnsembleModel } from './tree-ensemble.js';

/**
 * Features tried per split: a share of them when in (0, 1), a count when an integer >= 1
 * (so 1 means one feature; use 'all' for every feature), or a rule of the feature count.
 */
export type MaxFeatures = number | 'sqrt' | 'log2' | 'third' | 'all';

export interface RandomForestParams {
  readonly nEstimators: number;
  /** Infinity grows until minSamplesLeaf stops it. */
  readonly maxDepth: number;
  /** Minimum bootstrap weight (rows counted with their multiplicity) in a leaf. */
  readonly minSamplesLeaf: number;
  readonly maxFeatures: MaxFeatures;
  /** Each tree on a bootstrap sample (n draws with replacement); otherwise on every row. */
  readonly bootstrap: boolean;
  readonly maxBins: number;
  readonly seed: number;
}

export const DEFAULT_RANDOM_FOREST_PARAMS: RandomForestParams = {
  nEstimators: 100,
  maxDepth: 8,
  minSamplesLeaf: 5,
  maxFeatures: 'third',
  bootstrap: true,
  maxBins: 255,
  seed: 42,
};

export interface RandomForestResult {
  readonly model: TreeEnsembleModel;
  /**
   * Impurity (variance-reduction) importances: each tree's reductions per feature scaled to sum
   * 1, averaged over trees, scaled to sum 1 again (all zero when no tree split).
   */
  readonly featureImportances: Float64Array;
}

/**
 * Random forest of least-squares regression trees on quantile-binned features: bootstrap rows,
 * a fresh random feature subset at every split, leaves = weighted means. Each tree draws from
 * its own forked generator, so a seed fixes the forest.
 */
export class RandomForestRegressor {
  readonly params: RandomForestParams;

  constructor(params: Partial<RandomForestParams> = {}) {
    this.params = resolveParams(params);
  }

  fit(x: FeatureMatrix, y: ArrayLike<number>): RandomForestResult {
    assertFeatureMatrix(x);
    assertTargets(y, x.nRows);
    return this.fitBinned(binFeatures(x, this.params.maxBins), y, x.featureNames);
  }

  /**
   * Fits on features binned beforehand. Callers that refit on column permutations of the same
   * data (Boruta's shadow features) can bin once and permute `codes` columns, keeping the edges.
   */
  fitBinned(binned: BinnedFeatures, y: ArrayLike<number>, featureNames?: readonly string[]): RandomForestResult {
    const { nRows, nFeatures } = binned;
    assertTargets(y, nRows);
    if (nRows < 1) throw new RangeError('random forest needs at least one row');
    if (featureNames && featureNames.length !== nFeatures) {
      throw new RangeError(`featureNames has ${featureNames.length} names for ${nFeatures} features`);
    }
    const p = this.params;
    const limits: TreeGrowthLimits = { maxDepth: p.maxDepth, minSamplesLeaf: p.minSamplesLeaf, l2: 0, minSplitGain: 0 };
    const featuresPerSplit = resolveMaxFeatures(p.maxFeatures, nFeatures);
    const grower = new HistogramTreeGrower(binned);
    const random = new SeededRandom(p.seed);
    const counts = new Float64Array(nRows);
    const rowBuffer = new Int32Array(nRows);
    const target = new Float64Array(nRows);
    const importanceSum = new Float64Array(nFeatures);
    const trees: RegressionTree[] = [];

    for (let t = 0; t < p.nEstimators; t++) {
      const treeRandom = random.fork();
      let nInBag = 0;
      let weightSum = 0;
      let ySum = 0;
      if (p.bootstrap) {
        counts.fill(0);
        for (let draw = 0; draw < nRows; draw++) counts[treeRandom.int(nRows)]! += 1;
        for (let i = 0; i < nRows; i++) {
          const c = counts[i]!;
          if (c === 0) continue;
          rowBuffer[nInBag++] = i;
          weightSum += c;
          ySum += c * y[i]!;
        }
      } else {
        for (let i = 0; i < nRows; i++) {
          rowBuffer[nInBag++] = i;
          ySum += y[i]!;
        }
        weightSum = nRows;
      }
      // Centring keeps S²/W gains free of cancellation when the labels sit far from zero.
      const mean = ySum / weightSum;
      for (let i = 0; i < nRows; i++) target[i] = y[i]! - mean;
      const grown = grower.grow(
        rowBuffer.subarray(0, nInBag),
        target,
        p.bootstrap ? counts : null,
        limits,
        { kind: 'per-node', count: featuresPerSplit, random: treeRandom },
        mean,
      );
      trees.push(grown.tree);
      const treeImportances = normaliseImportances(grown.gainByFeature);
      for (let f = 0; f < nFeatures; f++) importanceSum[f]! += treeImportances[f]!;
    }

    const model: TreeEnsembleModel = {
      kind: 'random_forest',
      featureNames: [...(featureNames ?? defaultFeatureNames(nFeatures))],
      baseScore: 0,
      trees,
      treeWeights: new Array<number>(trees.length).fill(1 / trees.length),
    };
    return { model, featureImportances: normaliseImportances(importanceSum) };
  }
}

export function resolveMaxFeatures(maxFeatures: MaxFeatures, nFeatures: number): number {
  let k: number;
  switch (maxFeatures) {
    case 'all':
      k = nFeatures;
      break;
    case 'sqrt':
      k = Math.floor(Math.sqrt(nFeatures));
      break;
    case 'log2':
      k = Math.floor(Math.log2(nFeatures));
      break;
    case 'third':
      k = Math.floor(nFeatures / 3);
      break;
    default:
      if (maxFeatures > 0 && maxFeatures < 1) k = Math.floor(maxFeatures * nFeatures);
      else if (Number.isInteger(maxFeatures) && maxFeatures >= 1) k = maxFeatures;
      else throw new RangeError(`maxFeatures must be in (0, 1), an integer >= 1 or a rule name, got ${maxFeatures}`);
  }
  return Math.min(nFeatures, Math.max(1, k));
}

function resolveParams(params: Partial<RandomForestParams>): RandomForestParams {
  const p: RandomForestParams = { ...DEFAULT_RANDOM_FOREST_PARAMS, ...definedOnly(params) };
  if (!Number.isInteger(p.nEstimators) || p.nEstimators < 1) throw new RangeError(`nEstimators must be an integer >= 1, got ${p.nEstimators}`);
  if (!(Number.isInteger(p.maxDepth) || p.maxDepth === Infinity) || p.maxDepth < 0) {
    throw new RangeError(`maxDepth must be an integer >= 0 or Infinity, got ${p.maxDepth}`);
  }
  if (!Number.isInteger(p.minSamplesLeaf) || p.minSamplesLeaf < 1) {
    throw new RangeError(`minSamplesLeaf must be an integer >= 1, got ${p.minSamplesLeaf}`);
  }
  if (!Number.isInteger(p.seed)) throw new RangeError(`seed must be an integer, got ${p.seed}`);
  resolveMaxFeatures(p.maxFeatures, 1);
  return p;
}
