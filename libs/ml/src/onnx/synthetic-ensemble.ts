import { SeededRandom } from '../random/seeded-random.js';
import type { RegressionTree, TreeEnsembleModel } from '../trees/tree-ensemble.js';

/**
 * Deterministic random tree ensembles in the shared flat-array shape: production-sized stand-ins
 * for parity tests and latency benchmarks (they predict nothing useful).
 */
export interface RandomEnsembleOptions {
  readonly seed: number;
  readonly nTrees: number;
  /** Depth of a full tree (root = depth 0); a full tree has 2^depth leaves. */
  readonly depth: number;
  readonly featureNames: readonly string[];
  readonly kind: 'gbdt' | 'random_forest';
  /** Default 0. */
  readonly baseScore?: number;
  /** One weight for all trees, or one per tree. Default: gbdt 0.1, random_forest 1 / nTrees. */
  readonly treeWeights?: number | readonly number[];
  /** Standard deviation of the leaf values. Default 0.02 (a 4h log-return scale). */
  readonly leafScale?: number;
  /**
   * Row-major sample (n × featureNames.length). Each split takes its threshold from a sample row
   * that reaches that node (Math.fround of its value), as a fitted tree would; without a sample
   * thresholds are float32-rounded standard normals.
   */
  readonly sample?: ArrayLike<number>;
  /** Chance that a node above full depth becomes a leaf early (irregular trees). Default 0. */
  readonly earlyLeafProbability?: number;
  /** Store nodes in a random order (root stays node 0) instead of build order. Default false. */
  readonly shuffleNodes?: boolean;
}

function gaussian(rng: SeededRandom): number {
  const u = 1 - rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

interface MutableTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

function buildTree(rng: SeededRandom, opts: RandomEnsembleOptions, nFeatures: number, sampleRows: number): MutableTree {
  const tree: MutableTree = { feature: [], threshold: [], left: [], right: [], value: [] };
  const leafScale = opts.leafScale ?? 0.02;
  const earlyLeaf = opts.earlyLeafProbability ?? 0;
  const sample = opts.sample;
  const grow = (level: number, rows: number[]): number => {
    const id = tree.feature.length;
    tree.feature.push(-1);
    tree.threshold.push(0);
    tree.left.push(-1);
    tree.right.push(-1);
    tree.value.push(0);
    if (level >= opts.depth || (level > 0 && rng.next() < earlyLeaf)) {
      tree.value[id] = gaussian(rng) * leafScale;
      return id;
    }
    const f = rng.int(nFeatures);
    let threshold: number;
    if (sample && sampleRows > 0) {
      const r = rows.length > 0 ? rows[rng.int(rows.length)]! : rng.int(sampleRows);
      threshold = Math.fround(sample[r * nFeatures + f]!);
    } else {
      threshold = Math.fround(gaussian(rng));
    }
    const fround = Math.fround;
    const goLeft: number[] = [];
    const goRight: number[] = [];
    if (sample) for (const r of rows) (fround(sample[r * nFeatures + f]!) <= threshold ? goLeft : goRight).push(r);
    tree.feature[id] = f;
    tree.threshold[id] = threshold;
    tree.left[id] = grow(level + 1, goLeft);
    tree.right[id] = grow(level + 1, goRight);
    return id;
  };
  const all = Array.from({ length: sampleRows }, (_, i) => i);
  grow(0, all);
  return tree;
}

function freeze(tree: MutableTree, order?: number[]): RegressionTree {
  const n = tree.feature.length;
  // order[newIndex] = oldIndex; position[oldIndex] = newIndex
  const ord = order ?? Array.from({ length: n }, (_, i) => i);
  const position = new Int32Array(n);
  ord.forEach((old, i) => (position[old] = i));
  const remap = (child: number) => (child < 0 ? -1 : position[child]!);
  return {
    feature: Int32Array.from(ord, (o) => tree.feature[o]!),
    threshold: Float64Array.from(ord, (o) => tree.threshold[o]!),
    left: Int32Array.from(ord, (o) => remap(tree.left[o]!)),
    right: Int32Array.from(ord, (o) => remap(tree.right[o]!)),
    value: Float64Array.from(ord, (o) => tree.value[o]!),
  };
}

export function randomTreeEnsemble(opts: RandomEnsembleOptions): TreeEnsembleModel {
  const nFeatures = opts.featureNames.length;
  if (nFeatures === 0) throw new RangeError('featureNames is empty');
  if (!Number.isInteger(opts.depth) || opts.depth < 0) throw new RangeError(`depth must be a non-negative integer, got ${opts.depth}`);
  const sampleRows = opts.sample ? Math.floor(opts.sample.length / nFeatures) : 0;
  const rng = new SeededRandom(opts.seed);
  const trees: RegressionTree[] = [];
  for (let t = 0; t < opts.nTrees; t++) {
    const treeRng = rng.fork();
    const tree = buildTree(treeRng, opts, nFeatures, sampleRows);
    let order: number[] | undefined;
    if (opts.shuffleNodes) {
      const rest = Array.from({ length: tree.feature.length - 1 }, (_, i) => i + 1);
      treeRng.shuffle(rest);
      order = [0, ...rest];
    }
    trees.push(freeze(tree, order));
  }
  const w = opts.treeWeights ?? (opts.kind === 'gbdt' ? 0.1 : 1 / opts.nTrees);
  const treeWeights = typeof w === 'number' ? new Array<number>(opts.nTrees).fill(w) : [...w];
  if (treeWeights.length !== opts.nTrees) throw new RangeError(`treeWeights has ${treeWeights.length} entries for ${opts.nTrees} trees`);
  return { kind: opts.kind, featureNames: [...opts.featureNames], baseScore: opts.baseScore ?? 0, trees, treeWeights };
}
