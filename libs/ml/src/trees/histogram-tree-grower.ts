import type { SeededRandom } from '../random/seeded-random.js';
import type { BinnedFeatures } from './feature-binning.js';
import type { RegressionTree } from './tree-ensemble.js';

const RELATIVE_GAIN_TOLERANCE = 1e-10;

export interface TreeGrowthLimits {
  readonly maxDepth: number;
  /** Minimum total row weight in a leaf (row count for unit weights, bootstrap multiplicity otherwise). */
  readonly minSamplesLeaf: number;
  /** λ in leaf = S / (W + λ) and in the gain; 0 gives plain means (random forest). */
  readonly l2: number;
  /** A split must reduce the squared error by more than this. */
  readonly minSplitGain: number;
}

/** Which features a split may use: a fixed set for the whole tree (GBDT), or a fresh random draw per node (RF). */
export type FeatureSampling =
  | { readonly kind: 'per-tree'; readonly features: Int32Array }
  | { readonly kind: 'per-node'; readonly count: number; readonly random: SeededRandom };

export interface GrownTree {
  readonly tree: RegressionTree;
  /** Split bin per node (−1 at leaves): lets the trainer route binned rows without thresholds. */
  readonly splitBin: Int32Array;
  /** Squared-error reduction credited to each feature by this tree's splits. */
  readonly gainByFeature: Float64Array;
}

/**
 * Grows one least-squares regression tree on binned features from per-row targets and weights.
 *
 * A split of a node with target sum S and weight W into (S_L, W_L), (S_R, W_R) reduces
 * Σ(t − v)² + λv² by S_L²/(W_L+λ) + S_R²/(W_R+λ) − S²/(W+λ); for a GBDT the targets are the
 * residuals (negative gradients of squared error, unit hessians), for a random forest the
 * centred labels with λ = 0, where this is the variance reduction. Histograms hold (S, W) per
 * bin; with a per-tree feature set a large child's histogram is the parent's minus its smaller
 * sibling's, so the rows of each level are mostly counted once for the smaller halves.
 *
 * One grower is reused for every tree of a fit: its buffers are sized once for the data.
 */
export class HistogramTreeGrower {
  private readonly codes: Uint8Array;
  private readonly nRows: number;
  private readonly nBins: Int32Array;
  private readonly binOffset: Int32Array;
  private readonly upperEdges: Float64Array;
  private readonly histPool: Float64Array[] = [];
  private readonly rows: Int32Array;
  private readonly rowScratch: Int32Array;
  private readonly targetScratch: Float64Array;
  private readonly weightScratch: Float64Array;
  private readonly nodeFeatures: Int32Array;
  private readonly featurePermutation: Int32Array;

  // Per-tree state.
  private target: Float64Array = new Float64Array(0);
  private weight: Float64Array | null = null;
  private limits!: TreeGrowthLimits;
  private sampling!: FeatureSampling;
  private leafOffset = 0;
  private binsPerTree = 0;
  private nodeFeature: number[] = [];
  private nodeThreshold: number[] = [];
  private nodeLeft: number[] = [];
  private nodeRight: number[] = [];
  private nodeValue: number[] = [];
  private nodeSplitBin: number[] = [];
  private gainByFeature: Float64Array = new Float64Array(0);

  constructor(private readonly binned: BinnedFeatures) {
    this.codes = binned.codes;
    this.nRows = binned.nRows;
    this.nBins = binned.nBins;
    this.binOffset = binned.binOffset;
    this.upperEdges = binned.upperEdges;
    this.rows = new Int32Array(binned.nRows);
    this.rowScratch = new Int32Array(binned.nRows);
    this.targetScratch = new Float64Array(binned.nRows);
    this.weightScratch = new Float64Array(binned.nRows);
    this.nodeFeatures = new Int32Array(binned.nFeatures);
    this.featurePermutation = Int32Array.from({ length: binned.nFeatures }, (_, f) => f);
  }

  /**
   * @param rows      rows the tree is fitted on, ascending, each with weight > 0
   * @param target    per-row target (indexed by row id)
   * @param weight    per-row weight, or null for all ones
   * @param leafOffset added to every leaf value (the random forest's centring mean)
   */
  grow(
    rows: Int32Array,
    target: Float64Array,
    weight: Float64Array | null,
    limits: TreeGrowthLimits,
    sampling: FeatureSampling,
    leafOffset = 0,
  ): GrownTree {
    this.target = target;
    this.weight = weight;
    this.limits = limits;
    this.sampling = sampling;
    this.leafOffset = leafOffset;
    this.nodeFeature = [];
    this.nodeThreshold = [];
    this.nodeLeft = [];
    this.nodeRight = [];
    this.nodeValue = [];
    this.nodeSplitBin = [];
    this.gainByFeature = new Float64Array(this.binned.nFeatures);

    const n = rows.length;
    this.rows.set(rows);
    let sum = 0;
    let totalWeight = 0;
    for (let k = 0; k < n; k++) {
      const i = rows[k]!;
      const w = weight ? weight[i]! : 1;
      sum += w * target[i]!;
      totalWeight += w;
    }
    const root = this.newNode();
    this.binsPerTree = 0;
    if (sampling.kind === 'per-tree') for (const f of sampling.features) this.binsPerTree += this.nBins[f]!;
    let hist: Float64Array | null = null;
    if (sampling.kind === 'per-tree' && this.canSplit(0, totalWeight, n)) {
      hist = this.acquireHistogram();
      this.buildHistogram(hist, 0, n, sampling.features, sampling.features.length);
    }
    this.growNode(root, 0, n, 0, sum, totalWeight, hist);

    const tree: RegressionTree = {
      feature: Int32Array.from(this.nodeFeature),
      threshold: Float64Array.from(this.nodeThreshold),
      left: Int32Array.from(this.nodeLeft),
      right: Int32Array.from(this.nodeRight),
      value: Float64Array.from(this.nodeValue),
    };
    return { tree, splitBin: Int32Array.from(this.nodeSplitBin), gainByFeature: this.gainByFeature };
  }

  private newNode(): number {
    this.nodeFeature.push(-1);
    this.nodeThreshold.push(0);
    this.nodeLeft.push(-1);
    this.nodeRight.push(-1);
    this.nodeValue.push(0);
    this.nodeSplitBin.push(-1);
    return this.nodeFeature.length - 1;
  }

  private canSplit(depth: number, totalWeight: number, count: number): boolean {
    return depth < this.limits.maxDepth && count >= 2 && totalWeight >= 2 * this.limits.minSamplesLeaf;
  }

  private makeLeaf(node: number, sum: number, totalWeight: number): void {
    this.nodeValue[node] = sum / (totalWeight + this.limits.l2) + this.leafOffset;
  }

  /** `hist` is the node's own histogram (per-tree sampling) or null; the node releases it. */
  private growNode(node: number, start: number, end: number, depth: number, sum: number, totalWeight: number, hist: Float64Array | null): void {
    if (!this.canSplit(depth, totalWeight, end - start)) {
      if (hist) this.releaseHistogram(hist);
      this.makeLeaf(node, sum, totalWeight);
      return;
    }
    let features: Int32Array;
    let featureCount: number;
    if (this.sampling.kind === 'per-node') {
      featureCount = this.drawNodeFeatures(this.sampling.count, this.sampling.random);
      features = this.nodeFeatures;
      hist = this.acquireHistogram();
      this.buildHistogram(hist, start, end, features, featureCount);
    } else {
      features = this.sampling.features;
      featureCount = features.length;
    }

    // Best split: the first (feature ascending, bin ascending) with the largest gain.
    const { minSamplesLeaf, l2 } = this.limits;
    const parentScore = (sum * sum) / (totalWeight + l2);
    let bestGain = this.limits.minSplitGain > 0 ? this.limits.minSplitGain : 0;
    let bestFeature = -1;
    let bestBin = -1;
    let bestLeftSum = 0;
    let bestLeftWeight = 0;
    const h = hist!;
    for (let q = 0; q < featureCount; q++) {
      const f = features[q]!;
      const lastBin = this.nBins[f]! - 1;
      let j = this.binOffset[f]! * 2;
      let leftSum = 0;
      let leftWeight = 0;
      for (let b = 0; b < lastBin; b++, j += 2) {
        const binWeight = h[j + 1]!;
        leftSum += h[j]!;
        // An empty bin moves no row: its split equals the previous bin's, which already lost or won.
        if (binWeight === 0) continue;
        leftWeight += binWeight;
        if (leftWeight < minSamplesLeaf) continue;
        const rightWeight = totalWeight - leftWeight;
        if (rightWeight < minSamplesLeaf) break;
        const rightSum = sum - leftSum;
        const childScore = (leftSum * leftSum) / (leftWeight + l2) + (rightSum * rightSum) / (rightWeight + l2);
        const gain = childScore - parentScore;
        // Gains within rounding of the scores are noise (e.g. a node whose residuals are all equal).
        if (gain > bestGain && gain > RELATIVE_GAIN_TOLERANCE * childScore) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
          bestLeftSum = leftSum;
          bestLeftWeight = leftWeight;
        }
      }
    }
    if (bestFeature < 0) {
      this.releaseHistogram(h);
      this.makeLeaf(node, sum, totalWeight);
      return;
    }

    const mid = this.partition(start, end, bestFeature, bestBin);
    const left = this.newNode();
    const right = this.newNode();
    this.nodeFeature[node] = bestFeature;
    this.nodeThreshold[node] = this.upperEdges[this.binOffset[bestFeature]! + bestBin]!;
    this.nodeSplitBin[node] = bestBin;
    this.nodeLeft[node] = left;
    this.nodeRight[node] = right;
    this.gainByFeature[bestFeature]! += bestGain;

    const leftSum = bestLeftSum;
    const leftWeight = bestLeftWeight;
    const rightSum = sum - leftSum;
    const rightWeight = totalWeight - leftWeight;
    const childDepth = depth + 1;

    if (this.sampling.kind === 'per-node') {
      this.releaseHistogram(h);
      this.growNode(left, start, mid, childDepth, leftSum, leftWeight, null);
      this.growNode(right, mid, end, childDepth, rightSum, rightWeight, null);
      return;
    }

    const leftSplits = this.canSplit(childDepth, leftWeight, mid - start);
    const rightSplits = this.canSplit(childDepth, rightWeight, end - mid);
    const smallerIsLeft = mid - start <= end - mid;
    const [smallStart, smallEnd, largeStart, largeEnd] = smallerIsLeft ? [start, mid, mid, end] : [mid, end, start, mid];
    const smallSplits = smallerIsLeft ? leftSplits : rightSplits;
    const largeSplits = smallerIsLeft ? rightSplits : leftSplits;
    // Subtracting costs a pass over every bin: a child with fewer rows than bins is cheaper to count directly.
    const subtract = largeSplits && (largeEnd - largeStart) * featureCount >= this.binsPerTree;
    let smallHist: Float64Array | null = null;
    if (smallSplits || subtract) {
      smallHist = this.acquireHistogram();
      this.buildHistogram(smallHist, smallStart, smallEnd, features, featureCount);
    }
    let largeHist: Float64Array | null = null;
    if (subtract) {
      this.subtractHistogram(h, smallHist!, features, featureCount);
      largeHist = h;
    } else if (largeSplits) {
      this.buildHistogram(h, largeStart, largeEnd, features, featureCount);
      largeHist = h;
    } else {
      this.releaseHistogram(h);
    }
    const leftHist = smallerIsLeft ? smallHist : largeHist;
    const rightHist = smallerIsLeft ? largeHist : smallHist;
    this.growNode(left, start, mid, childDepth, leftSum, leftWeight, leftHist);
    this.growNode(right, mid, end, childDepth, rightSum, rightWeight, rightHist);
  }

  /** Draws `count` distinct features (partial Fisher–Yates), sorted so ties break by feature index. */
  private drawNodeFeatures(count: number, random: SeededRandom): number {
    const perm = this.featurePermutation;
    const n = perm.length;
    for (let k = 0; k < count; k++) {
      const j = k + random.int(n - k);
      const tmp = perm[k]!;
      perm[k] = perm[j]!;
      perm[j] = tmp;
    }
    const chosen = this.nodeFeatures.subarray(0, count);
    chosen.set(perm.subarray(0, count));
    chosen.sort();
    return count;
  }

  /** Stable in-place partition of rows[start, end): bin <= splitBin first. Returns the boundary. */
  private partition(start: number, end: number, feature: number, splitBin: number): number {
    const rows = this.rows;
    const scratch = this.rowScratch;
    const codes = this.codes;
    const col = feature * this.nRows;
    let l = start;
    let r = 0;
    for (let k = start; k < end; k++) {
      const i = rows[k]!;
      if (codes[col + i]! <= splitBin) rows[l++] = i;
      else scratch[r++] = i;
    }
    rows.set(scratch.subarray(0, r), l);
    return l;
  }

  private buildHistogram(h: Float64Array, start: number, end: number, features: Int32Array, featureCount: number): void {
    const rows = this.rows;
    const codes = this.codes;
    const n = end - start;
    const t = this.targetScratch;
    const w = this.weightScratch;
    const target = this.target;
    const weight = this.weight;
    // Gather once per node so the per-feature loops read (weighted) targets sequentially.
    if (weight) {
      for (let k = 0; k < n; k++) {
        const i = rows[start + k]!;
        w[k] = weight[i]!;
        t[k] = weight[i]! * target[i]!;
      }
    } else {
      for (let k = 0; k < n; k++) t[k] = target[rows[start + k]!]!;
    }
    for (let q = 0; q < featureCount; q++) {
      const f = features[q]!;
      const base = this.binOffset[f]! * 2;
      h.fill(0, base, base + this.nBins[f]! * 2);
      const col = f * this.nRows;
      if (weight) {
        for (let k = 0; k < n; k++) {
          const j = base + 2 * codes[col + rows[start + k]!]!;
          h[j]! += t[k]!;
          h[j + 1]! += w[k]!;
        }
      } else {
        for (let k = 0; k < n; k++) {
          const j = base + 2 * codes[col + rows[start + k]!]!;
          h[j]! += t[k]!;
          h[j + 1]! += 1;
        }
      }
    }
  }

  private subtractHistogram(into: Float64Array, minus: Float64Array, features: Int32Array, featureCount: number): void {
    for (let q = 0; q < featureCount; q++) {
      const f = features[q]!;
      const base = this.binOffset[f]! * 2;
      const stop = base + this.nBins[f]! * 2;
      for (let j = base; j < stop; j++) into[j]! -= minus[j]!;
    }
  }

  private acquireHistogram(): Float64Array {
    return this.histPool.pop() ?? new Float64Array(this.binned.totalBins * 2);
  }

  private releaseHistogram(h: Float64Array): void {
    this.histPool.push(h);
  }
}

/** Leaf reached by training row i through binned codes (identical to the float32 threshold path). */
export function leafOfBinnedRow(tree: RegressionTree, splitBin: Int32Array, codes: Uint8Array, nRows: number, i: number): number {
  let node = 0;
  for (;;) {
    const f = tree.feature[node]!;
    if (f < 0) return node;
    node = codes[f * nRows + i]! <= splitBin[node]! ? tree.left[node]! : tree.right[node]!;
  }
}
