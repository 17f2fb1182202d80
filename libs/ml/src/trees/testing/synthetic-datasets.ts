import { SeededRandom } from '../../random/seeded-random.js';
import type { FeatureMatrix } from '../feature-matrix.js';
import type { RegressionTree, TreeEnsembleModel } from '../tree-ensemble.js';

export interface RegressionDataset {
  readonly x: FeatureMatrix;
  readonly y: Float64Array;
}

/** Uniform features in [low, high) and y = f(row) + N(0, noise²) (Box–Muller), all from one seed. */
export function syntheticRegression(
  nRows: number,
  nFeatures: number,
  f: (row: Float64Array) => number,
  options: { seed?: number; noise?: number; low?: number; high?: number } = {},
): RegressionDataset {
  const random = new SeededRandom(options.seed ?? 1);
  const low = options.low ?? 0;
  const high = options.high ?? 1;
  const noise = options.noise ?? 0;
  const values = new Float64Array(nRows * nFeatures);
  const y = new Float64Array(nRows);
  for (let i = 0; i < nRows; i++) {
    const row = values.subarray(i * nFeatures, (i + 1) * nFeatures);
    for (let j = 0; j < nFeatures; j++) row[j] = low + (high - low) * random.next();
    y[i] = f(row) + (noise > 0 ? noise * gaussian(random) : 0);
  }
  return { x: { values, nRows, nFeatures }, y };
}

export function gaussian(random: SeededRandom): number {
  const u = 1 - random.next();
  const v = random.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function rSquared(y: ArrayLike<number>, pred: ArrayLike<number>): number {
  let mean = 0;
  for (let i = 0; i < y.length; i++) mean += y[i]!;
  mean /= y.length;
  let ssRes = 0;
  let ssTot = 0;
  for (let i = 0; i < y.length; i++) {
    ssRes += (y[i]! - pred[i]!) ** 2;
    ssTot += (y[i]! - mean) ** 2;
  }
  return 1 - ssRes / ssTot;
}

export function pearson(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0;
  let mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    sab += (a[i]! - ma) * (b[i]! - mb);
    saa += (a[i]! - ma) ** 2;
    sbb += (b[i]! - mb) ** 2;
  }
  return sab / Math.sqrt(saa * sbb);
}

export function meanSquaredError(y: ArrayLike<number>, pred: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const d = y[i]! - pred[i]!;
    sum += d * d;
  }
  return sum / y.length;
}

/** Every byte of a model, in a fixed order: equal bytes ⇔ identical model. */
export function modelBytes(model: TreeEnsembleModel): Uint8Array {
  const parts: Uint8Array[] = [new TextEncoder().encode(JSON.stringify([model.kind, model.featureNames]))];
  parts.push(new Uint8Array(Float64Array.of(model.baseScore, ...model.treeWeights).buffer));
  for (const tree of model.trees) parts.push(...treeByteParts(tree));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

function treeByteParts(tree: RegressionTree): Uint8Array[] {
  return [tree.feature, tree.threshold, tree.left, tree.right, tree.value].map(
    (a) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength),
  );
}

/** Leaf index reached by each row (float32 comparisons, as predictTree). */
export function leafOf(tree: RegressionTree, values: ArrayLike<number>, offset: number): number {
  let node = 0;
  while (tree.feature[node]! >= 0) {
    node = Math.fround(values[offset + tree.feature[node]!]!) <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
  }
  return node;
}
