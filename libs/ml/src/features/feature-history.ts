import { dvolKnownAt, type DvolCandle, type FeatureBar, type FundingPoint } from './feature-inputs.js';
import { FeaturePipeline, type FeatureInputs, type FeatureOptions } from './feature-pipeline.js';
import type { FeatureSpec } from './feature-spec.js';

/** Everything recorded for one instrument, each series sorted by time. */
export interface FeatureHistory {
  readonly bars: readonly FeatureBar[];
  /** BTC bars covering the instrument's bars (same open times); needed for cross-asset specs. */
  readonly btcBars?: readonly FeatureBar[];
  /** The spec's DVOL index (BTC DVOL for SOL). */
  readonly dvol: readonly DvolCandle[];
  readonly funding: readonly FundingPoint[];
}

/**
 * Replays a history as the live system would have received it: at each bar's close, that bar,
 * the BTC bar of the same open time, and only the DVOL days closed and funding settled since
 * the previous bar's close.
 */
export function* replayFeatureInputs(history: FeatureHistory): Generator<FeatureInputs> {
  const btcByOpen = new Map<number, FeatureBar>();
  for (const b of history.btcBars ?? []) btcByOpen.set(b.tsOpen, b);
  let d = 0;
  let f = 0;
  for (const bar of history.bars) {
    const dvol: DvolCandle[] = [];
    while (d < history.dvol.length && dvolKnownAt(history.dvol[d]!) <= bar.tsClose) dvol.push(history.dvol[d++]!);
    const funding: FundingPoint[] = [];
    while (f < history.funding.length && history.funding[f]!.ts <= bar.tsClose) funding.push(history.funding[f++]!);
    yield { bar, btcBar: btcByOpen.get(bar.tsOpen) ?? null, dvol, funding };
  }
}

/**
 * The training matrix: row-major `values[i * nFeatures + f]`, the shape the tree trainers take
 * (`FeatureMatrix` in ../trees), plus when each row became known and which bar it belongs to.
 */
export interface BarFeatureMatrix {
  readonly values: Float64Array;
  readonly nRows: number;
  readonly nFeatures: number;
  readonly featureNames: readonly string[];
  /** Close time of the row's bar: the moment the row is known (ms UTC). */
  readonly ts: Float64Array;
  /** Index of the row's bar in `history.bars` (for labels and prices). */
  readonly barIndex: Int32Array;
}

/** The batch matrix is, by construction, the fold of the streaming update over the replayed history. */
export function buildFeatureMatrix(spec: FeatureSpec, history: FeatureHistory, options: FeatureOptions = {}): BarFeatureMatrix {
  const pipeline = new FeaturePipeline(spec, options);
  const width = pipeline.width;
  const capacity = history.bars.length;
  const values = new Float64Array(capacity * width);
  const ts = new Float64Array(capacity);
  const barIndex = new Int32Array(capacity);
  let nRows = 0;
  let i = 0;
  for (const inputs of replayFeatureInputs(history)) {
    const row = pipeline.update(inputs);
    if (row !== null) {
      values.set(row, nRows * width);
      ts[nRows] = inputs.bar.tsClose;
      barIndex[nRows] = i;
      nRows++;
    }
    i++;
  }
  return {
    values: values.slice(0, nRows * width),
    nRows,
    nFeatures: width,
    featureNames: pipeline.names,
    ts: ts.slice(0, nRows),
    barIndex: barIndex.slice(0, nRows),
  };
}

/** Row `i` of a matrix (a view, not a copy). */
export function featureRow(matrix: BarFeatureMatrix, i: number): Float64Array {
  if (!Number.isInteger(i) || i < 0 || i >= matrix.nRows) throw new RangeError(`row ${i} outside 0..${matrix.nRows - 1}`);
  return matrix.values.subarray(i * matrix.nFeatures, (i + 1) * matrix.nFeatures);
}
