import { nelderMead, type NelderMeadResult } from './nelder-mead.js';

export interface GarchParams {
  omega: number;
  alpha: number;
  beta: number;
}

export interface GarchFit {
  params: GarchParams;
  logLikelihood: number;
  /** σ²_t for t = 0..T-1; σ²_t depends only on r_0..r_{t-1} (and the fitted params). */
  variance: Float64Array;
  /** σ²_{T}: one-step-ahead forecast after the last return. */
  forecast: number;
  iterations: number;
}

const LOG_2PI = Math.log(2 * Math.PI);
// Module-level bindings: a global lookup (`Math`, `Number`) is slow wherever the global object is
// intercepted (node:vm contexts, e.g. under Jest) — ~30× on Math.log. Same functions, same results.
const mathLog = Math.log;
const mathExp = Math.exp;
const NEG_INF = Number.NEGATIVE_INFINITY;

/**
 * Causal GARCH(1,1) variance filter for zero-mean returns:
 * σ²_0 = ω / (1 − α − β) (the unconditional variance), σ²_t = ω + α r²_{t−1} + β σ²_{t−1}.
 * Returns T+1 values: index T is the one-step-ahead forecast.
 */
export function garchFilter(returns: ArrayLike<number>, p: GarchParams): Float64Array {
  const n = returns.length;
  const out = new Float64Array(n + 1);
  const persistence = p.alpha + p.beta;
  out[0] = persistence < 1 ? p.omega / (1 - persistence) : p.omega;
  for (let t = 1; t <= n; t++) {
    const r = returns[t - 1]!;
    out[t] = p.omega + p.alpha * r * r + p.beta * out[t - 1]!;
  }
  return out;
}

/**
 * Gaussian log-likelihood of zero-mean returns under GARCH(1,1): the filter recursion and the
 * likelihood sum fused in one pass (no variance buffer). Same arithmetic, in the same order, as
 * summing over garchFilter's output.
 */
function garchLL(returns: Float64Array, omega: number, alpha: number, beta: number): number {
  const n = returns.length;
  const persistence = alpha + beta;
  let s2 = persistence < 1 ? omega / (1 - persistence) : omega;
  let ll = 0;
  for (let t = 0; t < n; t++) {
    const r = returns[t]!;
    if (!(s2 > 0)) return NEG_INF;
    ll -= 0.5 * (LOG_2PI + mathLog(s2) + (r * r) / s2);
    s2 = omega + alpha * r * r + beta * s2;
  }
  return ll;
}

/** Gaussian log-likelihood of zero-mean returns under GARCH(1,1). */
export function garchLogLikelihood(returns: ArrayLike<number>, p: GarchParams): number {
  return garchLL(returns instanceof Float64Array ? returns : Float64Array.from(returns), p.omega, p.alpha, p.beta);
}

const logistic = (x: number): number => 1 / (1 + mathExp(-x));
const logit = (p: number): number => mathLog(p / (1 - p));

/**
 * Reparameterisation: ω = s²·exp(θ0) (s² = sample variance, a scale only), persistence
 * π = logistic(θ1) ∈ (0,1), share λ = logistic(θ2): α = πλ, β = π(1−λ).
 * Hence ω > 0, α, β ≥ 0 and α + β < 1 for every real θ.
 */
function toParams(theta: Float64Array, scale: number): GarchParams {
  const pers = logistic(theta[1]!);
  const share = logistic(theta[2]!);
  return { omega: scale * mathExp(theta[0]!), alpha: pers * share, beta: pers * (1 - share) };
}

/** Fit GARCH(1,1) to zero-mean returns by Gaussian maximum likelihood (Nelder–Mead). */
export function fitGarch11(returns: ArrayLike<number>, opts: { maxIter?: number } = {}): GarchFit {
  const n = returns.length;
  if (n < 10) throw new RangeError('fitGarch11 needs at least 10 returns');
  let s2 = 0;
  for (let t = 0; t < n; t++) s2 += returns[t]! * returns[t]!;
  s2 /= n;
  if (!(s2 > 0)) throw new RangeError('returns have zero variance');
  const rets = returns instanceof Float64Array ? returns : Float64Array.from(returns);
  const obj = (th: Float64Array): number => {
    const p = toParams(th, s2);
    return -garchLL(rets, p.omega, p.alpha, p.beta);
  };
  const starts = [
    [mathLog(0.05), logit(0.95), logit(0.1)],
    [mathLog(0.2), logit(0.8), logit(0.25)],
  ];
  let best: NelderMeadResult = { x: new Float64Array(3), fx: Number.POSITIVE_INFINITY, iterations: 0 };
  let iterations = 0;
  for (const s of starts) {
    let r = nelderMead(obj, s, { maxIter: opts.maxIter ?? 3000, tol: 1e-12 });
    // restart from the optimum to escape a collapsed simplex
    const r2 = nelderMead(obj, r.x, { maxIter: opts.maxIter ?? 3000, tol: 1e-12, step: 0.1 });
    iterations += r.iterations + r2.iterations;
    if (r2.fx < r.fx) r = r2;
    if (r.fx < best.fx) best = r;
  }
  const params = toParams(best.x, s2);
  const v = garchFilter(returns, params);
  return {
    params,
    logLikelihood: -best.fx,
    variance: v.slice(0, n),
    forecast: v[n]!,
    iterations,
  };
}
