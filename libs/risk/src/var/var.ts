/**
 * Portfolio Value-at-Risk, 1 day, 99% by default. Positions are signed notional exposures in the account
 * currency (positive long, negative short); returns are per-asset returns per bar (log returns recommended,
 * they add over time exactly). VaR is reported as a positive loss in currency: the `confidence`-quantile of
 * the loss distribution L = −Σ positionᵢ · rᵢ. It is not floored at zero (a book that profits in every
 * scenario has negative VaR).
 *
 * Horizon (4h bars → 1 day = 6 bars):
 * - parametric: σ₁d = σ₄h · √6 (square-root-of-time, i.i.d. zero-mean returns assumed; the mean is ignored);
 * - historical: scenarios are overlapping 6-bar sums of per-asset returns (T − 6 + 1 scenarios from T bars).
 *   Overlapping windows keep the sample large but are autocorrelated, so the quantile's standard error is
 *   larger than the count suggests.
 *
 * Empirical quantile: losses sorted ascending L₍₀₎ ≤ … ≤ L₍ₙ₋₁₎, h = (n − 1)·p, VaR = L₍⌊h⌋₎ + (h − ⌊h⌋)·(L₍⌊h⌋+1₎ − L₍⌊h⌋₎)
 * (linear interpolation between order statistics, "type 7", numpy's default / Excel PERCENTILE.INC).
 */
export const BARS_PER_DAY_4H = 6;

export interface VarOptions {
  /** Quantile level of the loss distribution, default 0.99. */
  readonly confidence?: number;
  /** Bars in the VaR horizon, default 6 (4h bars → 1 day). */
  readonly horizonBars?: number;
}

/**
 * Empirical quantile with linear interpolation (type 7). Finds the two order statistics by
 * selection (Hoare's quickselect, O(n)) instead of a full sort: pre-trade risk asks for two VaRs
 * per order, so this runs on the order path. Same result as sorting, exactly.
 */
export function empiricalQuantile(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('empiricalQuantile: no values');
  if (!(p >= 0 && p <= 1)) throw new Error('empiricalQuantile: p must be in [0,1]');
  const a = Float64Array.from(values);
  const h = (a.length - 1) * p;
  const lo = Math.floor(h);
  const low = select(a, lo);
  if (lo + 1 >= a.length) return low;
  // After selecting lo, everything right of it is ≥ a[lo]: the next order statistic is their minimum.
  let high = Infinity;
  for (let i = lo + 1; i < a.length; i++) if (a[i]! < high) high = a[i]!;
  return low + (h - lo) * (high - low);
}

/** Rearranges `a` so that a[k] is the k-th smallest, smaller ones left and larger ones right; returns a[k]. */
function select(a: Float64Array, k: number): number {
  let left = 0;
  let right = a.length - 1;
  while (right > left) {
    const pivot = a[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (a[i]! < pivot) i++;
      while (a[j]! > pivot) j--;
      if (i <= j) {
        const t = a[i]!;
        a[i] = a[j]!;
        a[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else break;
  }
  return a[k]!;
}

/** Portfolio P&L per scenario: Σᵢ positionᵢ · scenario[i]. */
export function portfolioPnl(positions: readonly number[], scenarios: readonly (readonly number[])[]): number[] {
  return scenarios.map((r) => {
    if (r.length !== positions.length) throw new Error('portfolioPnl: scenario width ≠ number of positions');
    let pnl = 0;
    for (let i = 0; i < r.length; i++) pnl += positions[i] * r[i];
    return pnl;
  });
}

/** Overlapping h-bar sums of per-asset returns: row t = Σ_{k<h} returns[t+k]. */
export function overlappingSums(returns: readonly (readonly number[])[], horizonBars: number): number[][] {
  if (!(Number.isInteger(horizonBars) && horizonBars >= 1)) throw new Error('horizonBars must be an integer ≥ 1');
  const out: number[][] = [];
  for (let t = 0; t + horizonBars <= returns.length; t++) {
    const row = new Array<number>(returns[t].length).fill(0);
    for (let k = 0; k < horizonBars; k++) for (let i = 0; i < row.length; i++) row[i] += returns[t + k][i];
    out.push(row);
  }
  return out;
}

/** Historical VaR from scenarios already at the VaR horizon (no aggregation). */
export function historicalVarFromScenarios(positions: readonly number[], scenarios: readonly (readonly number[])[], confidence = 0.99): number {
  const losses = portfolioPnl(positions, scenarios).map((x) => -x);
  return empiricalQuantile(losses, confidence);
}

/** Historical VaR from per-bar returns, aggregated to the horizon by overlapping sums (default 6 bars). */
export function historicalVar(positions: readonly number[], barReturns: readonly (readonly number[])[], opts: VarOptions = {}): number {
  const h = opts.horizonBars ?? BARS_PER_DAY_4H;
  const scenarios = h === 1 ? barReturns : overlappingSums(barReturns, h);
  if (scenarios.length === 0) throw new Error('historicalVar: fewer bars than the horizon');
  return historicalVarFromScenarios(positions, scenarios, opts.confidence ?? 0.99);
}

/** Σ = diag(σ) · C · diag(σ). */
export function covarianceFromSigmas(sigmas: readonly number[], correlation?: readonly (readonly number[])[]): number[][] {
  const n = sigmas.length;
  return sigmas.map((si, i) =>
    sigmas.map((sj, j) => {
      const rho = correlation ? correlation[i][j] : i === j ? 1 : 0;
      if (correlation && (correlation.length !== n || correlation[i].length !== n)) throw new Error('correlation must be n×n');
      return si * sj * rho;
    }),
  );
}

/** Sample covariance (denominator T − 1) of per-bar returns (rows = time, columns = assets). */
export function sampleCovariance(returns: readonly (readonly number[])[]): number[][] {
  const T = returns.length;
  if (T < 2) throw new Error('sampleCovariance: need at least 2 rows');
  const n = returns[0].length;
  const mean = new Array<number>(n).fill(0);
  for (const r of returns) for (let i = 0; i < n; i++) mean[i] += r[i] / T;
  const cov = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (const r of returns)
    for (let i = 0; i < n; i++) for (let j = i; j < n; j++) cov[i][j] += ((r[i] - mean[i]) * (r[j] - mean[j])) / (T - 1);
  for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) cov[i][j] = cov[j][i];
  return cov;
}

/** Portfolio standard deviation √(wᵀ Σ w) in currency per bar. */
export function portfolioSigma(positions: readonly number[], cov: readonly (readonly number[])[]): number {
  const n = positions.length;
  if (cov.length !== n) throw new Error('portfolioSigma: covariance must be n×n');
  let v = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) v += positions[i] * cov[i][j] * positions[j];
  return Math.sqrt(Math.max(0, v));
}

/**
 * Gaussian (parametric) VaR: z_p · √(wᵀ Σ w) · √horizonBars, zero mean. Σ is the per-bar covariance
 * (e.g. from `covarianceFromSigmas(garchSigmaForecasts, correlation)`); horizon default 6 bars (4h → 1d).
 */
export function parametricVar(positions: readonly number[], cov: readonly (readonly number[])[], opts: VarOptions = {}): number {
  const h = opts.horizonBars ?? BARS_PER_DAY_4H;
  return normalQuantile(opts.confidence ?? 0.99) * portfolioSigma(positions, cov) * Math.sqrt(h);
}

/** Inverse standard normal CDF (Acklam's rational approximation, relative error < 1.15e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new Error('normalQuantile: p must be in (0,1)');
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const pl = 0.02425;
  let x: number;
  if (p < pl) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  } else if (p <= 1 - pl) {
    const q = p - 0.5;
    const r = q * q;
    x = ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  } else {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  return x;
}

export type VarModel = (positions: readonly number[]) => number;

export type VarCheckResult =
  | { readonly ok: true; readonly preVar: number; readonly postVar: number }
  | {
      readonly ok: false;
      readonly reason: 'RISK.VAR_LIMIT';
      readonly detail: { readonly preVar: number; readonly postVar: number; readonly limit: number; readonly message: string };
    };

export interface PostTradeVarCheckOptions {
  /**
   * When true (default) an order whose post-trade VaR exceeds the limit is still allowed if it does not
   * increase VaR (postVar ≤ preVar): a book already over the limit must be able to reduce.
   */
  readonly allowRiskReducing?: boolean;
}

/**
 * Post-trade VaR check: VaR(current + delta) must be ≤ limit, else denied with reason 'RISK.VAR_LIMIT'.
 * `model` maps a position vector to VaR (e.g. `(p) => parametricVar(p, cov)` or `(p) => historicalVar(p, rets)`).
 */
export function postTradeVarCheck(
  current: readonly number[],
  delta: readonly number[],
  limit: number,
  model: VarModel,
  opts: PostTradeVarCheckOptions = {},
): VarCheckResult {
  if (current.length !== delta.length) throw new Error('postTradeVarCheck: current and delta differ in length');
  const post = current.map((x, i) => x + delta[i]);
  const preVar = model(current);
  const postVar = model(post);
  if (postVar <= limit) return { ok: true, preVar, postVar };
  if ((opts.allowRiskReducing ?? true) && postVar <= preVar) return { ok: true, preVar, postVar };
  return {
    ok: false,
    reason: 'RISK.VAR_LIMIT',
    detail: { preVar, postVar, limit, message: `post-trade VaR ${postVar.toFixed(2)} exceeds limit ${limit.toFixed(2)}` },
  };
}
