import type { RegressionTree, TreeEnsembleModel } from './tree-ensemble.js';

/**
 * `predictTree` on row `offset / nFeatures` of a flat row-major array, without a row view.
 * Same semantics as `predictTree`: features compared as float32, `<=` goes left.
 */
const fround = Math.fround;

export function predictTreeAt(tree: RegressionTree, values: ArrayLike<number>, offset: number): number {
  const feature = tree.feature;
  const threshold = tree.threshold;
  let node = 0;
  for (;;) {
    const f = feature[node]!;
    if (f < 0) return tree.value[node]!;
    node = fround(values[offset + f]!) <= threshold[node]! ? tree.left[node]! : tree.right[node]!;
  }
}

/**
 * Predictions for `nRows` rows of a flat row-major matrix; each equals
 * `predictEnsemble(model, row)` bit for bit (same terms, same order of addition).
 */
export function predictBatch(model: TreeEnsembleModel, rows: ArrayLike<number>, nRows: number, nFeatures: number): Float64Array {
  const out = new Float64Array(nRows);
  predictRowRange(model, rows, 0, nRows, nFeatures, out);
  return out;
}

/** Writes predictions for rows [firstRow, firstRow + nRows) of a flat matrix into `out[0 … nRows)`. */
export function predictRowRange(
  model: TreeEnsembleModel,
  values: ArrayLike<number>,
  firstRow: number,
  nRows: number,
  nFeatures: number,
  out: Float64Array,
): void {
  if (nFeatures !== model.featureNames.length) {
    throw new RangeError(`model expects ${model.featureNames.length} features, got rows of ${nFeatures}`);
  }
  if (values.length < (firstRow + nRows) * nFeatures) {
    throw new RangeError(`rows has ${values.length} values, expected ${firstRow + nRows} × ${nFeatures}`);
  }
  const trees = model.trees;
  const weights = model.treeWeights;
  const nTrees = trees.length;
  for (let i = 0; i < nRows; i++) {
    const offset = (firstRow + i) * nFeatures;
    let sum = model.baseScore;
    for (let t = 0; t < nTrees; t++) sum += weights[t]! * predictTreeAt(trees[t]!, values, offset);
    out[i] = sum;
  }
}
