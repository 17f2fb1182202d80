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

function logEmission(x: Float64Array, mean: Float64Array, v: Float64Array): number {
  let s = 0;
  for (let j = 0; j < x.length; j++) {
    const d = x[j]! - mean[j]!;
    s -= 0.5 * (LOG_2PI + Math.log(v[j]!) + (d * d) / v[j]!);
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
  const u = Math.max(rng.next(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
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

  /** Per-state log emission densities, one row per t. */
  logEmissions(X: Observations): Float64Array[] {
    const { means, vars } = this.params;
    return X.map((x) => {
      const r = new Float64Array(this.K);
      for (let k = 0; k < this.K; k++) r[k] = logEmission(x, means[k]!, vars[k]!);
      return r;
    });
  }

  /**
   * Scaled forward pass. alpha[t] is P(s_t | x_0..x_t); logLikelihood = Σ_t log c_t, where c_t is
   * the scaling factor (the emission max-shift is added back so densities never underflow).
   */
  forward(X: Observations, init?: ArrayLike<number>): { alpha: Float64Array[]; logLikelihood: number; scales: Float64Array } {
    const K = this.K;
    const logB = this.logEmissions(X);
    const alpha: Float64Array[] = [];
    const scales = new Float64Array(X.length);
    let ll = 0;
    let prev: Float64Array | null = null;
    for (let t = 0; t < X.length; t++) {
      const lb = logB[t]!;
      let m = -Infinity;
      for (let k = 0; k < K; k++) if (lb[k]! > m) m = lb[k]!;
      const a = new Float64Array(K);
      let c = 0;
      for (let j = 0; j < K; j++) {
        let pr = 0;
        if (prev === null) pr = init ? init[j]! : this.params.pi[j]!;
        else for (let i = 0; i < K; i++) pr += prev[i]! * this.params.A[i]![j]!;
        a[j] = pr * Math.exp(lb[j]! - m);
        c += a[j]!;
      }
      for (let j = 0; j < K; j++) a[j] = a[j]! / c;
      scales[t] = c;
      ll += Math.log(c) + m;
      alpha.push(a);
      prev = a;
    }
    return { alpha, logLikelihood: ll, scales };
  }

  logLikelihood(X: Observations, init?: ArrayLike<number>): number {
    return this.forward(X, init).logLikelihood;
  }

  /** Smoothed state posteriors P(s_t | x_0..x_{T-1}) (uses the whole sample — for history only). */
  posteriors(X: Observations): Float64Array[] {
    return this.eStep(X).gamma;
  }

  /** Most likely state path (log-space Viterbi). */
  viterbi(X: Observations): Int32Array {
    const K = this.K;
    const T = X.length;
    const path = new Int32Array(T);
    if (T === 0) return path;
    const logB = this.logEmissions(X);
    const logA = this.params.A.map((r) => r.map((v) => Math.log(v)));
    let delta = new Float64Array(K);
    for (let k = 0; k < K; k++) delta[k] = Math.log(this.params.pi[k]!) + logB[0]![k]!;
    const back: Int32Array[] = [new Int32Array(K)];
    for (let t = 1; t < T; t++) {
      const nd = new Float64Array(K);
      const bp = new Int32Array(K);
      for (let j = 0; j < K; j++) {
        let best = -Infinity;
        let arg = 0;
        for (let i = 0; i < K; i++) {
          const v = delta[i]! + logA[i]![j]!;
          if (v > best) {
            best = v;
            arg = i;
          }
        }
        nd[j] = best + logB[t]![j]!;
        bp[j] = arg;
      }
      back.push(bp);
      delta = nd;
    }
    let arg = 0;
    for (let k = 1; k < K; k++) if (delta[k]! > delta[arg]!) arg = k;
    path[T - 1] = arg;
    for (let t = T - 1; t > 0; t--) path[t - 1] = back[t]![path[t]!]!;
    return path;
  }

  /** Number of free parameters: (K−1) + K(K−1) + 2Kd. */
  get parameterCount(): number {
    return this.K - 1 + this.K * (this.K - 1) + 2 * this.K * this.d;
  }

  /** BIC = −2·LL + p·ln(T). */
  bic(X: Observations): number {
    return -2 * this.logLikelihood(X) + this.parameterCount * Math.log(X.length);
  }

  /** Stationary distribution of A (power iteration). */
  stationary(): Float64Array {
    let p: Float64Array = new Float64Array(this.K).fill(1 / this.K);
    for (let it = 0; it < 10000; it++) {
      const q = new Float64Array(this.K);
      for (let i = 0; i < this.K; i++) for (let j = 0; j < this.K; j++) q[j] = q[j]! + p[i]! * this.params.A[i]![j]!;
      let diff = 0;
      for (let k = 0; k < this.K; k++) diff += Math.abs(q[k]! - p[k]!);
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

  private eStep(X: Observations): { gamma: Float64Array[]; xiSum: Float64Array[]; logLikelihood: number } {
    const K = this.K;
    const T = X.length;
    const logB = this.logEmissions(X);
    // emission likelihoods shifted by per-t max (the same shift as in forward())
    const B = logB.map((lb) => {
      let m = -Infinity;
      for (let k = 0; k < K; k++) if (lb[k]! > m) m = lb[k]!;
      return lb.map((v) => Math.exp(v - m));
    });
    const { alpha, logLikelihood, scales } = this.forward(X);
    const beta: Float64Array[] = new Array(T);
    beta[T - 1] = new Float64Array(K).fill(1);
    for (let t = T - 2; t >= 0; t--) {
      const b = new Float64Array(K);
      const nb = beta[t + 1]!;
      const e = B[t + 1]!;
      for (let i = 0; i < K; i++) {
        let s = 0;
        for (let j = 0; j < K; j++) s += this.params.A[i]![j]! * e[j]! * nb[j]!;
        b[i] = s / scales[t + 1]!;
      }
      beta[t] = b;
    }
    const gamma = alpha.map((a, t) => {
      const g = new Float64Array(K);
      let s = 0;
      for (let k = 0; k < K; k++) {
        g[k] = a[k]! * beta[t]![k]!;
        s += g[k]!;
      }
      for (let k = 0; k < K; k++) g[k] = g[k]! / s;
      return g;
    });
    const xiSum = Array.from({ length: K }, () => new Float64Array(K));
    for (let t = 0; t < T - 1; t++) {
      const a = alpha[t]!;
      const e = B[t + 1]!;
      const nb = beta[t + 1]!;
      const c = scales[t + 1]!;
      for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) xiSum[i]![j] = xiSum[i]![j]! + (a[i]! * this.params.A[i]![j]! * e[j]! * nb[j]!) / c;
    }
    return { gamma, xiSum, logLikelihood };
  }

  /** One Baum–Welch step; returns the log-likelihood of the *current* params and the updated model. */
  emStep(X: Observations, floor: Float64Array): { logLikelihood: number; next: GaussianHmm } {
    const K = this.K;
    const d = this.d;
    const { gamma, xiSum, logLikelihood } = this.eStep(X);
    const pi = Float64Array.from(gamma[0]!);
    const A = xiSum.map((row) => {
      let s = 0;
      for (const v of row) s += v;
      return s > 0 ? row.map((v) => Math.max(v / s, 1e-300)) : new Float64Array(K).fill(1 / K);
    });
    const means: Float64Array[] = [];
    const vars: Float64Array[] = [];
    for (let k = 0; k < K; k++) {
      let w = 0;
      const m = new Float64Array(d);
      for (let t = 0; t < X.length; t++) {
        const g = gamma[t]![k]!;
        w += g;
        for (let j = 0; j < d; j++) m[j] = m[j]! + g * X[t]![j]!;
      }
      const v = new Float64Array(d);
      if (w < 1e-10) {
        means.push(Float64Array.from(this.params.means[k]!));
        vars.push(Float64Array.from(this.params.vars[k]!));
        continue;
      }
      for (let j = 0; j < d; j++) m[j] = m[j]! / w;
      for (let t = 0; t < X.length; t++) {
        const g = gamma[t]![k]!;
        for (let j = 0; j < d; j++) {
          const dx = X[t]![j]! - m[j]!;
          v[j] = v[j]! + g * dx * dx;
        }
      }
      for (let j = 0; j < d; j++) v[j] = Math.max(v[j]! / w, floor[j]!);
      means.push(m);
      vars.push(v);
    }
    return { logLikelihood, next: new GaussianHmm({ pi, A, means, vars }) };
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
    const floor = gVar.map((v) => Math.max(v * (opts.varFloor ?? 1e-4), 1e-300));
    let best: HmmFitResult | null = null;
    const restartLL: number[] = [];
    for (let r = 0; r < restarts; r++) {
      const rr = rng.fork();
      // init: means at K random observations, global variances, sticky transitions with noise
      const means: Float64Array[] = [];
      const vars: Float64Array[] = [];
      for (let k = 0; k < K; k++) {
        means.push(Float64Array.from(X[rr.int(T)]!));
        vars.push(gVar.map((v, j) => Math.max(v * (0.5 + rr.next()), floor[j]!)));
      }
      const A = Array.from({ length: K }, (_, i) => {
        const row = new Float64Array(K);
        let s = 0;
        for (let j = 0; j < K; j++) {
          row[j] = (i === j ? 0.9 * K : 0) + 0.1 + 0.2 * rr.next();
          s += row[j]!;
        }
        return row.map((v) => v / s);
      });
      let model = new GaussianHmm({ pi: new Float64Array(K).fill(1 / K), A, means, vars });
      const history: number[] = [];
      let converged = false;
      let it = 0;
      for (; it < maxIter; it++) {
        const { logLikelihood, next } = model.emStep(X, floor);
        const prev = history.length ? history[history.length - 1]! : -Infinity;
        history.push(logLikelihood);
        if (Math.abs(logLikelihood - prev) < tol * (1 + Math.abs(logLikelihood))) {
          converged = true;
          break;
        }
        model = next;
      }
      const ll = history[history.length - 1]!;
      restartLL.push(ll);
      if (best === null || ll > best.logLikelihood) {
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
    let m = -Infinity;
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
      a[j] = pr * Math.exp(lb[j]! - m);
      c += a[j]!;
    }
    for (let j = 0; j < K; j++) a[j] = a[j]! / c;
    this.ll += Math.log(c) + m;
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
      bic: -2 * f.logLikelihood + m.parameterCount * Math.log(train.length),
      oosLogLikelihood: oos,
      oosLogLikelihoodPerBar: oos / Math.max(1, test.length),
      model: m,
    };
  });
}
