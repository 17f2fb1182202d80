import { SeededRandom } from '@lib/ml';

/** Observations: one Float64Array row (length d) per time step. */
export type Observations = readonly Float64Array[];

export interface HmmParams {
  /** Initial state distribution, length K. */
  pi: Float64Array;
  /** Row-stochastic transition matrix, K rows of length K: A[i][j] = P(s_t = j | s_{t-1} = i). */
  A: Float64Array[];
  /** Per-state means, K rows of length d. */
  means: Float64Array[];
  /** Per-state diagonal variances, K rows of length d. */
  vars: Float64Array[];
}

export interface HmmFitOptions {
  seed?: number;
  restarts?: number;
  maxIter?: number;
  /** Stop when the log-likelihood improves by less than tol·(1 + |LL|). */
  tol?: number;
  /** Variance floor as a fraction of each feature's overall variance. */
  varFloor?: number;
}

export interface HmmFitResult {
  model: GaussianHmm;
  logLikelihood: number;
  /** Log-likelihood before each M-step of the winning restart (non-decreasing). */
  history: number[];
  iterations: number;
  converged: boolean;
  restartLogLikelihoods: number[];
}

const LOG_2PI = Math.log(2 * Math.PI);
// Module-level bindings for the Math functions used in hot loops: a global lookup (`Math`, `Infinity`)
// is slow wherever the global object is intercepted (node:vm contexts, e.g. under Jest) — ~30× on
// Math.log — while a module binding is a plain context-slot load. Same functions, same results.
const mathLog = Math.log;
const mathExp = Math.exp;
const mathMax = Math.max;
const mathAbs = Math.abs;
const NEG_INF = -Infinity;

function logEmission(x: Float64Array, mean: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) {
    const d = x[j]! - mean[j]!;
    s -= 0.5 * (LOG_2PI + mathLog(v[j]!) + (d * d) / v[j]!);
  }
  return s;
}

function cloneParams(p: HmmParams): HmmParams {
  return {
    pi: Float64Array.from(p.pi),
    A: p.A.map((r) => Float64Array.from(r)),
    means: p.means.map((r) => Float64Array.from(r)),
    vars: p.vars.map((r) => Float64Array.from(r)),
  };
}

function gaussian(rng: SeededRandom): number {
  const u = mathMax(rng.next(), 1e-300);
  return Math.sqrt(-2 * mathLog(u)) * Math.cos(2 * Math.PI * rng.next());
}

/*
 * Numerical core. Everything below works on flat row-major Float64Array buffers (X: T·d, per-t
 * state quantities: T·K, A: K·K, means/vars: K·d) held in a Workspace that is allocated once per fit
 * (or per public call) and reused across EM iterations and restarts: no per-row or per-step
 * allocation. Each floating-point expression is evaluated in the same order as the original
 * row-array implementation, so results are bit-for-bit those of the straightforward code; the savings
 * come from the layout, from computing the emission densities once per EM step (the forward pass and
 * the backward/ξ passes share the shifted likelihoods) and from hoisting log(var) out of the T loop.
 */

/** Flat copy of HmmParams: pi (K), A (K·K), means (K·d), vars (K·d), all row-major. */
interface FlatParams {
  pi: Float64Array;
  A: Float64Array;
  means: Float64Array;
  vars: Float64Array;
}

function allocFlat(K: number, d: number): FlatParams {
  return { pi: new Float64Array(K), A: new Float64Array(K * K), means: new Float64Array(K * d), vars: new Float64Array(K * d) };
}

function copyRows(rows: readonly ArrayLike<number>[], width: number, out: Float64Array): void {
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r]!;
    const o = r * width;
    for (let j = 0; j < width; j++) out[o + j] = row[j]!;
  }
}

function flattenParams(p: HmmParams, K: number, d: number): FlatParams {
  const f = allocFlat(K, d);
  for (let k = 0; k < K; k++) f.pi[k] = p.pi[k]!;
  copyRows(p.A, K, f.A);
  copyRows(p.means, d, f.means);
  copyRows(p.vars, d, f.vars);
  return f;
}

function rowViews(buf: Float64Array, rows: number, width: number): Float64Array[] {
  const out: Float64Array[] = new Array(rows);
  for (let r = 0; r < rows; r++) out[r] = buf.subarray(r * width, (r + 1) * width);
  return out;
}

/** HmmParams (row arrays) from flat buffers; the GaussianHmm constructor copies them. */
function unflattenParams(f: FlatParams, K: number, d: number): HmmParams {
  return { pi: f.pi, A: rowViews(f.A, K, K), means: rowViews(f.means, K, d), vars: rowViews(f.vars, K, d) };
}

function flattenObservations(X: Observations, d: number): Float64Array {
  const out = new Float64Array(X.length * d);
  copyRows(X, d, out);
  return out;
}

/** Reusable buffers for one (T, K, d). */
class Workspace {
  /** Log emission densities, then (after shiftExp) exp(logB − shift_t). T·K. */
  readonly B: Float64Array;
  /** Per-t max log density (the underflow shift). */
  readonly shift: Float64Array;
  readonly alpha: Float64Array;
  /** Backward variables; overwritten in place by gamma. */
  readonly beta: Float64Array;
  readonly scales: Float64Array;
  readonly xi: Float64Array;
  /** Per-state, per-feature log-normaliser LOG_2PI + log(var). */
  readonly cst: Float64Array;

  constructor(
    readonly T: number,
    readonly K: number,
    readonly d: number,
  ) {
    this.B = new Float64Array(T * K);
    this.shift = new Float64Array(T);
    this.alpha = new Float64Array(T * K);
    this.beta = new Float64Array(T * K);
    this.scales = new Float64Array(T);
    this.xi = new Float64Array(K * K);
    this.cst = new Float64Array(K * d);
  }
}

/** ws.B[t·K + k] = log N(x_t; mean_k, diag(var_k)). */
function computeLogEmissions(ws: Workspace, X: Float64Array, means: Float64Array, vars: Float64Array): void {
  const { T, K, d, B, cst } = ws;
  const Kd = K * d;
  for (let i = 0; i < Kd; i++) cst[i] = LOG_2PI + mathLog(vars[i]!);
  if (d === 2) {
    for (let t = 0; t < T; t++) {
      const x0 = X[2 * t]!;
      const x1 = X[2 * t + 1]!;
      const bo = t * K;
      for (let k = 0; k < K; k++) {
        const po = 2 * k;
        const d0 = x0 - means[po]!;
        const d1 = x1 - means[po + 1]!;
        let s = 0;
        s -= 0.5 * (cst[po]! + (d0 * d0) / vars[po]!);
        s -= 0.5 * (cst[po + 1]! + (d1 * d1) / vars[po + 1]!);
        B[bo + k] = s;
      }
    }
    return;
  }
  for (let t = 0; t < T; t++) {
    const xo = t * d;
    const bo = t * K;
    for (let k = 0; k < K; k++) {
      const po = k * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const dx = X[xo + j]! - means[po + j]!;
        s -= 0.5 * (cst[po + j]! + (dx * dx) / vars[po + j]!);
      }
      B[bo + k] = s;
    }
  }
}

/** In place: row t of ws.B becomes exp(logB_t − m_t), m_t = max_k logB_t,k, stored in ws.shift. */
function shiftExp(ws: Workspace): void {
  const { T, K, B, shift } = ws;
  for (let t = 0; t < T; t++) {
    const o = t * K;
    let m = NEG_INF;
    for (let k = 0; k < K; k++) if (B[o + k]! > m) m = B[o + k]!;
    shift[t] = m;
    for (let k = 0; k < K; k++) {
      const z = B[o + k]! - m;
      B[o + k] = z === 0 ? 1 : mathExp(z); // exp(0) is exactly 1: skip the call for the max state
    }
  }
}

/** Scaled forward pass over the shifted likelihoods in ws.B; fills ws.alpha, ws.scales; returns the log-likelihood. */
function forwardPass(ws: Workspace, p0: Float64Array, A: Float64Array): number {
  const { T, K, B, shift, alpha, scales } = ws;
  let ll = 0;
  for (let t = 0; t < T; t++) {
    const o = t * K;
    let c = 0;
    if (t === 0) {
      for (let j = 0; j < K; j++) {
        const a = p0[j]! * B[j]!;
        alpha[j] = a;
        c += a;
      }
    } else {
      const po = o - K;
      for (let j = 0; j < K; j++) {
        let pr = 0;
        for (let i = 0; i < K; i++) pr += alpha[po + i]! * A[i * K + j]!;
        const a = pr * B[o + j]!;
        alpha[o + j] = a;
        c += a;
      }
    }
    for (let j = 0; j < K; j++) alpha[o + j] = alpha[o + j]! / c;
    scales[t] = c;
    ll += mathLog(c) + shift[t]!;
  }
  return ll;
}

/** Emissions + forward pass for the public forward()/logLikelihood(). */
function runForward(ws: Workspace, X: Float64Array, f: FlatParams, init?: ArrayLike<number>): number {
  computeLogEmissions(ws, X, f.means, f.vars);
  shiftExp(ws);
  let p0 = f.pi;
  if (init) {
    p0 = new Float64Array(ws.K);
    for (let k = 0; k < ws.K; k++) p0[k] = init[k]!;
  }
  return forwardPass(ws, p0, f.A);
}

/**
 * E-step: emissions (once), forward, backward, Σ_t ξ_t (into ws.xi) and γ (into ws.beta, in place).
 * Returns the log-likelihood of f.
 */
function eStepFlat(ws: Workspace, X: Float64Array, f: FlatParams): number {
  const { T, K, B, alpha, beta, scales, xi } = ws;
  const A = f.A;
  computeLogEmissions(ws, X, f.means, f.vars);
  shiftExp(ws);
  const ll = forwardPass(ws, f.pi, A);
  if (T === 0) {
    xi.fill(0);
    return ll;
  }
  // backward
  for (let k = 0; k < K; k++) beta[(T - 1) * K + k] = 1;
  for (let t = T - 2; t >= 0; t--) {
    const o = t * K;
    const no = o + K;
    const c = scales[t + 1]!;
    for (let i = 0; i < K; i++) {
      const ao = i * K;
      let s = 0;
      for (let j = 0; j < K; j++) s += A[ao + j]! * B[no + j]! * beta[no + j]!;
      beta[o + i] = s / c;
    }
  }
  // Σ_t ξ_t(i, j), accumulated in t order
  xi.fill(0);
  for (let t = 0; t < T - 1; t++) {
    const o = t * K;
    const no = o + K;
    const c = scales[t + 1]!;
    for (let i = 0; i < K; i++) {
      const ai = alpha[o + i]!;
      const ao = i * K;
      for (let j = 0; j < K; j++) xi[ao + j] = xi[ao + j]! + (ai * A[ao + j]! * B[no + j]! * beta[no + j]!) / c;
    }
  }
  // γ_t ∝ α_t β_t, written over beta
  for (let t = 0; t < T; t++) {
    const o = t * K;
    let s = 0;
    for (let k = 0; k < K; k++) {
      const g = alpha[o + k]! * beta[o + k]!;
      beta[o + k] = g;
      s += g;
    }
    for (let k = 0; k < K; k++) beta[o + k] = beta[o + k]! / s;
  }
  return ll;
}

/** One Baum–Welch step: returns the log-likelihood of cur and writes the re-estimated params into next. */
function baumWelchStep(ws: Workspace, X: Float64Array, cur: FlatParams, next: FlatParams, floor: ArrayLike<number>): number {
  const { T, K, d, xi } = ws;
  const ll = eStepFlat(ws, X, cur);
  const gamma = ws.beta;
  for (let k = 0; k < K; k++) next.pi[k] = gamma[k]!;
  for (let i = 0; i < K; i++) {
    const o = i * K;
    let s = 0;
    for (let j = 0; j < K; j++) s += xi[o + j]!;
    if (s > 0) for (let j = 0; j < K; j++) next.A[o + j] = mathMax(xi[o + j]! / s, 1e-300);
    else for (let j = 0; j < K; j++) next.A[o + j] = 1 / K;
  }
  const m = next.means;
  const v = next.vars;
  for (let k = 0; k < K; k++) {
    const po = k * d;
    let w = 0;
    for (let j = 0; j < d; j++) m[po + j] = 0;
    for (let t = 0; t < T; t++) {
      const g = gamma[t * K + k]!;
      w += g;
      const xo = t * d;
      for (let j = 0; j < d; j++) m[po + j] = m[po + j]! + g * X[xo + j]!;
    }
    if (w < 1e-10) {
      for (let j = 0; j < d; j++) {
        m[po + j] = cur.means[po + j]!;
        v[po + j] = cur.vars[po + j]!;
      }
      continue;
    }
    for (let j = 0; j < d; j++) {
      m[po + j] = m[po + j]! / w;
      v[po + j] = 0;
    }
    for (let t = 0; t < T; t++) {
      const g = gamma[t * K + k]!;
      const xo = t * d;
      for (let j = 0; j < d; j++) {
        const dx = X[xo + j]! - m[po + j]!;
        v[po + j] = v[po + j]! + g * dx * dx;
      }
    }
    for (let j = 0; j < d; j++) v[po + j] = mathMax(v[po + j]! / w, floor[j]!);
  }
  return ll;
}

/** Gaussian HMM with diagonal-covariance emissions (d = 1 is the univariate case). */
export class GaussianHmm {
  readonly K: number;
  readonly d: number;
  readonly params: HmmParams;

  constructor(params: HmmParams) {
    this.params = cloneParams(params);
    this.K = params.pi.length;
    this.d = params.means[0]!.length;
  }

  private flat(): FlatParams {
    return flattenParams(this.params, this.K, this.d);
  }

  /** Per-state log emission densities, one row per t. */
  logEmissions(X: Observations): Float64Array[] {
    const f = this.flat();
    const ws = new Workspace(X.length, this.K, this.d);
    computeLogEmissions(ws, flattenObservations(X, this.d), f.means, f.vars);
    return rowViews(ws.B, X.length, this.K);
  }

  /**
   * Scaled forward pass. alpha[t] is P(s_t | x_0..x_t); logLikelihood = Σ_t log c_t, where c_t is
   * the scaling factor (the emission max-shift is added back so densities never underflow).
   * The alpha rows are views into one T·K buffer.
   */
  forward(X: Observations, init?: ArrayLike<number>): { alpha: Float64Array[]; logLikelihood: number; scales: Float64Array } {
    const ws = new Workspace(X.length, this.K, this.d);
    const ll = runForward(ws, flattenObservations(X, this.d), this.flat(), init);
    return { alpha: rowViews(ws.alpha, X.length, this.K), logLikelihood: ll, scales: ws.scales };
  }

  logLikelihood(X: Observations, init?: ArrayLike<number>): number {
    const ws = new Workspace(X.length, this.K, this.d);
    return runForward(ws, flattenObservations(X, this.d), this.flat(), init);
  }

  /** Smoothed state posteriors P(s_t | x_0..x_{T-1}) (uses the whole sample — for history only). Rows are views into one T·K buffer. */
  posteriors(X: Observations): Float64Array[] {
    const ws = new Workspace(X.length, this.K, this.d);
    eStepFlat(ws, flattenObservations(X, this.d), this.flat());
    return rowViews(ws.beta, X.length, this.K);
  }

  /** Most likely state path (log-space Viterbi). */
  viterbi(X: Observations): Int32Array {
    const K = this.K;
    const T = X.length;
    const path = new Int32Array(T);
    if (T === 0) return path;
    const f = this.flat();
    const ws = new Workspace(T, K, this.d);
    computeLogEmissions(ws, flattenObservations(X, this.d), f.means, f.vars);
    const logB = ws.B;
    const logA = new Float64Array(K * K);
    for (let i = 0; i < K * K; i++) logA[i] = mathLog(f.A[i]!);
    let delta = new Float64Array(K);
    let nd = new Float64Array(K);
    for (let k = 0; k < K; k++) delta[k] = mathLog(f.pi[k]!) + logB[k]!;
    const back = new Int32Array(T * K);
    for (let t = 1; t < T; t++) {
      const o = t * K;
      for (let j = 0; j < K; j++) {
        let best = NEG_INF;
        let arg = 0;
        for (let i = 0; i < K; i++) {
          const v = delta[i]! + logA[i * K + j]!;
          if (v > best) {
            best = v;
            arg = i;
          }
        }
        nd[j] = best + logB[o + j]!;
        back[o + j] = arg;
      }
      const tmp = delta;
      delta = nd;
      nd = tmp;
    }
    let arg = 0;
    for (let k = 1; k < K; k++) if (delta[k]! > delta[arg]!) arg = k;
    path[T - 1] = arg;
    for (let t = T - 1; t > 0; t--) path[t - 1] = back[t * K + path[t]!]!;
    return path;
  }

  /** Number of free parameters: (K−1) + K(K−1) + 2Kd. */
  get parameterCount(): number {
    return this.K - 1 + this.K * (this.K - 1) + 2 * this.K * this.d;
  }

  /** BIC = −2·LL + p·ln(T). */
  bic(X: Observations): number {
    return -2 * this.logLikelihood(X) + this.parameterCount * mathLog(X.length);
  }

  /** Stationary distribution of A (power iteration). */
  stationary(): Float64Array {
    let p: Float64Array = new Float64Array(this.K).fill(1 / this.K);
    for (let it = 0; it < 10000; it++) {
      const q = new Float64Array(this.K);
      for (let i = 0; i < this.K; i++) for (let j = 0; j < this.K; j++) q[j] = q[j]! + p[i]! * this.params.A[i]![j]!;
      let diff = 0;
      for (let k = 0; k < this.K; k++) diff += mathAbs(q[k]! - p[k]!);
      p = q;
      if (diff < 1e-14) break;
    }
    return p;
  }

  /** Simulate a path (states and observations). */
  sample(T: number, rng: SeededRandom): { states: Int32Array; X: Float64Array[] } {
    const states = new Int32Array(T);
    const X: Float64Array[] = [];
    const draw = (p: ArrayLike<number>): number => {
      const u = rng.next();
      let c = 0;
      for (let k = 0; k < this.K; k++) {
        c += p[k]!;
        if (u < c) return k;
      }
      return this.K - 1;
    };
    let s = draw(this.params.pi);
    for (let t = 0; t < T; t++) {
      if (t > 0) s = draw(this.params.A[s]!);
      states[t] = s;
      const x = new Float64Array(this.d);
      for (let j = 0; j < this.d; j++) x[j] = this.params.means[s]![j]! + Math.sqrt(this.params.vars[s]![j]!) * gaussian(rng);
      X.push(x);
    }
    return { states, X };
  }

  /** Same model with states reordered: new state i = old state order[i]. */
  permute(order: ArrayLike<number>): GaussianHmm {
    const p = this.params;
    const o = Array.from(order);
    return new GaussianHmm({
      pi: Float64Array.from(o.map((i) => p.pi[i]!)),
      A: o.map((i) => Float64Array.from(o.map((j) => p.A[i]![j]!))),
      means: o.map((i) => p.means[i]!),
      vars: o.map((i) => p.vars[i]!),
    });
  }

  /** One Baum–Welch step; returns the log-likelihood of the *current* params and the updated model. */
  emStep(X: Observations, floor: Float64Array): { logLikelihood: number; next: GaussianHmm } {
    const K = this.K;
    const d = this.d;
    const ws = new Workspace(X.length, K, d);
    const next = allocFlat(K, d);
    const logLikelihood = baumWelchStep(ws, flattenObservations(X, d), this.flat(), next, floor);
    return { logLikelihood, next: new GaussianHmm(unflattenParams(next, K, d)) };
  }

  /** Baum–Welch with several seeded restarts; keeps the restart with the highest log-likelihood. */
  static fit(X: Observations, K: number, opts: HmmFitOptions = {}): HmmFitResult {
    const T = X.length;
    if (T < K * 2) throw new RangeError('too few observations');
    const d = X[0]!.length;
    const restarts = opts.restarts ?? 5;
    const maxIter = opts.maxIter ?? 200;
    const tol = opts.tol ?? 1e-7;
    const rng = new SeededRandom(opts.seed ?? 1);
    const gMean = new Float64Array(d);
    const gVar = new Float64Array(d);
    for (const x of X) for (let j = 0; j < d; j++) gMean[j] = gMean[j]! + x[j]! / T;
    for (const x of X) for (let j = 0; j < d; j++) gVar[j] = gVar[j]! + (x[j]! - gMean[j]!) ** 2 / T;
    const floor = gVar.map((v) => mathMax(v * (opts.varFloor ?? 1e-4), 1e-300));
    const Xf = flattenObservations(X, d);
    const ws = new Workspace(T, K, d);
    let best: HmmFitResult | null = null;
    const restartLL: number[] = [];
    for (let r = 0; r < restarts; r++) {
      const rr = rng.fork();
      // init: means at K random observations, global variances, sticky transitions with noise
      let cur = allocFlat(K, d);
      let nxt = allocFlat(K, d);
      for (let k = 0; k < K; k++) {
        const x = X[rr.int(T)]!;
        for (let j = 0; j < d; j++) cur.means[k * d + j] = x[j]!;
        for (let j = 0; j < d; j++) cur.vars[k * d + j] = mathMax(gVar[j]! * (0.5 + rr.next()), floor[j]!);
      }
      const row = new Float64Array(K);
      for (let i = 0; i < K; i++) {
        let s = 0;
        for (let j = 0; j < K; j++) {
          row[j] = (i === j ? 0.9 * K : 0) + 0.1 + 0.2 * rr.next();
          s += row[j]!;
        }
        for (let j = 0; j < K; j++) cur.A[i * K + j] = row[j]! / s;
      }
      cur.pi.fill(1 / K);
      const history: number[] = [];
      let converged = false;
      let it = 0;
      for (; it < maxIter; it++) {
        const logLikelihood = baumWelchStep(ws, Xf, cur, nxt, floor);
        const prev = history.length ? history[history.length - 1]! : NEG_INF;
        history.push(logLikelihood);
        if (mathAbs(logLikelihood - prev) < tol * (1 + mathAbs(logLikelihood))) {
          converged = true;
          break;
        }
        const tmp = cur;
        cur = nxt;
        nxt = tmp;
      }
      const ll = history[history.length - 1]!;
      restartLL.push(ll);
      if (best === null || ll > best.logLikelihood) {
        const model = new GaussianHmm(unflattenParams(cur, K, d));
        best = { model, logLikelihood: ll, history, iterations: it, converged, restartLogLikelihoods: [] };
      }
    }
    best!.restartLogLikelihoods = restartLL;
    return best!;
  }
}

/**
 * Online forward filter: update(x_t) returns P(s_t | x_0..x_t). It never sees future observations,
 * so its output at bar t is unaffected by anything appended later.
 */
export class ForwardFilter {
  private prev: Float64Array | null = null;
  private ll = 0;

  constructor(
    private readonly model: GaussianHmm,
    private readonly init?: ArrayLike<number>,
  ) {}

  update(x: Float64Array): Float64Array {
    const K = this.model.K;
    const { A, means, vars, pi } = this.model.params;
    const lb = new Float64Array(K);
    let m = NEG_INF;
    for (let k = 0; k < K; k++) {
      lb[k] = logEmission(x, means[k]!, vars[k]!);
      if (lb[k]! > m) m = lb[k]!;
    }
    const a = new Float64Array(K);
    let c = 0;
    for (let j = 0; j < K; j++) {
      let pr = 0;
      if (this.prev === null) pr = this.init ? this.init[j]! : pi[j]!;
      else for (let i = 0; i < K; i++) pr += this.prev[i]! * A[i]![j]!;
      a[j] = pr * mathExp(lb[j]! - m);
      c += a[j]!;
    }
    for (let j = 0; j < K; j++) a[j] = a[j]! / c;
    this.ll += mathLog(c) + m;
    this.prev = a;
    return Float64Array.from(a);
  }

  /** Filtered probabilities after the last update (null before the first). */
  get probabilities(): Float64Array | null {
    return this.prev ? Float64Array.from(this.prev) : null;
  }

  /** Running log-likelihood of the observations seen so far. */
  get logLikelihood(): number {
    return this.ll;
  }

  reset(): void {
    this.prev = null;
    this.ll = 0;
  }
}

export interface StateSelectionRow {
  K: number;
  trainLogLikelihood: number;
  bic: number;
  /** Log-likelihood of the held-out set, filtered forward from the training set's last filtered state. */
  oosLogLikelihood: number;
  oosLogLikelihoodPerBar: number;
  model: GaussianHmm;
}

/** Fit K = 2..5 (or the given list) on train, report BIC on train and out-of-sample log-likelihood on test. */
export function selectStates(train: Observations, test: Observations, Ks: number[] = [2, 3, 4, 5], opts: HmmFitOptions = {}): StateSelectionRow[] {
  return Ks.map((K) => {
    const fit = GaussianHmm.fit(train, K, opts);
    const m = fit.model;
    const f = m.forward(train);
    const last = f.alpha[f.alpha.length - 1]!;
    const init = new Float64Array(K);
    for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) init[j] = init[j]! + last[i]! * m.params.A[i]![j]!;
    const oos = m.logLikelihood(test, init);
    return {
      K,
      trainLogLikelihood: f.logLikelihood,
      bic: -2 * f.logLikelihood + m.parameterCount * mathLog(train.length),
      oosLogLikelihood: oos,
      oosLogLikelihoodPerBar: oos / mathMax(1, test.length),
      model: m,
    };
  });
}
