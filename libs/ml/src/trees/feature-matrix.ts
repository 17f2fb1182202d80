/**
 * A dense feature matrix in one flat row-major array: row i, feature f is `values[i * nFeatures + f]`.
 * Every trainer and predictor here takes this shape, so a feature pipeline fills one Float64Array
 * and no per-row objects exist.
 */
export interface FeatureMatrix {
  readonly values: ArrayLike<number>;
  readonly nRows: number;
  readonly nFeatures: number;
  /** Column names, carried into the trained model; defaults to f0, f1, … */
  readonly featureNames?: readonly string[];
}

/** Builds a matrix from per-row arrays (convenient in tests and small tools, not on hot paths). */
export function featureMatrixFromRows(rows: readonly ArrayLike<number>[], featureNames?: readonly string[]): FeatureMatrix {
  const nRows = rows.length;
  const nFeatures = featureNames?.length ?? (nRows > 0 ? rows[0]!.length : 0);
  const values = new Float64Array(nRows * nFeatures);
  for (let i = 0; i < nRows; i++) {
    const row = rows[i]!;
    if (row.length !== nFeatures) throw new RangeError(`row ${i} has ${row.length} features, expected ${nFeatures}`);
    for (let f = 0; f < nFeatures; f++) values[i * nFeatures + f] = row[f]!;
  }
  return featureNames ? { values, nRows, nFeatures, featureNames } : { values, nRows, nFeatures };
}

/** Shape checks shared by the trainers; a wrong shape is a programming error and fails loudly. */
export function assertFeatureMatrix(x: FeatureMatrix, what = 'x'): void {
  if (!Number.isInteger(x.nRows) || x.nRows < 0) throw new RangeError(`${what}.nRows must be a non-negative integer, got ${x.nRows}`);
  if (!Number.isInteger(x.nFeatures) || x.nFeatures < 1) throw new RangeError(`${what}.nFeatures must be a positive integer, got ${x.nFeatures}`);
  if (x.values.length < x.nRows * x.nFeatures) {
    throw new RangeError(`${what}.values has ${x.values.length} entries, expected ${x.nRows} × ${x.nFeatures}`);
  }
  if (x.featureNames && x.featureNames.length !== x.nFeatures) {
    throw new RangeError(`${what}.featureNames has ${x.featureNames.length} names for ${x.nFeatures} features`);
  }
}

/** Targets must be finite: a NaN label is corrupt data, not something to train around. */
export function assertTargets(y: ArrayLike<number>, nRows: number, what = 'y'): void {
  if (y.length !== nRows) throw new RangeError(`${what} has ${y.length} values for ${nRows} rows`);
  for (let i = 0; i < nRows; i++) {
    if (!Number.isFinite(y[i]!)) throw new RangeError(`${what}[${i}] is not finite (${y[i]})`);
  }
}

export function defaultFeatureNames(nFeatures: number): string[] {
  return Array.from({ length: nFeatures }, (_, f) => `f${f}`);
}
