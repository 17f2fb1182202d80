/**
 * Turning bars and forecasts into what the sizing environment reads: GARCH volatility, regime
 * probabilities, the scaled signal and its rolling IC. Every series here is causal — entry i
 * uses bars 0..i only — so training and serving see the same numbers at the same time.
 */
import { spearmanIc, type SeededRandom } from '@lib/ml';
import { fitRegimeModel, ForwardFilter, garchFilter, GaussianHmm, regimeFeatures, type GarchParams, type RegimeLabel } from '@lib/regime';
import { gaussian } from './nn.js';
import type { SizingSeries } from './sizing-env.js';

/** Log return of bar i (close_i / close_{i−1}); 0 for bar 0. */
export function barLogReturns(close: ArrayLike<number>): Float64Array {
  const out = new Float64Array(close.length);
  for (let i = 1; i < close.length; i++) out[i] = Math.log(close[i]! / close[i - 1]!);
  return out;
}

/** A fitted GARCH(1,1) and a 4-state Gaussian HMM on [r_t, σ_t], states in canonical order. */
export interface RegimeModel {
  readonly garch: GarchParams;
  readonly hmm: GaussianHmm;
  readonly labels: readonly RegimeLabel[];
}

export interface RegimeFitOptions {
  readonly seed: number;
  readonly restarts?: number;
  readonly maxIter?: number;
}

/**
 * The regime library's fit (GARCH, then the 4-state HMM, canonicalised) on bars [from, to) only:
 * call it with the training span. Throws unless the canonical labels are exactly Bear, Neutral,
 * Bull, Crisis (the observation's order).
 */
export function fitSizerRegimeModel(close: ArrayLike<number>, from: number, to: number, options: RegimeFitOptions): RegimeModel {
  const closes = Float64Array.from({ length: Math.max(0, to - from) }, (_, i) => close[from + i]!);
  const fit = fitRegimeModel(closes, { seed: options.seed, restarts: options.restarts ?? 3, maxIter: options.maxIter ?? 100 });
  if (fit.labels.join() !== 'Bear,Neutral,Bull,Crisis') throw new Error(`regime model: unexpected canonical labels ${fit.labels.join(', ')}`);
  return { garch: fit.garch.params, hmm: fit.model, labels: fit.labels };
}

export interface RegimeSeries {
  /** σ of bar i+1 forecast at the close of bar i. */
  readonly volatility: Float64Array;
  /** P(regime | bars ≤ i), n × 4 (Bear, Neutral, Bull, Crisis). */
  readonly probabilities: Float64Array;
}

/**
 * Volatility forecasts and filtered regime probabilities for every bar, with the model's fixed
 * parameters (fitted on a training span; running them forward over later bars is what serving does).
 * Bar 0 has no return: its probabilities are the HMM's stationary distribution.
 */
export function regimeSeries(close: ArrayLike<number>, model: RegimeModel): RegimeSeries {
  const n = close.length;
  const r = barLogReturns(close).subarray(1);
  const variance = garchFilter(r, model.garch); // variance[k] = σ² of return k (bar k+1) given returns < k
  const volatility = new Float64Array(n);
  for (let i = 0; i < n; i++) volatility[i] = Math.sqrt(variance[i]!);
  const probabilities = new Float64Array(4 * n);
  probabilities.set(model.hmm.stationary(), 0);
  const filter = new ForwardFilter(model.hmm);
  const rows = regimeFeatures(r, model.garch);
  for (let k = 0; k < rows.length; k++) probabilities.set(filter.update(rows[k]!), 4 * (k + 1));
  return { volatility, probabilities };
}

/** Index of the most likely regime in a row of probabilities. */
export function argmaxRegime(probabilities: ArrayLike<number>, bar: number): number {
  let best = 0;
  for (let k = 1; k < 4; k++) if (probabilities[4 * bar + k]! > probabilities[4 * bar + best]!) best = k;
  return best;
}

/**
 * Prediction → z-score, one prediction at a time: divided by the root-mean-square of the last
 * `window` finite predictions (this one included). It is not demeaned, so its sign is the
 * forecast's sign (a model that keeps forecasting a small rise keeps a long signal). An undefined
 * prediction gives 0 and is not counted; until `minCount` predictions are seen, 0 too. The trader
 * serves with this class and training uses {@link scaleSignal}, a fold over it: one definition.
 */
export class SignalScaler {
  private readonly squares: Float64Array;
  private count = 0;
  private head = 0;
  private sum = 0;

  constructor(
    readonly window = 500,
    readonly minCount = 50,
  ) {
    this.squares = new Float64Array(window);
  }

  push(p: number): number {
    if (!Number.isFinite(p)) return 0;
    const sq = p * p;
    this.sum += sq;
    if (this.count === this.window) {
      this.sum -= this.squares[this.head]!;
    } else {
      this.count++;
    }
    this.squares[this.head] = sq;
    this.head = (this.head + 1) % this.window;
    const rms = Math.sqrt(Math.max(this.sum, 0) / this.count);
    return this.count >= this.minCount && rms > 0 ? p / rms : 0;
  }
}

/** {@link SignalScaler} over a whole series (training). */
export function scaleSignal(prediction: ArrayLike<number>, window = 500, minCount = 50): Float64Array {
  const scaler = new SignalScaler(window, minCount);
  const out = new Float64Array(prediction.length);
  for (let i = 0; i < prediction.length; i++) out[i] = scaler.push(prediction[i]!);
  return out;
}

/** Realised log return over the next `horizon` bars (NaN where it runs past the data). */
export function forwardReturn(close: ArrayLike<number>, horizon: number): Float64Array {
  const out = new Float64Array(close.length).fill(Number.NaN);
  for (let i = 0; i + horizon < close.length; i++) out[i] = Math.log(close[i + horizon]! / close[i]!);
  return out;
}

/**
 * Rolling rank IC known at each bar: Spearman correlation of prediction_s with its realised
 * `horizon`-bar return over the last `window` bars s whose outcome is known by bar t (s + horizon ≤ t).
 * NaN until `minCount` pairs exist. Computed for bars [from, to) only (the rest NaN): it is O(window·log window) per bar.
 */
export function rollingIc(
  prediction: ArrayLike<number>,
  close: ArrayLike<number>,
  horizon: number,
  options: { window?: number; minCount?: number; from?: number; to?: number } = {},
): Float64Array {
  const n = close.length;
  const window = options.window ?? 500;
  const minCount = options.minCount ?? 100;
  const realised = forwardReturn(close, horizon);
  const out = new Float64Array(n).fill(Number.NaN);
  const xs: number[] = [];
  const ys: number[] = [];
  for (let t = options.from ?? 0; t < (options.to ?? n); t++) {
    xs.length = 0;
    ys.length = 0;
    for (let s = Math.max(0, t - horizon - window + 1); s <= t - horizon; s++) {
      const p = prediction[s]!;
      const y = realised[s]!;
      if (Number.isFinite(p) && Number.isFinite(y)) {
        xs.push(p);
        ys.push(y);
      }
    }
    if (xs.length >= minCount) out[t] = spearmanIc(xs, ys);
  }
  return out;
}

export interface BarArrays {
  /** Bar close times, ms UTC. */
  readonly ts: Float64Array;
  readonly close: Float64Array;
  readonly high: Float64Array;
  readonly low: Float64Array;
}

/** Assembles the environment's series from bars, funding per bar, the z-scored signal and a regime model. */
export function buildSizingSeries(bars: BarArrays, funding: Float64Array, signal: Float64Array, model: RegimeModel): SizingSeries {
  const regime = regimeSeries(bars.close, model);
  return { ...bars, funding, signal, regimeProbabilities: regime.probabilities, volatility: regime.volatility };
}

export interface SyntheticPathOptions {
  readonly length: number;
  /** Information coefficient of the synthetic signal (correlation with the standardised forward return). */
  readonly ic: number;
  /** Bars the signal forecasts. */
  readonly horizon: number;
  /** Funding rate charged every second bar (8h on 4h bars). */
  readonly fundingRate: number;
  readonly barMs?: number;
}

/**
 * A synthetic bar path sampled from the fitted HMM (returns from the sampled r_t, so regimes
 * switch as the fitted transition matrix says), with volatility and regime probabilities
 * computed exactly as for real bars, and a signal of controlled IC:
 *   z_t = ic·F_t + √(1 − ic²)·ε_t, F_t = standardised sum of the next `horizon` returns.
 * (The signal "knows" the future by design — that is what a forecast with IC > 0 is; the
 * environment still shows the agent only z_t at bar t.)
 */
export function syntheticSeries(model: RegimeModel, rng: SeededRandom, options: SyntheticPathOptions): SizingSeries {
  const n = options.length;
  const h = options.horizon;
  const sample = model.hmm.sample(n + h, rng);
  const close = new Float64Array(n + h);
  close[0] = 100;
  for (let i = 1; i < n + h; i++) close[i] = close[i - 1]! * Math.exp(sample.X[i]![0]!);
  const fwd = forwardReturn(close, h).subarray(0, n);
  let ss = 0;
  for (let i = 0; i < n; i++) ss += fwd[i]! * fwd[i]!;
  const scale = Math.sqrt(ss / n) || 1;
  const noise = Math.sqrt(Math.max(0, 1 - options.ic * options.ic));
  const signal = new Float64Array(n);
  for (let i = 0; i < n; i++) signal[i] = options.ic * (fwd[i]! / scale) + noise * gaussian(rng);
  const barMs = options.barMs ?? 4 * 3_600_000;
  const c = close.slice(0, n);
  const ts = Float64Array.from({ length: n }, (_, i) => (i + 1) * barMs);
  const funding = Float64Array.from(ts, (t) => (t % (2 * barMs) === 0 ? options.fundingRate : 0));
  return buildSizingSeries({ ts, close: c, high: c, low: c }, funding, signal, model);
}
