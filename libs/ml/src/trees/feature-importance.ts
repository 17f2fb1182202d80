/** Scales non-negative importances to sum 1; all zeros stay zeros (nothing was split on). */
export function normaliseImportances(values: Float64Array): Float64Array {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += values[i]!;
  const out = new Float64Array(values.length);
  if (total > 0) for (let i = 0; i < values.length; i++) out[i] = values[i]! / total;
  return out;
}

export interface RankedFeature {
  readonly name: string;
  readonly index: number;
  readonly importance: number;
}

/** Features by decreasing importance (ties by index), for reports and selection lists. */
export function rankFeatures(featureNames: readonly string[], importances: ArrayLike<number>): RankedFeature[] {
  return featureNames
    .map((name, index) => ({ name, index, importance: importances[index]! }))
    .sort((a, b) => b.importance - a.importance || a.index - b.index);
}
