import { BAR_INTERVALS, type BarInterval } from '@lib/model';

/**
 * Performance statistics over an equity curve, its round trips and the bar interval. Pure
 * functions on `number`s: statistics are reports, never order maths.
 *
 * Conventions (stated once, used everywhere):
 * - Returns are simple per-point returns r_i = E_i / E_{i-1} − 1 between consecutive curve
 *   points (one point per bar timestamp).
 * - Annualisation uses periods per year = 365 days / bar interval (crypto trades every day):
 *   2190 for 4h bars. Volatility = sample std (n − 1) × √periods; Sharpe = mean / std × √periods
 *   with a zero risk-free rate; Sortino = mean / downside deviation × √periods, where the
 *   downside deviation is √(Σ min(r, 0)² / n) over all n returns (target 0).
 * - CAGR uses elapsed calendar time between the first and last points, in 365-day years.
 * - Drawdown is measured from the running peak, as a fraction of that peak.
 * - A ratio with a zero (or undefined) denominator is null, with a note saying why.
 */
export const YEAR_MS = 365 * 86_400_000;

/** Standard deviations below this are treated as zero (float noise on a constant series). */
export const ZERO_VOLATILITY = 1e-12;

/** Anything that reads as a number: Money, or a float already. */
export type Amount = number | { toNumber(): number };

export interface EquitySample {
  readonly ts: number;
  readonly equity: Amount;
  /** Instruments with a non-zero position; used for exposure when present. */
  readonly openPositions?: number;
  /** Used for exposure when `openPositions` is absent. */
  readonly grossExposure?: Amount;
}

export interface TradeOutcome {
  /** PnL of the round trip after fees (and funding). */
  readonly netPnl: Amount;
}

export interface StatisticsInput {
  readonly equityCurve: readonly EquitySample[];
  readonly trades?: readonly TradeOutcome[];
  /** Bar interval ('4h') or its length in milliseconds. */
  readonly interval: BarInterval | number;
  /** Σ fill notional over the run. */
  readonly turnover?: Amount | null;
}

export interface DrawdownInfo {
  /** Largest peak-to-trough fall as a fraction of the peak (0 when equity never fell). */
  readonly maxDrawdown: number;
  readonly peakTs: number | null;
  readonly troughTs: number | null;
  /** First timestamp after the trough where equity is back at the peak; null if never. */
  readonly recoveryTs: number | null;
}

export interface PerformanceStatistics {
  readonly points: number;
  readonly startTs: number | null;
  readonly endTs: number | null;
  readonly years: number | null;
  readonly periodsPerYear: number;
  readonly startEquity: number | null;
  readonly endEquity: number | null;
  readonly totalReturn: number | null;
  readonly cagr: number | null;
  readonly annualVolatility: number | null;
  readonly sharpe: number | null;
  readonly sortino: number | null;
  readonly maxDrawdown: number | null;
  readonly maxDrawdownPeakTs: number | null;
  readonly maxDrawdownTroughTs: number | null;
  readonly maxDrawdownRecoveryTs: number | null;
  readonly calmar: number | null;
  readonly trades: number;
  readonly winRate: number | null;
  readonly profitFactor: number | null;
  /** Σ fill notional / average equity. */
  readonly turnover: number | null;
  /** Share of curve points with a non-zero position. */
  readonly exposure: number | null;
  readonly notes: string[];
}

const toNumber = (a: Amount): number => (typeof a === 'number' ? a : a.toNumber());

export function intervalMs(interval: BarInterval | number): number {
  const ms = typeof interval === 'number' ? interval : BAR_INTERVALS[interval];
  if (!Number.isFinite(ms) || ms <= 0) throw new RangeError(`bar interval must be a positive duration, got ${String(interval)}`);
  return ms;
}

export function periodsPerYear(interval: BarInterval | number): number {
  return YEAR_MS / intervalMs(interval);
}

/** Simple returns between consecutive equities; a non-positive base has no return (null). */
export function simpleReturns(equities: readonly number[]): Array<number | null> {
  const out: Array<number | null> = [];
  for (let i = 1; i < equities.length; i++) {
    const base = equities[i - 1]!;
    out.push(base > 0 ? equities[i]! / base - 1 : null);
  }
  return out;
}

export function totalReturn(startEquity: number, endEquity: number): number | null {
  return startEquity > 0 ? endEquity / startEquity - 1 : null;
}

export function cagr(startEquity: number, endEquity: number, elapsedMs: number): number | null {
  if (startEquity <= 0 || endEquity < 0 || elapsedMs <= 0) return null;
  return Math.pow(endEquity / startEquity, YEAR_MS / elapsedMs) - 1;
}

export function mean(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/** Sample standard deviation (n − 1); below ZERO_VOLATILITY it is exactly 0. */
export function sampleStdDev(values: readonly number[]): number | null {
  const m = mean(values);
  if (m === null || values.length < 2) return null;
  let ss = 0;
  for (const v of values) ss += (v - m) ** 2;
  const sd = Math.sqrt(ss / (values.length - 1));
  return sd < ZERO_VOLATILITY ? 0 : sd;
}

/** √(Σ min(r, 0)² / n): the downside deviation against a zero target. */
export function downsideDeviation(returns: readonly number[]): number | null {
  if (returns.length === 0) return null;
  let ss = 0;
  for (const r of returns) if (r < 0) ss += r * r;
  const dd = Math.sqrt(ss / returns.length);
  return dd < ZERO_VOLATILITY ? 0 : dd;
}

export function annualizedVolatility(returns: readonly number[], periods: number): number | null {
  const sd = sampleStdDev(returns);
  return sd === null ? null : sd * Math.sqrt(periods);
}

export function sharpeRatio(returns: readonly number[], periods: number): number | null {
  const m = mean(returns);
  const sd = sampleStdDev(returns);
  return m === null || sd === null || sd === 0 ? null : (m / sd) * Math.sqrt(periods);
}

export function sortinoRatio(returns: readonly number[], periods: number): number | null {
  const m = mean(returns);
  const dd = downsideDeviation(returns);
  return m === null || dd === null || dd === 0 ? null : (m / dd) * Math.sqrt(periods);
}

export function maxDrawdown(curve: ReadonlyArray<{ readonly ts: number; readonly equity: number }>): DrawdownInfo {
  let peak = -Infinity;
  let peakTs: number | null = null;
  let worst = 0;
  let worstPeak = 0;
  let worstPeakTs: number | null = null;
  let troughTs: number | null = null;
  let troughIndex = -1;
  for (let i = 0; i < curve.length; i++) {
    const p = curve[i]!;
    if (p.equity > peak) {
      peak = p.equity;
      peakTs = p.ts;
    }
    const dd = peak > 0 ? (peak - p.equity) / peak : 0;
    if (dd > worst) {
      worst = dd;
      worstPeak = peak;
      worstPeakTs = peakTs;
      troughTs = p.ts;
      troughIndex = i;
    }
  }
  if (troughIndex < 0) return { maxDrawdown: 0, peakTs: null, troughTs: null, recoveryTs: null };
  let recoveryTs: number | null = null;
  for (let i = troughIndex + 1; i < curve.length; i++) {
    if (curve[i]!.equity >= worstPeak) {
      recoveryTs = curve[i]!.ts;
      break;
    }
  }
  return { maxDrawdown: worst, peakTs: worstPeakTs, troughTs, recoveryTs };
}

/** Share of round trips with a positive net PnL; null without trades. */
export function winRate(pnls: readonly number[]): number | null {
  if (pnls.length === 0) return null;
  return pnls.filter((p) => p > 0).length / pnls.length;
}

/** Gross profit / gross loss; null without trades or without losses (infinite). */
export function profitFactor(pnls: readonly number[]): number | null {
  let profit = 0;
  let loss = 0;
  for (const p of pnls) {
    if (p > 0) profit += p;
    else loss -= p;
  }
  return loss > 0 ? profit / loss : null;
}

export function computeStatistics(input: StatisticsInput): PerformanceStatistics {
  const notes: string[] = [];
  const periods = periodsPerYear(input.interval);
  const curve = input.equityCurve.map((p) => ({ ts: p.ts, equity: toNumber(p.equity) }));
  const first = curve[0];
  const last = curve.at(-1);
  const pnls = (input.trades ?? []).map((t) => toNumber(t.netPnl));

  const rawReturns = simpleReturns(curve.map((p) => p.equity));
  const returns = rawReturns.filter((r): r is number => r !== null);
  if (returns.length < rawReturns.length) notes.push(`${rawReturns.length - returns.length} return(s) skipped: equity was not positive`);
  if (curve.length < 3) notes.push('fewer than 3 equity points: volatility, Sharpe and Sortino need at least 2 returns');

  const vol = annualizedVolatility(returns, periods);
  const sharpe = sharpeRatio(returns, periods);
  if (vol === 0) notes.push('zero volatility: Sharpe is undefined');
  const sortino = sortinoRatio(returns, periods);
  if (returns.length > 0 && sortino === null) notes.push('no losing period: Sortino is undefined (infinite)');

  const dd = maxDrawdown(curve);
  const elapsed = first && last ? last.ts - first.ts : 0;
  const growth = first && last ? cagr(first.equity, last.equity, elapsed) : null;
  const calmar = growth !== null && dd.maxDrawdown > 0 ? growth / dd.maxDrawdown : null;
  if (curve.length > 0 && dd.maxDrawdown === 0) notes.push('no drawdown: Calmar is undefined');

  const pf = profitFactor(pnls);
  if (pnls.length > 0 && pf === null) notes.push(pnls.some((p) => p > 0) ? 'no losing trade: profit factor is infinite (reported as null)' : 'no winning or losing trade: profit factor is undefined');

  const avgEquity = mean(curve.map((p) => p.equity));
  const fillNotional = input.turnover === undefined || input.turnover === null ? null : toNumber(input.turnover);
  const turnover = fillNotional === null || avgEquity === null || avgEquity <= 0 ? null : fillNotional / avgEquity;

  return {
    points: curve.length,
    startTs: first?.ts ?? null,
    endTs: last?.ts ?? null,
    years: first && last ? elapsed / YEAR_MS : null,
    periodsPerYear: periods,
    startEquity: first?.equity ?? null,
    endEquity: last?.equity ?? null,
    totalReturn: first && last ? totalReturn(first.equity, last.equity) : null,
    cagr: growth,
    annualVolatility: vol,
    sharpe,
    sortino,
    maxDrawdown: curve.length > 0 ? dd.maxDrawdown : null,
    maxDrawdownPeakTs: dd.peakTs,
    maxDrawdownTroughTs: dd.troughTs,
    maxDrawdownRecoveryTs: dd.recoveryTs,
    calmar,
    trades: pnls.length,
    winRate: winRate(pnls),
    profitFactor: pf,
    turnover,
    exposure: exposure(input.equityCurve),
    notes,
  };
}

/** Share of points holding a position: by `openPositions`, else by a non-zero gross exposure. */
export function exposure(curve: readonly EquitySample[]): number | null {
  if (curve.length === 0) return null;
  let exposed = 0;
  for (const p of curve) {
    if (p.openPositions !== undefined) {
      if (p.openPositions > 0) exposed++;
    } else if (p.grossExposure !== undefined) {
      if (toNumber(p.grossExposure) !== 0) exposed++;
    } else return null;
  }
  return exposed / curve.length;
}
