import type { OnnxTreeModel } from './onnx-tree-model.js';

/** Rows to cycle through: an array of rows, or one row-major typed array of n × nFeatures. */
export type LatencyRows = readonly ArrayLike<number>[] | Float64Array | Float32Array;

export interface InferenceLatency {
  readonly p50Micros: number;
  readonly p99Micros: number;
  readonly meanMicros: number;
  readonly maxMicros: number;
  /** Timed calls (warm-up excluded). */
  readonly iterations: number;
}

function toRowList(rows: LatencyRows, nFeatures: number): ArrayLike<number>[] {
  if (!ArrayBuffer.isView(rows)) return [...(rows as readonly ArrayLike<number>[])];
  const flat = rows as Float64Array | Float32Array;
  if (flat.length === 0 || flat.length % nFeatures !== 0) {
    throw new RangeError(`rows: ${flat.length} values is not a whole number of ${nFeatures}-feature rows`);
  }
  const out: ArrayLike<number>[] = [];
  for (let r = 0; r < flat.length; r += nFeatures) out.push(flat.subarray(r, r + nFeatures));
  return out;
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted: Float64Array, p: number): number {
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))]!;
}

/**
 * Single-row inference latency of `model.predictOne`, as a caller awaiting it sees it (the
 * onnxruntime run plus its hand-off through the event loop). Each call is timed on its own with
 * process.hrtime.bigint after a warm-up of min(iterations, 1,000) calls; rows are cycled.
 * A benchmark helper for `npm run bench`, not a test.
 */
export async function measureInferenceLatency(
  model: OnnxTreeModel,
  rows: LatencyRows,
  iterations: number,
  options: { warmup?: number } = {},
): Promise<InferenceLatency> {
  if (!Number.isInteger(iterations) || iterations <= 0) throw new RangeError(`iterations must be a positive integer, got ${iterations}`);
  const list = toRowList(rows, model.nFeatures);
  if (list.length === 0) throw new RangeError('rows is empty');
  const warmup = options.warmup ?? Math.min(iterations, 1_000);
  for (let i = 0; i < warmup; i++) await model.predictOne(list[i % list.length]!);

  const micros = new Float64Array(iterations);
  for (let i = 0; i < iterations; i++) {
    const row = list[i % list.length]!;
    const start = process.hrtime.bigint();
    await model.predictOne(row);
    micros[i] = Number(process.hrtime.bigint() - start) / 1_000;
  }
  const mean = micros.reduce((a, b) => a + b, 0) / iterations;
  micros.sort();
  return {
    p50Micros: percentile(micros, 50),
    p99Micros: percentile(micros, 99),
    meanMicros: mean,
    maxMicros: micros[iterations - 1]!,
    iterations,
  };
}
