/**
 * Out-of-sample quality of a signal, per walk-forward window and aggregated over windows.
 *
 * Inputs must be finite (a NaN prediction or label is corrupt state and throws). Conventions:
 * - IC (Pearson) and rank IC (Spearman, ties get their average rank) are 0 when either series
 *   is constant: a constant signal carries no ranking information, i.e. no skill.
 * - Hit rate: share of rows where prediction and label have the same sign, counted over rows
 *   where both are non-zero; a zero prediction is "no call" and a zero label "no move", neither
 *   right nor wrong. NaN when no row qualifies.
 * - Trading: see `tradeSignal`.
 */

export type ArrayOfNumbers = ArrayLike<number>;

/** Exactly constant (the mean of a constant series can differ from it by round-off, so sxx is no test). */
function isConstant(values: ArrayOfNumbers): boolean {
  for (let i = 1; i < values.length; i++) if (values[i] !== values[0]) return false;
  return true;
}

export function pearsonIc(prediction: ArrayOfNumbers, label: ArrayOfNumbers): number {
  assertPaired('pearsonIc', prediction, label);
  const n = prediction.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += prediction[i]!;
    my += label[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = prediction[i]! - mx;
    const dy = label[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0 || isConstant(prediction) || isConstant(label)) return 0;
  // Clamp: rounding can push a perfect correlation a hair past ±1.
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

export function spearmanIc(prediction: ArrayOfNumbers, label: ArrayOfNumbers): number {
  assertPaired('spearmanIc', prediction, label);
  return pearsonIc(averageRanks(prediction), averageRanks(label));
}

/** 1-based ranks; tied values share the average of the ranks they span. */
export function averageRanks(values: ArrayOfNumbers): Float64Array {
  const n = values.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && values[order[j + 1]!]! === values[order[i]!]!) j++;
    const rank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) ranks[order[t]!] = rank;
    i = j + 1;
  }
  return ranks;
}

export function hitRate(prediction: ArrayOfNumbers, label: ArrayOfNumbers): number {
  assertPaired('hitRate', prediction, label);
  let hits = 0;
  let decisive = 0;
  for (let i = 0; i < prediction.length; i++) {
    const p = Math.sign(prediction[i]!);
    const l = Math.sign(label[i]!);
    if (p === 0 || l === 0) continue;
    decisive++;
    if (p === l) hits++;
  }
  return decisive === 0 ? NaN : hits / decisive;
}

/**
 * Signal → position: sign(signal) by default (always fully long, short or flat), or
 * clip(signal / positionScale, −1, 1) when a scale is given (the signal size at which the
 * position is full).
 */
export function signalToPosition(signal: number, positionScale?: number): number {
  if (positionScale === undefined) return Math.sign(signal);
  return Math.max(-1, Math.min(1, signal / positionScale));
}

export interface TradingOptions {
  /** Cost per unit of position change, as a fraction of notional (0.0005 = 5 bp per side). */
  readonly fee: number;
  /** Bars per year, e.g. 2190 for 4h bars on a 24/7 market. */
  readonly periodsPerYear: number;
  /**
   * Bars each return spans, default 1. With h > 1, `returns[t]` is the return from bar t to bar
   * t + h (e.g. the label itself); only rows 0, h, 2h, … are traded, each position held h bars,
   * so holding periods never overlap, and annualisation uses periodsPerYear / h.
   */
  readonly horizon?: number;
  /** See `signalToPosition`; default: sign of the signal. */
  readonly positionScale?: number;
}

export interface TradingResult {
  /** Annualised: mean(pnl) / std(pnl) · √(periodsPerYear / horizon); 0 when std = 0, NaN below 2 periods. */
  readonly sharpe: number;
  /** Per holding period: position × return − |Δposition| × fee. */
  readonly pnl: Float64Array;
  readonly positions: Float64Array;
  readonly meanPnl: number;
  /** Sample standard deviation (n − 1). */
  readonly stdPnl: number;
  /** Σ |Δposition|, including the entry from flat. */
  readonly turnover: number;
  /** Holding periods per year: periodsPerYear / horizon. */
  readonly periodsPerYear: number;
}

/**
 * The signal traded on its own: start flat, at each traded row t take position(signal[t]),
 * earn position × returns[t] and pay |position − previous position| × fee. The book is not
 * closed after the last period (the window ends, the strategy would carry on).
 */
export function tradeSignal(signal: ArrayOfNumbers, returns: ArrayOfNumbers, options: TradingOptions): TradingResult {
  assertPaired('tradeSignal', signal, returns, 1);
  const { fee, periodsPerYear, horizon = 1, positionScale } = options;
  if (!(fee >= 0 && Number.isFinite(fee))) throw new RangeError(`tradeSignal: fee must be a finite number ≥ 0, got ${fee}`);
  if (!(periodsPerYear > 0 && Number.isFinite(periodsPerYear))) throw new RangeError(`tradeSignal: periodsPerYear must be > 0, got ${periodsPerYear}`);
  if (!Number.isInteger(horizon) || horizon < 1) throw new RangeError(`tradeSignal: horizon must be an integer ≥ 1, got ${horizon}`);
  if (positionScale !== undefined && !(positionScale > 0 && Number.isFinite(positionScale))) {
    throw new RangeError(`tradeSignal: positionScale must be a finite number > 0, got ${positionScale}`);
  }

  const periods = Math.ceil(signal.length / horizon);
  const pnl = new Float64Array(periods);
  const positions = new Float64Array(periods);
  let previous = 0;
  let turnover = 0;
  for (let i = 0; i < periods; i++) {
    const t = i * horizon;
    const position = signalToPosition(signal[t]!, positionScale);
    const traded = Math.abs(position - previous);
    positions[i] = position;
    pnl[i] = position * returns[t]! - traded * fee;
    turnover += traded;
    previous = position;
  }
  const annualPeriods = periodsPerYear / horizon;
  const { mean, std } = meanAndStd(pnl);
  return { sharpe: annualisedSharpe(mean, std, periods, annualPeriods), pnl, positions, meanPnl: mean, stdPnl: std, turnover, periodsPerYear: annualPeriods };
}

export interface WindowMetrics {
  readonly ic: number;
  readonly rankIc: number;
  readonly hitRate: number;
  readonly rows: number;
  readonly trading: TradingResult;
}

/**
 * Metrics of one test window. `returns` is what the signal is traded on (default: the label,
 * which with `horizon` = label horizon gives non-overlapping trades).
 */
export function evaluateWindow(
  prediction: ArrayOfNumbers,
  label: ArrayOfNumbers,
  trading: TradingOptions,
  returns: ArrayOfNumbers = label,
): WindowMetrics {
  return {
    ic: pearsonIc(prediction, label),
    rankIc: spearmanIc(prediction, label),
    hitRate: hitRate(prediction, label),
    rows: prediction.length,
    trading: tradeSignal(prediction, returns, trading),
  };
}

export interface WalkForwardMetrics {
  readonly windows: number;
  readonly meanIc: number;
  /** Sample standard deviation of the per-window IC (n − 1); NaN with one window. */
  readonly stdIc: number;
  /** meanIc / stdIc (per window, not annualised); NaN when stdIc is 0 or undefined. */
  readonly icir: number;
  /** meanIc / (stdIc / √windows) = icir · √windows. */
  readonly tStat: number;
  /** Share of windows with IC > 0. */
  readonly positiveShare: number;
  readonly meanRankIc: number;
  readonly stdRankIc: number;
  readonly rankIcir: number;
  /** Mean over windows with a defined hit rate; NaN when none has one. */
  readonly meanHitRate: number;
  readonly meanWindowSharpe: number;
  /** Sharpe of all windows' PnL concatenated in order: the out-of-sample equity curve. */
  readonly sharpe: number;
  readonly ics: Float64Array;
}

export function aggregateWalkForward(windows: readonly WindowMetrics[]): WalkForwardMetrics {
  const n = windows.length;
  if (n === 0) throw new RangeError('aggregateWalkForward: no windows');
  const annualPeriods = windows[0]!.trading.periodsPerYear;
  if (windows.some((w) => w.trading.periodsPerYear !== annualPeriods)) {
    throw new RangeError('aggregateWalkForward: windows were traded with different periodsPerYear / horizon; their PnL cannot be pooled');
  }
  const ics = Float64Array.from(windows, (w) => w.ic);
  const rankIcs = Float64Array.from(windows, (w) => w.rankIc);
  const ic = meanAndStd(ics);
  const rank = meanAndStd(rankIcs);
  const icir = ratio(ic.mean, ic.std);
  const rankIcir = ratio(rank.mean, rank.std);

  const hitRates = windows.map((w) => w.hitRate).filter((h) => !Number.isNaN(h));
  const sharpes = Float64Array.from(windows, (w) => w.trading.sharpe);

  const total = windows.reduce((s, w) => s + w.trading.pnl.length, 0);
  const pooled = new Float64Array(total);
  let offset = 0;
  for (const w of windows) {
    pooled.set(w.trading.pnl, offset);
    offset += w.trading.pnl.length;
  }
  const p = meanAndStd(pooled);

  return {
    windows: n,
    meanIc: ic.mean,
    stdIc: ic.std,
    icir,
    tStat: icir * Math.sqrt(n),
    positiveShare: ics.filter((v) => v > 0).length / n,
    meanRankIc: rank.mean,
    stdRankIc: rank.std,
    rankIcir,
    meanHitRate: hitRates.length === 0 ? NaN : hitRates.reduce((s, h) => s + h, 0) / hitRates.length,
    meanWindowSharpe: sharpes.reduce((s, v) => s + v, 0) / n,
    sharpe: annualisedSharpe(p.mean, p.std, total, annualPeriods),
    ics,
  };
}

function annualisedSharpe(mean: number, std: number, periods: number, periodsPerYear: number): number {
  if (periods < 2) return NaN;
  if (std === 0) return 0;
  return (mean / std) * Math.sqrt(periodsPerYear);
}

function ratio(mean: number, std: number): number {
  return std > 0 ? mean / std : NaN;
}

/** Mean and sample standard deviation (n − 1; NaN for fewer than 2 values). */
function meanAndStd(values: ArrayOfNumbers): { mean: number; std: number } {
  const n = values.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += values[i]!;
  mean /= n;
  if (n < 2) return { mean, std: NaN };
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  return { mean, std: Math.sqrt(ss / (n - 1)) };
}

function assertPaired(fn: string, a: ArrayOfNumbers, b: ArrayOfNumbers, minLength = 2): void {
  if (a.length !== b.length) throw new RangeError(`${fn}: lengths differ (${a.length} vs ${b.length})`);
  if (a.length < minLength) throw new RangeError(`${fn}: needs at least ${minLength} rows, got ${a.length}`);
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i]!) || !Number.isFinite(b[i]!)) throw new RangeError(`${fn}: row ${i} is not finite (${a[i]}, ${b[i]})`);
  }
}
