/**
 * A trained tree ensemble in flat arrays: the one shape that our own predictor, the ONNX
 * exporter (ai.onnx.ml TreeEnsembleRegressor) and the registry all share.
 *
 * Node i of a tree is a leaf when `feature[i] === -1` (its output is `value[i]`); otherwise a
 * row goes to `left[i]` when `x[feature[i]] <= threshold[i]` (ONNX BRANCH_LEQ), else `right[i]`.
 * Thresholds are float32-representable (Math.fround) so that onnxruntime, which compares in
 * float32, branches exactly as we do. Node 0 is the root.
 */
export interface RegressionTree {
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly value: Float64Array;
}

export interface TreeEnsembleModel {
  readonly kind: 'gbdt' | 'random_forest';
  readonly featureNames: readonly string[];
  /** Added to every prediction (GBDT: the initial mean; RF: 0). */
  readonly baseScore: number;
  readonly trees: readonly RegressionTree[];
  /** Weight of each tree's output (GBDT: learning rate; RF: 1 / number of trees). */
  readonly treeWeights: readonly number[];
}

const fround = Math.fround;

/** Output of one tree for one row (features as float32, as onnxruntime sees them). */
export function predictTree(tree: RegressionTree, row: ArrayLike<number>): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node]!;
    if (f < 0) return tree.value[node]!;
    node = fround(row[f]!) <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  }
}

/** Our own predictor: baseScore + Σ weight_t · tree_t(row). */
export function predictEnsemble(model: TreeEnsembleModel, row: ArrayLike<number>): number {
  let sum = model.baseScore;
  for (let t = 0; t < model.trees.length; t++) sum += model.treeWeights[t]! * predictTree(model.trees[t]!, row);
  return sum;
}
