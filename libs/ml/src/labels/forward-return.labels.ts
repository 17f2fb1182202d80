/** Default label horizon: 6 four-hour bars = 1 day. */
export const DEFAULT_LABEL_HORIZON = 6;
/** Default trailing window for volatility scaling: 42 four-hour bars = 1 week. */
export const DEFAULT_LABEL_VOL_WINDOW = 42;

export interface LabelOptions {
  /** Bars ahead (default 6). */
  readonly horizon?: number;
  /**
   * Divide each forward return by σ_t·√horizon, σ_t the RMS of the `volWindow` one-bar log
   * returns ending at bar t (known at t, nothing after it): a label in units of the volatility
   * the model saw when it predicted, comparable across calm and wild regimes.
   */
  readonly volScale?: boolean;
  readonly volWindow?: number;
}

interface ResolvedLabelOptions {
  readonly horizon: number;
  readonly volScale: boolean;
  readonly volWindow: number;
}

function resolve(options: LabelOptions): ResolvedLabelOptions {
  const horizon = options.horizon ?? DEFAULT_LABEL_HORIZON;
  const volWindow = options.volWindow ?? DEFAULT_LABEL_VOL_WINDOW;
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`horizon must be a positive integer, got ${horizon}`);
  if (!Number.isInteger(volWindow) || volWindow < 2) throw new RangeError(`volWindow must be an integer >= 2, got ${volWindow}`);
  return { horizon, volScale: options.volScale ?? false, volWindow };
}

function checkCloses(closes: ArrayLike<number>, n: number): void {
  for (let i = 0; i < n; i++) {
    const c = closes[i]!;
    if (!(Number.isFinite(c) && c > 0)) throw new RangeError(`close[${i}] = ${c} is not a positive number`);
  }
}

/**
 * σ_t per bar (not annualised): RMS of the `window` one-bar log returns ending at bar t, i.e.
 * from closes t − window … t. NaN until bar `window`.
 */
export function trailingRealizedVol(closes: ArrayLike<number>, window = DEFAULT_LABEL_VOL_WINDOW): Float64Array {
  const n = closes.length;
  checkCloses(closes, n);
  const out = new Float64Array(n).fill(NaN);
  for (let t = window; t < n; t++) {
    let ss = 0;
    for (let k = t - window + 1; k <= t; k++) {
      const r = Math.log(closes[k]! / closes[k - 1]!);
      ss += r * r;
    }
    out[t] = Math.sqrt(ss / window);
  }
  return out;
}

/**
 * label[t] = ln(close[t + h] / close[t]) (optionally vol-scaled): what a position opened at bar
 * t's close earns over the next h bars. NaN where t + h is past the end, and (vol-scaled) where
 * σ_t is not yet defined or is zero.
 */
export function forwardLogReturns(closes: ArrayLike<number>, options: LabelOptions = {}): Float64Array {
  const { horizon, volScale, volWindow } = resolve(options);
  const n = closes.length;
  checkCloses(closes, n);
  const out = new Float64Array(n).fill(NaN);
  const vol = volScale ? trailingRealizedVol(closes, volWindow) : null;
  const scale = Math.sqrt(horizon);
  for (let t = 0; t + horizon < n; t++) {
    const r = Math.log(closes[t + horizon]! / closes[t]!);
    if (vol === null) out[t] = r;
    else if (vol[t]! > 0) out[t] = r / (vol[t]! * scale);
  }
  return out;
}

/**
 * Labels for the training window [trainStart, trainEnd) (end exclusive), one per bar of the
 * window. Only closes before `trainEnd` are ever read: the closes are cut there first, so the
 * last `horizon` bars of the window, whose labels would need prices from the test window, stay
 * NaN (unlabelled: drop them from training), whatever the caller passes beyond the window.
 * Closes before `trainStart` are the past and may feed the volatility scale.
 */
export function labelTrainingWindow(closes: ArrayLike<number>, trainStart: number, trainEnd: number, options: LabelOptions = {}): Float64Array {
  if (!Number.isInteger(trainStart) || !Number.isInteger(trainEnd) || trainStart < 0 || trainEnd < trainStart || trainEnd > closes.length) {
    throw new RangeError(`training window [${trainStart}, ${trainEnd}) is not inside 0..${closes.length}`);
  }
  const visible = Array.prototype.slice.call(closes, 0, trainEnd) as number[];
  return forwardLogReturns(visible, options).slice(trainStart, trainEnd);
}

/** Labels picked for the rows of a feature matrix (`barIndex` maps each row to its bar). */
export function labelsAtRows(labels: ArrayLike<number>, barIndex: ArrayLike<number>): Float64Array {
  const out = new Float64Array(barIndex.length);
  for (let i = 0; i < barIndex.length; i++) {
    const b = barIndex[i]!;
    if (!Number.isInteger(b) || b < 0 || b >= labels.length) throw new RangeError(`barIndex[${i}] = ${b} is outside 0..${labels.length - 1}`);
    out[i] = labels[b]!;
  }
  return out;
}
