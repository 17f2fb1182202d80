/**
 * Hierarchical risk allocation (HRAA): HRP weights, then regime scaling and exposure caps.
 *
 * Rules:
 * 1. Correlation ρ from the covariance Σ; distance dᵢⱼ = √((1 − ρᵢⱼ)/2) ∈ [0, 1].
 * 2. Single-linkage agglomerative clustering directly on d (cluster distance = min pairwise d; ties → lower index).
 * 3. Quasi-diagonal order = leaves of the dendrogram read left to right (left child = earlier-formed / lower-index side).
 * 4. Recursive bisection along the dendrogram (each split follows the tree's two children, not list halves, so
 *    correlated groups are never cut): cluster variance V = wᵀΣw with w ∝ 1/diag(Σ) inside the cluster;
 *    left gets α = 1 − V_left/(V_left + V_right), right gets 1 − α. Result: positive weights summing to 1.
 * 5. Scale: w × budget × regimeMultiplier (budget = gross exposure at multiplier 1, as a fraction of equity).
 * 6. Per-instrument cap: |w| ≤ maxWeight; the excess is NOT redistributed (conservative).
 * 7. Signs from `directions` (+1 long, −1 short; default +1). Gross cap: if Σ|w| > maxGross, all scaled down
 *    proportionally. Net cap: if |Σw| > maxNet, only the dominant side is scaled down until |net| = maxNet.
 * Output `limits` (|w|) are usable as per-instrument exposure limits (fractions of equity).
 */
export interface HrpResult {
  /** HRP weights (positive, sum 1), indexed as the input. */
  readonly weights: number[];
  /** Quasi-diagonal order (indices into the input). */
  readonly order: number[];
}

export type Node = { readonly leaves: number[]; readonly left?: Node; readonly right?: Node };

export function correlationFromCovariance(cov: readonly (readonly number[])[]): number[][] {
  const sd = cov.map((r, i) => Math.sqrt(r[i]));
  return cov.map((r, i) => r.map((c, j) => (i === j ? 1 : sd[i] > 0 && sd[j] > 0 ? Math.max(-1, Math.min(1, c / (sd[i] * sd[j]))) : 0)));
}

export function correlationDistance(rho: number): number {
  return Math.sqrt(Math.max(0, (1 - rho) / 2));
}

/** Single-linkage dendrogram on correlation distance. */
export function singleLinkage(corr: readonly (readonly number[])[]): Node {
  let clusters: Node[] = corr.map((_, i) => ({ leaves: [i] }));
  if (clusters.length === 0) throw new Error('singleLinkage: empty');
  while (clusters.length > 1) {
    let best = Infinity;
    let bi = 0;
    let bj = 1;
    for (let a = 0; a < clusters.length; a++)
      for (let b = a + 1; b < clusters.length; b++) {
        let d = Infinity;
        for (const i of clusters[a].leaves) for (const j of clusters[b].leaves) d = Math.min(d, correlationDistance(corr[i][j]));
        if (d < best) {
          best = d;
          bi = a;
          bj = b;
        }
      }
    const merged: Node = { leaves: [...clusters[bi].leaves, ...clusters[bj].leaves], left: clusters[bi], right: clusters[bj] };
    clusters = clusters.filter((_, k) => k !== bi && k !== bj);
    clusters.push(merged);
  }
  return clusters[0];
}

function clusterVariance(cov: readonly (readonly number[])[], idx: readonly number[]): number {
  const iv = idx.map((i) => 1 / cov[i][i]);
  const s = iv.reduce((a, b) => a + b, 0);
  const w = iv.map((x) => x / s);
  let v = 0;
  for (let a = 0; a < idx.length; a++) for (let b = 0; b < idx.length; b++) v += w[a] * cov[idx[a]][idx[b]] * w[b];
  return v;
}

/** Hierarchical risk parity weights from a covariance matrix (diagonal must be > 0). */
export function hrpWeights(cov: readonly (readonly number[])[]): HrpResult {
  const n = cov.length;
  for (let i = 0; i < n; i++) if (!(cov[i].length === n && cov[i][i] > 0 && Number.isFinite(cov[i][i]))) throw new Error('hrpWeights: covariance must be n×n with positive finite variances');
  const root = singleLinkage(correlationFromCovariance(cov));
  const weights = new Array<number>(n).fill(0);
  const walk = (node: Node, w: number): void => {
    if (!node.left || !node.right) {
      weights[node.leaves[0]] = w;
      return;
    }
    const vl = clusterVariance(cov, node.left.leaves);
    const vr = clusterVariance(cov, node.right.leaves);
    const alpha = vl + vr > 0 ? 1 - vl / (vl + vr) : 0.5;
    walk(node.left, w * alpha);
    walk(node.right, w * (1 - alpha));
  };
  walk(root, 1);
  return { weights, order: root.leaves };
}

/** Default exposure multipliers per regime label (configurable; pass a number to `allocate`). */
export const DEFAULT_REGIME_EXPOSURE: Readonly<Record<'Bull' | 'Neutral' | 'Bear' | 'Crisis', number>> = {
  Bull: 1,
  Neutral: 0.75,
  Bear: 0.5,
  Crisis: 0.25,
};

export interface AllocationInput {
  readonly instruments: readonly string[];
  /** Per-bar covariance, n×n, same order as instruments. */
  readonly covariance: readonly (readonly number[])[];
  readonly regimeMultiplier?: number;
  /** Gross exposure at regime multiplier 1 (fraction of equity), default 1. */
  readonly budget?: number;
  /** Per-instrument cap on |w|, default Infinity. */
  readonly maxWeight?: number;
  readonly maxGross?: number;
  readonly maxNet?: number;
  readonly directions?: Readonly<Record<string, 1 | -1>>;
}

export interface AllocationResult {
  /** Signed weights (fraction of equity) per instrument. */
  readonly weights: Record<string, number>;
  /** |weight| per instrument: the per-instrument limits. */
  readonly limits: Record<string, number>;
  readonly hrp: Record<string, number>;
  readonly order: string[];
  readonly gross: number;
  readonly net: number;
}

export function allocate(input: AllocationInput): AllocationResult {
  const { instruments, covariance } = input;
  if (instruments.length !== covariance.length) throw new Error('allocate: instruments and covariance differ in size');
  const m = input.regimeMultiplier ?? 1;
  const budget = input.budget ?? 1;
  const maxW = input.maxWeight ?? Infinity;
  const maxGross = input.maxGross ?? Infinity;
  const maxNet = input.maxNet ?? Infinity;
  if (!(m >= 0) || !(budget >= 0) || !(maxW >= 0) || !(maxGross >= 0) || !(maxNet >= 0)) throw new Error('allocate: multipliers and caps must be ≥ 0');
  const { weights: hrp, order } = hrpWeights(covariance);
  const sign = instruments.map((id) => input.directions?.[id] ?? 1);
  let w = hrp.map((x, i) => sign[i] * Math.min(x * budget * m, maxW));
  const gross = w.reduce((a, x) => a + Math.abs(x), 0);
  if (gross > maxGross) w = w.map((x) => (x * maxGross) / gross);
  const longs = w.reduce((a, x) => a + Math.max(0, x), 0);
  const shorts = w.reduce((a, x) => a + Math.max(0, -x), 0);
  const net = longs - shorts;
  if (net > maxNet) {
    const k = (maxNet + shorts) / longs;
    w = w.map((x) => (x > 0 ? x * k : x));
  } else if (-net > maxNet) {
    const k = (maxNet + longs) / shorts;
    w = w.map((x) => (x < 0 ? x * k : x));
  }
  const rec = (vals: number[]): Record<string, number> => Object.fromEntries(instruments.map((id, i) => [id, vals[i]]));
  return {
    weights: rec(w),
    limits: rec(w.map(Math.abs)),
    hrp: rec(hrp),
    order: order.map((i) => instruments[i]),
    gross: w.reduce((a, x) => a + Math.abs(x), 0),
    net: w.reduce((a, x) => a + x, 0),
  };
}
