import fc from 'fast-check';
import {
  aggregateWalkForward,
  averageRanks,
  evaluateWindow,
  hitRate,
  pearsonIc,
  signalToPosition,
  spearmanIc,
  tradeSignal,
  type TradingResult,
  type WindowMetrics,
} from './metrics.js';

const x = [1, 2, 3, 4, 5];
const y = [2, 4, 5, 4, 5];

describe('IC', () => {
  it('Pearson: Σdxdy / √(Σdx² Σdy²) = 6 / √60', () => {
    expect(pearsonIc(x, y)).toBeCloseTo(6 / Math.sqrt(60), 15);
    expect(pearsonIc(x, [...x].reverse())).toBe(-1);
  });

  it('Spearman: ties share their average rank, then Pearson on ranks = 7 / √90', () => {
    expect([...averageRanks(y)]).toEqual([1, 2.5, 4.5, 2.5, 4.5]);
    expect(spearmanIc(x, y)).toBeCloseTo(7 / Math.sqrt(90), 15);
    // Any increasing transform leaves the rank IC alone.
    expect(spearmanIc(x.map((v) => Math.exp(v)), y)).toBeCloseTo(spearmanIc(x, y), 15);
  });

  it('is 0 for a constant signal: no ranking, no skill', () => {
    expect(pearsonIc([1, 1, 1], [1, 2, 3])).toBe(0);
    expect(spearmanIc([1, 2, 3], [4, 4, 4])).toBe(0);
  });

  it('stays in [−1, 1] and ignores scale and shift', () => {
    const cents = fc.integer({ min: -100_000, max: 100_000 }).map((v) => v / 100);
    fc.assert(
      fc.property(
        fc.array(fc.tuple(cents, cents), { minLength: 3, maxLength: 40 }),
        fc.double({ min: 0.1, max: 100, noNaN: true }),
        (pairs, scale) => {
          const a = pairs.map((p) => p[0]);
          const b = pairs.map((p) => p[1]);
          const ic = pearsonIc(a, b);
          expect(Math.abs(ic)).toBeLessThanOrEqual(1);
          expect(Math.abs(spearmanIc(a, b))).toBeLessThanOrEqual(1 + 1e-12);
          expect(pearsonIc(a.map((v) => v * scale + 7), b)).toBeCloseTo(ic, 6);
        },
      ),
    );
  });

  it('refuses mismatched, short or non-finite input', () => {
    expect(() => pearsonIc([1, 2], [1, 2, 3])).toThrow(/lengths differ/);
    expect(() => pearsonIc([1], [1])).toThrow(/at least 2 rows/);
    expect(() => spearmanIc([1, NaN, 3], [1, 2, 3])).toThrow(/row 1 is not finite/);
  });
});

describe('hitRate', () => {
  it('counts sign agreement over rows where both prediction and label are non-zero', () => {
    // Rows: hit, hit, no call (prediction 0), miss, no move (label 0) → 2 of 3.
    expect(hitRate([1, -2, 0, 3, -1], [0.5, -1, 2, -4, 0])).toBeCloseTo(2 / 3, 15);
    expect(Number.isNaN(hitRate([0, 0], [1, -1]))).toBe(true);
  });
});

describe('tradeSignal', () => {
  it('sign mapping: PnL = position × return − |Δposition| × fee, from flat', () => {
    const result = tradeSignal([1, 1, -1, 0], [0.01, -0.02, 0.03, 0.05], { fee: 0.001, periodsPerYear: 2190 });
    expect([...result.positions]).toEqual([1, 1, -1, 0]);
    const pnl = [0.01 - 0.001, -0.02, -0.03 - 2 * 0.001, -0.001];
    result.pnl.forEach((v, i) => expect(v).toBeCloseTo(pnl[i]!, 15));
    expect(result.turnover).toBe(4);
    expect(result.meanPnl).toBeCloseTo(-0.011, 15);
    // Deviations 0.02, −0.009, −0.021, 0.01: Σ² = 0.001022, sample variance / 3.
    expect(result.stdPnl).toBeCloseTo(Math.sqrt(0.001022 / 3), 15);
    expect(result.sharpe).toBeCloseTo((-0.011 / Math.sqrt(0.001022 / 3)) * Math.sqrt(2190), 10);
  });

  it('scaled mapping and a multi-bar horizon: trade every h-th row, annualise by periodsPerYear / h', () => {
    const signal = [0.5, 99, -0.2, 99, 0.1];
    const returns = [0.04, 99, -0.02, 99, 0.01];
    const result = tradeSignal(signal, returns, { fee: 0.001, periodsPerYear: 2190, horizon: 2, positionScale: 0.25 });
    expect([...result.positions]).toEqual([1, -0.8, 0.4]);
    const pnl = [0.04 - 0.001, 0.016 - 0.0018, 0.004 - 0.0012];
    result.pnl.forEach((v, i) => expect(v).toBeCloseTo(pnl[i]!, 15));
    expect(result.periodsPerYear).toBe(1095);
    const mean = (pnl[0]! + pnl[1]! + pnl[2]!) / 3;
    const sd = Math.sqrt(pnl.reduce((s, v) => s + (v - mean) ** 2, 0) / 2);
    expect(result.sharpe).toBeCloseTo((mean / sd) * Math.sqrt(1095), 10);
  });

  it('maps a signal to a position the documented way', () => {
    expect(signalToPosition(-0.3)).toBe(-1);
    expect(signalToPosition(0)).toBe(0);
    expect(signalToPosition(0.01, 0.02)).toBe(0.5);
    expect(signalToPosition(-5, 0.02)).toBe(-1);
  });

  it('Sharpe is 0 when PnL never varies and NaN below two periods', () => {
    expect(tradeSignal([0, 0, 0], [0.1, 0.2, 0.3], { fee: 0.001, periodsPerYear: 365 }).sharpe).toBe(0);
    expect(Number.isNaN(tradeSignal([1], [0.1], { fee: 0, periodsPerYear: 365 }).sharpe)).toBe(true);
  });

  it('refuses bad options', () => {
    expect(() => tradeSignal([1, 1], [0, 0], { fee: -0.001, periodsPerYear: 365 })).toThrow(/fee/);
    expect(() => tradeSignal([1, 1], [0, 0], { fee: 0, periodsPerYear: 0 })).toThrow(/periodsPerYear/);
    expect(() => tradeSignal([1, 1], [0, 0], { fee: 0, periodsPerYear: 365, horizon: 1.5 })).toThrow(/horizon/);
    expect(() => tradeSignal([1, 1], [0, 0], { fee: 0, periodsPerYear: 365, positionScale: 0 })).toThrow(/positionScale/);
  });
});

describe('evaluateWindow', () => {
  it('computes IC, rank IC and hit rate on the label, and trades on the label by default', () => {
    const w = evaluateWindow(x, y, { fee: 0, periodsPerYear: 365 });
    expect(w.ic).toBeCloseTo(6 / Math.sqrt(60), 15);
    expect(w.rankIc).toBeCloseTo(7 / Math.sqrt(90), 15);
    expect(w.hitRate).toBe(1);
    expect(w.rows).toBe(5);
    expect([...w.trading.pnl]).toEqual(y);
    const other = evaluateWindow(x, y, { fee: 0, periodsPerYear: 365 }, [1, 1, 1, 1, -1]);
    expect([...other.trading.pnl]).toEqual([1, 1, 1, 1, -1]);
  });
});

describe('aggregateWalkForward', () => {
  function window(ic: number, pnl: number[], periodsPerYear = 2190): WindowMetrics {
    const trading: TradingResult = {
      sharpe: ic * 10,
      pnl: Float64Array.from(pnl),
      positions: new Float64Array(pnl.length),
      meanPnl: 0,
      stdPnl: 0,
      turnover: 0,
      periodsPerYear,
    };
    return { ic, rankIc: ic / 2, hitRate: 0.5 + ic, rows: pnl.length, trading };
  }

  it('mean IC, sample std, ICIR = mean / std, t = mean / (std / √n), share of positive windows', () => {
    const m = aggregateWalkForward([window(0.1, [0.01, 0.02]), window(-0.05, [-0.01]), window(0.04, [0.03]), window(0.07, [0])]);
    // Deviations from 0.04: 0.06, −0.09, 0, 0.03 → Σ² = 0.0126, variance 0.0042.
    const std = Math.sqrt(0.0042);
    expect(m.windows).toBe(4);
    expect(m.meanIc).toBeCloseTo(0.04, 15);
    expect(m.stdIc).toBeCloseTo(std, 15);
    expect(m.icir).toBeCloseTo(0.04 / std, 12);
    expect(m.tStat).toBeCloseTo(0.04 / (std / 2), 12);
    expect(m.positiveShare).toBe(0.75);
    expect(m.meanRankIc).toBeCloseTo(0.02, 15);
    expect(m.rankIcir).toBeCloseTo(0.02 / (std / 2), 12);
    expect(m.meanHitRate).toBeCloseTo(0.54, 15);
    expect(m.meanWindowSharpe).toBeCloseTo(0.4, 15);
    // Pooled PnL 0.01, 0.02, −0.01, 0.03, 0: mean 0.01, deviations 0, 0.01, −0.02, 0.02, −0.01.
    expect(m.sharpe).toBeCloseTo((0.01 / Math.sqrt(0.001 / 4)) * Math.sqrt(2190), 10);
    expect([...m.ics]).toEqual([0.1, -0.05, 0.04, 0.07]);
  });

  it('one window: no spread, so ICIR and t-stat are NaN', () => {
    const m = aggregateWalkForward([window(0.05, [0.01, 0.02])]);
    expect(m.meanIc).toBe(0.05);
    expect(Number.isNaN(m.stdIc) && Number.isNaN(m.icir) && Number.isNaN(m.tStat)).toBe(true);
  });

  it('refuses no windows, and PnL traded on different clocks', () => {
    expect(() => aggregateWalkForward([])).toThrow(/no windows/);
    expect(() => aggregateWalkForward([window(0.1, [0, 1]), window(0.1, [0, 1], 365)])).toThrow(/cannot be pooled/);
  });
});
