/**
 * Rolling information coefficient: the Spearman rank correlation between the model's predictions and the
 * log returns they forecast, over the most recent `window` realized pairs.
 *
 * No look-ahead: the prediction made at bar t forecasts ln(close[t+h] / close[t]), so it joins the window
 * only when bar t+h is pushed. Until then it waits in a queue of the last h bars and cannot touch `value`.
 */
export class RollingIc {
  /** Realized pairs needed before `value` is defined: max(20, ⌈window/4⌉). */
  readonly minPairs: number;
  // Bars t−h..t−1 waiting for their outcome, in a ring indexed by bar number mod h.
  private readonly pendingPrediction: Float64Array;
  private readonly pendingClose: Float64Array;
  // Realized (prediction, return) pairs, a ring of `window` slots, with each pair's average rank on both
  // sides kept up to date as pairs enter and leave (O(window) per bar instead of two sorts).
  private readonly xs: Float64Array;
  private readonly ys: Float64Array;
  private readonly rx: Float64Array;
  private readonly ry: Float64Array;
  private pairs = 0;
  private nextSlot = 0;
  private barCount = 0;
  private cached: number | null = null;

  constructor(
    readonly horizon: number,
    readonly window: number,
  ) {
    if (!(Number.isInteger(horizon) && horizon >= 1)) throw new RangeError(`RollingIc: horizon must be an integer ≥ 1 (got ${horizon})`);
    if (!(Number.isInteger(window) && window >= 20)) throw new RangeError(`RollingIc: window must be an integer ≥ 20 (got ${window})`);
    this.minPairs = Math.max(20, Math.ceil(window / 4));
    this.pendingPrediction = new Float64Array(horizon);
    this.pendingClose = new Float64Array(horizon);
    this.xs = new Float64Array(window);
    this.ys = new Float64Array(window);
    this.rx = new Float64Array(window);
    this.ry = new Float64Array(window);
  }

  /**
   * One bar: this bar's prediction (of the log return over the next `horizon` bars) and its close.
   * A non-finite prediction (no model served) or an invalid close never throws; the pairs it belongs to
   * are simply not recorded.
   */
  push(prediction: number, close: number): void {
    const slot = this.barCount % this.horizon;
    if (this.barCount >= this.horizon) {
      const p = this.pendingPrediction[slot]!;
      const c0 = this.pendingClose[slot]!;
      const ret = Math.log(close / c0);
      if (Number.isFinite(p) && c0 > 0 && close > 0 && Number.isFinite(ret)) this.addPair(p, ret);
    }
    this.pendingPrediction[slot] = typeof prediction === 'number' ? prediction : Number.NaN;
    this.pendingClose[slot] = typeof close === 'number' && close > 0 ? close : Number.NaN;
    this.barCount++;
  }

  /** Spearman IC over the realized pairs in the window; NaN until `minPairs` pairs or if either side is constant. */
  get value(): number {
    if (this.cached === null) this.cached = this.pairs < this.minPairs ? Number.NaN : this.rankCorrelation();
    return this.cached;
  }

  /** Realized pairs currently in the window. */
  get realized(): number {
    return this.pairs;
  }

  /** Bars pushed so far. */
  get bars(): number {
    return this.barCount;
  }

  /**
   * Average rank of value i among n: 1 + Σ_{j≠i} c(v_i, v_j), c = 1 if v_j < v_i, ½ if equal, else 0. So a pair
   * leaving lowers every other rank by c(·, leaving) and a pair entering raises them by c(·, entering).
   * Ranks are multiples of ½ well below 2⁵³, so the running updates are exact.
   */
  private addPair(x: number, y: number): void {
    const slot = this.nextSlot;
    const n = this.pairs;
    const full = n === this.window;
    const { xs, ys, rx, ry } = this;
    if (full) {
      const ox = xs[slot]!;
      const oy = ys[slot]!;
      for (let j = 0; j < n; j++) {
        if (j === slot) continue;
        rx[j] = rx[j]! - below(ox, xs[j]!);
        ry[j] = ry[j]! - below(oy, ys[j]!);
      }
    }
    // the other pairs: slots 0..n−1 (when not full, slot = n is outside that range)
    let rankX = 1;
    let rankY = 1;
    for (let j = 0; j < n; j++) {
      if (j === slot) continue;
      rankX += below(xs[j]!, x);
      rankY += below(ys[j]!, y);
      rx[j] = rx[j]! + below(x, xs[j]!);
      ry[j] = ry[j]! + below(y, ys[j]!);
    }
    xs[slot] = x;
    ys[slot] = y;
    rx[slot] = rankX;
    ry[slot] = rankY;
    this.nextSlot = (slot + 1) % this.window;
    this.pairs = Math.min(n + 1, this.window);
    this.cached = null;
  }

  /** Pearson correlation of the maintained ranks (mean rank is (n+1)/2 with or without ties). */
  private rankCorrelation(): number {
    const n = this.pairs;
    const mean = (n + 1) / 2;
    let sxy = 0;
    let sxx = 0;
    let syy = 0;
    for (let i = 0; i < n; i++) {
      const dx = this.rx[i]! - mean;
      const dy = this.ry[i]! - mean;
      sxy += dx * dy;
      sxx += dx * dx;
      syy += dy * dy;
    }
    return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
  }
}

/** Contribution of `other` to the average rank of `self`: 1 if below it, ½ if tied, else 0. */
function below(other: number, self: number): number {
  return other < self ? 1 : other === self ? 0.5 : 0;
}

/**
 * Ranks 1..n of finite values, ties get their average rank. A native numeric sort of a copy plus two
 * binary searches per value: no comparator closures, several times faster than sorting indices.
 */
export function averageRanks(values: ArrayLike<number>): Float64Array {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  const ranks = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    // first index with sorted[k] >= v, and first with sorted[k] > v: v occupies positions lo..hi−1
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    hi = n;
    while (end < hi) {
      const mid = (end + hi) >>> 1;
      if (sorted[mid]! <= v) end = mid + 1;
      else hi = mid;
    }
    ranks[i] = (lo + 1 + end) / 2; // mean of ranks lo+1..end
  }
  return ranks;
}

/** Spearman rank correlation (Pearson on average ranks) of finite values; NaN for fewer than 2 points or a constant side. */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new RangeError('spearman: x and y differ in length');
  if (n < 2) return Number.NaN;
  const rx = averageRanks(x);
  const ry = averageRanks(y);
  const mean = (n + 1) / 2; // mean rank, ties included
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = rx[i]! - mean;
    const dy = ry[i]! - mean;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx > 0 && syy > 0 ? sxy / Math.sqrt(sxx * syy) : Number.NaN;
}
