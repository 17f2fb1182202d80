import { performance } from 'node:perf_hooks';
import { fitGarch11, garchFilter, type GarchFit, type GarchParams } from './garch.js';
import { logReturns, regimeFeatures } from './features.js';
import { ForwardFilter, GaussianHmm, type Observations } from './hmm.js';
import { canonicalise, type RegimeLabel } from './labels.js';

/**
 * Per-instrument online regime detection (issue 4): GARCH(1,1) volatility + a 4-state Gaussian HMM on
 * [r_t, σ_t], refitted on a fixed bar schedule and filtered forward in between.
 *
 * Causality: the refit schedule depends only on how many returns have been seen, every fit uses only
 * history up to the current bar, and the filter only moves forward. So the reading at bar t is the same
 * whether or not later bars are ever fed (the spec checks this bar by bar on real data).
 */

/** State order of every fitted model and of `RegimeReading.probabilities`. */
export const CANONICAL_REGIMES: readonly RegimeLabel[] = Object.freeze(['Bear', 'Neutral', 'Bull', 'Crisis']);

export interface RegimeFitOptions {
  /** HMM seed (fits are deterministic for a seed). Default 7. */
  seed?: number;
  /** Baum–Welch restarts. Default 2. */
  restarts?: number;
  /** Baum–Welch iterations per restart. Default 100. */
  maxIter?: number;
  /** Baum–Welch relative tolerance. Default 1e-7 (GaussianHmm's default). */
  tol?: number;
}

export interface RegimeFitInput extends RegimeFitOptions {
  /**
   * Warm start: run Baum–Welch from this model instead of seeded random restarts (seed and restarts are
   * then unused). A refit starts next to its optimum, so it needs a fraction of the iterations.
   */
  init?: GaussianHmm;
}

export interface RegimeModelFit {
  garch: GarchFit;
  /** Canonicalised HMM: states in {@link CANONICAL_REGIMES} order. */
  model: GaussianHmm;
  labels: RegimeLabel[];
  /** HMM log-likelihood of the winning restart. */
  logLikelihood: number;
  /** Returns the model was fitted on (closes − 1). */
  returns: number;
  /** Wall-clock seconds for the GARCH + HMM fit (not deterministic; metadata only). */
  seconds: number;
}

const DEFAULT_FIT: Required<RegimeFitOptions> = { seed: 7, restarts: 2, maxIter: 100, tol: 1e-7 };

/**
 * Fits GARCH(1,1) to the log returns of `closes`, then a 4-state Gaussian HMM on the regime features
 * [r_t, σ_t], and canonicalises it (Bear, Neutral, Bull, Crisis). Shared by the tracker and benchmarks.
 */
export function fitRegimeModel(closes: ArrayLike<number>, opts: RegimeFitInput = {}): RegimeModelFit {
  const { init, ...rest } = opts;
  const o = { ...DEFAULT_FIT, ...rest };
  const t0 = performance.now();
  const returns = logReturns(closes);
  const garch = fitGarch11(returns);
  const X = regimeFeatures(returns, garch.params);
  const fit = init
    ? refineHmm(X, init, o)
    : GaussianHmm.fit(X, CANONICAL_REGIMES.length, { seed: o.seed, restarts: o.restarts, maxIter: o.maxIter, tol: o.tol });
  const { model, labels } = canonicalise(fit.model);
  // K = 4 always labels one state each; anything else would silently misname probabilities.
  if (labels.some((l, k) => l !== CANONICAL_REGIMES[k])) throw new Error(`fitRegimeModel: unexpected labels ${labels.join(',')}`);
  return { garch, model, labels, logLikelihood: fit.logLikelihood, returns: returns.length, seconds: (performance.now() - t0) / 1000 };
}

/** HMM variance floor as a fraction of each feature's variance: GaussianHmm.fit's default, so both paths agree. */
const VAR_FLOOR = 1e-4;

/** Baum–Welch from a given model, with the same variance floor and stopping rule as GaussianHmm.fit. */
function refineHmm(X: Observations, init: GaussianHmm, o: Required<RegimeFitOptions>): { model: GaussianHmm; logLikelihood: number } {
  const T = X.length;
  const d = init.d;
  const mean = new Float64Array(d);
  const variance = new Float64Array(d);
  for (const x of X) for (let j = 0; j < d; j++) mean[j] = mean[j]! + x[j]! / T;
  for (const x of X) for (let j = 0; j < d; j++) variance[j] = variance[j]! + (x[j]! - mean[j]!) ** 2 / T;
  const floor = variance.map((v) => Math.max(v * VAR_FLOOR, 1e-300));
  let model = init;
  let prev = Number.NEGATIVE_INFINITY;
  let ll = prev;
  for (let it = 0; it < o.maxIter; it++) {
    const step = model.emStep(X, floor);
    ll = step.logLikelihood;
    if (Math.abs(ll - prev) < o.tol * (1 + Math.abs(ll))) break;
    prev = ll;
    model = step.next;
  }
  return { model, logLikelihood: ll };
}

export interface OnlineRegimeTrackerConfig {
  /** Name used in error messages only. */
  instrumentId: string;
  /** Returns needed before the first fit. Default 1000 (≈ 167 days of 4h bars). */
  minBars: number;
  /** Returns between refits. Default 540 (90 days of 4h bars). */
  refitBars: number;
  /** Most recent returns used per fit; Infinity (default) fits on all history up to the bar. */
  maxFitBars: number;
  /** After a refit the filter is re-run over this many trailing returns (from the stationary distribution). Default 500. */
  filterWarmupBars: number;
  /**
   * Refit by Baum–Welch from the previous model (true, default) rather than from fresh random restarts.
   * On BTC 4h 2022–2025 (default config) both end on the same final model (state means equal to 4 digits)
   * and the same crisis labels, but the warm refits take ~2.5× less time in all. Neither prevents a
   * Bear/Neutral/Bull relabel at a refit: those states' mean returns are a few bp apart and can cross.
   */
  warmStart: boolean;
  fit: Required<RegimeFitOptions>;
}

/** Constructor options: any subset of the config, with any subset of the fit options. */
export type OnlineRegimeTrackerOptions = Partial<Omit<OnlineRegimeTrackerConfig, 'fit'>> & { fit?: RegimeFitOptions };

export const DEFAULT_ONLINE_REGIME_TRACKER_CONFIG: Readonly<OnlineRegimeTrackerConfig> = Object.freeze({
  instrumentId: '',
  minBars: 1000,
  refitBars: 540,
  maxFitBars: Number.POSITIVE_INFINITY,
  filterWarmupBars: 500,
  warmStart: true,
  fit: Object.freeze({ ...DEFAULT_FIT }),
});

export interface RegimeReading {
  /** True once the first model has been fitted. */
  fitted: boolean;
  /** Most probable regime under the filter; null before the first fit. */
  label: RegimeLabel | null;
  /** P(regime | bars up to t), length 4 in {@link CANONICAL_REGIMES} order; uniform before the first fit. */
  probabilities: Float64Array;
  /**
   * Per-bar volatility for the next bar: the GARCH(1,1) one-step-ahead σ given returns up to t once fitted,
   * the sample standard deviation of the returns so far before (0 with fewer than 2 returns).
   */
  volatility: number;
  /** True on the bar a (re)fit happened. */
  refitted: boolean;
  /** Number of fits so far (0 before the first). */
  modelVersion: number;
}

export interface OnlineRegimeTrackerSnapshot {
  config: OnlineRegimeTrackerConfig;
  bars: number;
  returns: number;
  lastTs: number | null;
  fitted: boolean;
  modelVersion: number;
  /** Return count at which the next fit happens. */
  nextFitAtReturns: number;
  /** Message of the last scheduled fit if it failed (the previous model stays in force), else null. */
  lastFitError: string | null;
  garch: GarchParams | null;
  /** Per canonical state: fitted mean return and mean GARCH σ (the HMM emission means). */
  states: { label: RegimeLabel; meanReturn: number; meanVolatility: number }[];
  label: RegimeLabel | null;
  probabilities: number[];
  volatility: number;
}

/** The model in force: GARCH parameters plus the canonicalised HMM. */
export interface ActiveRegimeModel {
  version: number;
  /** Bar count (closes) when it was fitted. */
  fittedAtBar: number;
  garch: GarchParams;
  model: GaussianHmm;
  labels: RegimeLabel[];
}

const UNIFORM = (): Float64Array => new Float64Array(CANONICAL_REGIMES.length).fill(1 / CANONICAL_REGIMES.length);

function argmax(p: ArrayLike<number>): number {
  let a = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[a]!) a = k;
  return a;
}

export class OnlineRegimeTracker {
  readonly config: Readonly<OnlineRegimeTrackerConfig>;
  private readonly closes: number[] = [];
  private readonly returns: number[] = [];
  private lastTs: number | null = null;
  private active: ActiveRegimeModel | null = null;
  private filter: ForwardFilter | null = null;
  private stationary: Float64Array | null = null;
  /** GARCH σ² forecast for the next return under the active model. */
  private nextVariance = 0;
  private probs: Float64Array = UNIFORM();
  // Welford running moments of the returns, for the pre-fit volatility.
  private mean = 0;
  private m2 = 0;
  private readonly fitSeconds: number[] = [];
  /** Return count at which the next fit happens: minBars, minBars + refitBars, … (bar count only: causal). */
  private nextFitAt: number;
  private fitError: string | null = null;

  constructor(config: OnlineRegimeTrackerOptions = {}) {
    const c: OnlineRegimeTrackerConfig = {
      ...DEFAULT_ONLINE_REGIME_TRACKER_CONFIG,
      ...config,
      fit: { ...DEFAULT_FIT, ...config.fit },
    };
    const positiveInt = (v: number): boolean => Number.isInteger(v) && v >= 1;
    if (!positiveInt(c.minBars) || c.minBars < 20) throw new RangeError(`minBars must be an integer ≥ 20 (got ${c.minBars})`);
    if (!positiveInt(c.refitBars)) throw new RangeError(`refitBars must be an integer ≥ 1 (got ${c.refitBars})`);
    if (!(c.maxFitBars === Number.POSITIVE_INFINITY || (positiveInt(c.maxFitBars) && c.maxFitBars >= c.minBars))) {
      throw new RangeError(`maxFitBars must be Infinity or an integer ≥ minBars (got ${c.maxFitBars})`);
    }
    if (!positiveInt(c.filterWarmupBars)) throw new RangeError(`filterWarmupBars must be an integer ≥ 1 (got ${c.filterWarmupBars})`);
    this.config = Object.freeze({ ...c, fit: Object.freeze({ ...c.fit }) });
    this.nextFitAt = c.minBars;
  }

  /**
   * Feeds one closed bar. Throws (leaving the state untouched) on a non-finite or non-positive close or a
   * timestamp that does not increase.
   */
  update(tsClose: number, close: number): RegimeReading {
    const who = this.config.instrumentId ? ` (${this.config.instrumentId})` : '';
    if (typeof tsClose !== 'number' || !Number.isFinite(tsClose)) throw new RangeError(`OnlineRegimeTracker${who}: tsClose must be a finite number (got ${String(tsClose)})`);
    if (this.lastTs !== null && tsClose <= this.lastTs) {
      throw new RangeError(`OnlineRegimeTracker${who}: tsClose ${tsClose} does not increase (last ${this.lastTs})`);
    }
    if (typeof close !== 'number' || !Number.isFinite(close) || close <= 0) {
      throw new RangeError(`OnlineRegimeTracker${who}: close must be a finite number > 0 (got ${String(close)})`);
    }
    const prev = this.closes.length ? this.closes[this.closes.length - 1]! : null;
    this.closes.push(close);
    this.lastTs = tsClose;
    if (prev === null) return this.reading(false);

    const r = Math.log(close / prev);
    this.returns.push(r);
    const n = this.returns.length;
    const d = r - this.mean;
    this.mean += d / n;
    this.m2 += d * (r - this.mean);

    if (n === this.nextFitAt) {
      this.nextFitAt += this.config.refitBars;
      if (this.refit()) return this.reading(true);
    }
    if (this.active !== null) this.step(r);
    return this.reading(false);
  }

  /** The current reading without feeding a bar. */
  get current(): RegimeReading {
    return this.reading(false);
  }

  /** The model in force, or null before the first fit. */
  get model(): ActiveRegimeModel | null {
    return this.active;
  }

  /** Wall-clock seconds of every fit so far (not part of the deterministic state). */
  get fitTimings(): readonly number[] {
    return this.fitSeconds;
  }

  snapshot(): OnlineRegimeTrackerSnapshot {
    const reading = this.reading(false);
    const a = this.active;
    return {
      config: { ...this.config, fit: { ...this.config.fit } },
      bars: this.closes.length,
      returns: this.returns.length,
      lastTs: this.lastTs,
      fitted: reading.fitted,
      modelVersion: reading.modelVersion,
      nextFitAtReturns: this.nextFitAt,
      lastFitError: this.fitError,
      garch: a ? { ...a.garch } : null,
      states: a
        ? a.labels.map((label, k) => ({ label, meanReturn: a.model.params.means[k]![0]!, meanVolatility: a.model.params.means[k]![1]! }))
        : [],
      label: reading.label,
      probabilities: Array.from(reading.probabilities),
      volatility: reading.volatility,
    };
  }

  /**
   * Fits on the window ending at this bar and re-filters its tail. A failed fit (e.g. a window of constant
   * prices) keeps the model in force, or stays unfitted, until the next scheduled fit; returns false then.
   */
  private refit(): boolean {
    const { maxFitBars, filterWarmupBars, fit: opts } = this.config;
    const n = this.returns.length;
    const start = Number.isFinite(maxFitBars) ? Math.max(0, n - maxFitBars) : 0;
    // closes[start..n] are exactly the closes behind returns[start..n−1].
    const warm = this.config.warmStart && this.active !== null ? { init: this.active.model } : {};
    let fit: RegimeModelFit;
    try {
      fit = fitRegimeModel(this.closes.slice(start), { ...opts, ...warm });
    } catch (err) {
      this.fitError = err instanceof Error ? err.message : String(err);
      return false;
    }
    this.fitError = null;
    this.fitSeconds.push(fit.seconds);
    const params = fit.garch.params;
    const window = this.returns.slice(start);
    const variance = garchFilter(window, params);
    this.nextVariance = variance[window.length]!;
    this.stationary = fit.model.stationary();
    this.active = { version: (this.active?.version ?? 0) + 1, fittedAtBar: this.closes.length, garch: params, model: fit.model, labels: fit.labels };

    // Re-run the filter over a bounded tail so the probabilities at this bar come from the new model.
    this.filter = new ForwardFilter(fit.model, this.stationary);
    let p: Float64Array | null = null;
    for (let t = Math.max(0, window.length - filterWarmupBars); t < window.length; t++) {
      p = this.safeFilterUpdate(Float64Array.of(window[t]!, Math.sqrt(variance[t]!)));
    }
    this.probs = p ?? UNIFORM();
    return true;
  }

  /** One online step between refits: filter x_t = [r_t, σ_t], then roll the GARCH variance forward. */
  private step(r: number): void {
    const g = this.active!.garch;
    this.probs = this.safeFilterUpdate(Float64Array.of(r, Math.sqrt(this.nextVariance)));
    this.nextVariance = g.omega + g.alpha * r * r + g.beta * this.nextVariance;
  }

  /**
   * An observation far outside every state can underflow the forward recursion to 0/0; restart the filter
   * from the stationary distribution rather than let NaN propagate.
   */
  private safeFilterUpdate(x: Float64Array): Float64Array {
    const p = this.filter!.update(x);
    if (p.every((v) => Number.isFinite(v))) return p;
    this.filter = new ForwardFilter(this.active!.model, this.stationary!);
    const q = this.filter.update(x);
    return q.every((v) => Number.isFinite(v)) ? q : Float64Array.from(this.stationary!);
  }

  private reading(refitted: boolean): RegimeReading {
    const a = this.active;
    if (a === null) {
      const n = this.returns.length;
      return { fitted: false, label: null, probabilities: UNIFORM(), volatility: n >= 2 ? Math.sqrt(this.m2 / (n - 1)) : 0, refitted: false, modelVersion: 0 };
    }
    return {
      fitted: true,
      label: a.labels[argmax(this.probs)]!,
      probabilities: Float64Array.from(this.probs),
      volatility: Math.sqrt(this.nextVariance),
      refitted,
      modelVersion: a.version,
    };
  }
}
