import { assertFeatureMatrix, type FeatureMatrix } from './feature-matrix.js';

export const MAX_BINS_LIMIT = 256;

/**
 * Features quantised to at most 256 bins each, stored as one byte per cell, column-major
 * (`codes[f * nRows + i]`) so a histogram pass over one feature reads one contiguous column.
 *
 * Bin b of feature f holds the values v with `upperEdge(b − 1) < Math.fround(v) <= upperEdge(b)`.
 * The edges are float32 values, so a split "bin <= b" is exactly the model test
 * `Math.fround(x) <= threshold` with threshold = upperEdge(b): training and prediction (ours and
 * onnxruntime's) send every row the same way. NaN falls in the last bin, as it goes right at
 * every `<=` test.
 */
export interface BinnedFeatures {
  readonly nRows: number;
  readonly nFeatures: number;
  readonly codes: Uint8Array;
  /** Bins per feature (1 when the feature is constant or all-NaN). */
  readonly nBins: Int32Array;
  /** Index of feature f's first bin in `upperEdges` (and in a flattened histogram). */
  readonly binOffset: Int32Array;
  /** Upper edge of every bin, flattened by feature; a feature's last bin ends at +Infinity. */
  readonly upperEdges: Float64Array;
  readonly totalBins: number;
}

/** Quantile-bins the first `x.nRows` rows of `x`. */
export function binFeatures(x: FeatureMatrix, maxBins = 255): BinnedFeatures {
  assertFeatureMatrix(x);
  if (!Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_BINS_LIMIT) {
    throw new RangeError(`maxBins must be an integer in [2, ${MAX_BINS_LIMIT}], got ${maxBins}`);
  }
  const { nRows, nFeatures, values } = x;
  const edgesByFeature: Float64Array[] = [];
  const sorted = new Float64Array(nRows);
  for (let f = 0; f < nFeatures; f++) {
    let m = 0;
    for (let i = 0; i < nRows; i++) {
      const v = Math.fround(values[i * nFeatures + f]!);
      if (v === v) sorted[m++] = v;
    }
    const column = sorted.subarray(0, m);
    column.sort();
    edgesByFeature.push(quantileUpperEdges(column, maxBins));
  }

  const nBins = new Int32Array(nFeatures);
  const binOffset = new Int32Array(nFeatures);
  let totalBins = 0;
  for (let f = 0; f < nFeatures; f++) {
    binOffset[f] = totalBins;
    nBins[f] = edgesByFeature[f]!.length + 1;
    totalBins += nBins[f]!;
  }
  const upperEdges = new Float64Array(totalBins);
  for (let f = 0; f < nFeatures; f++) {
    upperEdges.set(edgesByFeature[f]!, binOffset[f]!);
    upperEdges[binOffset[f]! + nBins[f]! - 1] = Infinity;
  }

  const codes = new Uint8Array(nRows * nFeatures);
  for (let f = 0; f < nFeatures; f++) {
    const edges = edgesByFeature[f]!;
    const last = edges.length;
    const col = f * nRows;
    for (let i = 0; i < nRows; i++) codes[col + i] = binOf(edges, last, Math.fround(values[i * nFeatures + f]!));
  }
  return { nRows, nFeatures, codes, nBins, binOffset, upperEdges, totalBins };
}

/** The bin of a float32 value: the first edge it does not exceed; NaN and values above all edges go last. */
function binOf(edges: Float64Array, last: number, v: number): number {
  if (!(v <= edges[last - 1]!)) return last; // also NaN, and last === 0
  let lo = 0;
  let hi = last - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= edges[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Finite upper edges (ascending, float32) cutting sorted float32 values into at most `maxBins`
 * bins of roughly equal counts. Each edge lies between two distinct neighbouring values, so ties
 * never straddle an edge; with few distinct values each gets its own bin.
 */
export function quantileUpperEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const m = sorted.length;
  if (m === 0) return new Float64Array(0);
  let distinct = 1;
  for (let i = 1; i < m; i++) if (sorted[i]! !== sorted[i - 1]!) distinct++;
  const edges: number[] = [];
  if (distinct <= maxBins) {
    for (let i = 1; i < m; i++) if (sorted[i]! !== sorted[i - 1]!) edges.push(edgeBetween(sorted[i - 1]!, sorted[i]!));
    return Float64Array.from(edges);
  }
  let j = 0;
  for (let k = 1; k < maxBins; k++) {
    const boundary = Math.floor((k * m) / maxBins);
    if (boundary < 1) continue;
    const below = sorted[boundary - 1]!;
    if (j < boundary) j = boundary;
    while (j < m && sorted[j]! <= below) j++;
    if (j >= m) break;
    const edge = edgeBetween(below, sorted[j]!);
    if (edges.length === 0 || edge > edges[edges.length - 1]!) edges.push(edge);
  }
  return Float64Array.from(edges);
}

/** A float32 t with a <= t < b (a < b both float32): the midpoint when representable apart from b. */
function edgeBetween(a: number, b: number): number {
  const t = Math.fround(a / 2 + b / 2);
  return t >= a && t < b ? t : a;
}
