import type { TreeEnsembleModel } from '../tree-ensemble.js';

/** Every split threshold must survive a float32 round trip, or onnxruntime would branch differently. */
export function float32ThresholdViolations(model: TreeEnsembleModel): number[] {
  const bad: number[] = [];
  for (const tree of model.trees) {
    for (let node = 0; node < tree.feature.length; node++) {
      if (tree.feature[node]! < 0) continue;
      const t = tree.threshold[node]!;
      if (Math.fround(t) !== t) bad.push(t);
    }
  }
  return bad;
}

/** Structural sanity of the flat arrays: children in range and every non-root node reached exactly once. */
export function treeStructureErrors(model: TreeEnsembleModel): string[] {
  const errors: string[] = [];
  model.trees.forEach((tree, t) => {
    const n = tree.feature.length;
    const seen = new Uint8Array(n);
    for (let node = 0; node < n; node++) {
      if (tree.feature[node]! < 0) continue;
      if (tree.feature[node]! >= model.featureNames.length) errors.push(`tree ${t} node ${node}: feature out of range`);
      for (const child of [tree.left[node]!, tree.right[node]!]) {
        if (child <= 0 || child >= n) errors.push(`tree ${t} node ${node}: child ${child} out of range`);
        else seen[child]!++;
      }
    }
    for (let node = 1; node < n; node++) if (seen[node] !== 1) errors.push(`tree ${t} node ${node}: reached ${seen[node]} times`);
  });
  return errors;
}
