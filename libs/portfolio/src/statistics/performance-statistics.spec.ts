import { Money } from '@lib/model';
import {
  YEAR_MS,
  cagr,
  computeStatistics,
  exposure,
  maxDrawdown,
  periodsPerYear,
  profitFactor,
  sharpeRatio,
  simpleReturns,
  sortinoRatio,
  winRate,
} from './performance-statistics.js';

const DAY = 86_400_000;
const daily = (equities: number[], t0 = Date.UTC(2024, 0, 1)) => equities.map((equity, i) => ({ ts: t0 + i * DAY, equity }));

describe('performance statistics', () => {
  it('derives periods per year from the bar interval over 365 days', () => {
    expect(periodsPerYear('4h')).toBe(2190);
    expect(periodsPerYear('1d')).toBe(365);
    expect(periodsPerYear('1h')).toBe(8760);
    expect(periodsPerYear(12 * 3_600_000)).toBe(730);
    expect(() => periodsPerYear(0)).toThrow(RangeError);
  });

  it('constant growth: known CAGR, zero volatility, no drawdown, undefined Sharpe', () => {
    // 0.1% a day for 365 days: CAGR = 1.001^365 − 1.
    const curve = daily(Array.from({ length: 366 }, (_, i) => 1000 * 1.001 ** i));
    const s = computeStatistics({ equityCurve: curve, interval: '1d' });
    expect(s.years).toBe(1);
    expect(s.cagr).toBeCloseTo(1.001 ** 365 - 1, 10);
    expect(s.totalReturn).toBeCloseTo(1.001 ** 365 - 1, 10);
    expect(s.annualVolatility).toBe(0);
    expect(s.sharpe).toBeNull();
    expect(s.sortino).toBeNull();
    expect(s.maxDrawdown).toBe(0);
    expect(s.maxDrawdownPeakTs).toBeNull();
    expect(s.calmar).toBeNull();
    expect(s.notes).toEqual(expect.arrayContaining(['zero volatility: Sharpe is undefined', 'no drawdown: Calmar is undefined']));
  });

  it('CAGR by calendar time: 100 → 121 over two 365-day years is 10%', () => {
    expect(cagr(100, 121, 2 * YEAR_MS)).toBeCloseTo(0.1, 12);
    const s = computeStatistics({ equityCurve: [{ ts: 0, equity: 100 }, { ts: 2 * YEAR_MS, equity: 121 }], interval: '4h' });
    expect(s.cagr).toBeCloseTo(0.1, 12);
    expect(s.totalReturn).toBeCloseTo(0.21, 12);
    expect(cagr(0, 10, YEAR_MS)).toBeNull();
    expect(cagr(100, 110, 0)).toBeNull();
  });

  it('Sharpe and Sortino from simple returns +10%, −10%, +10%', () => {
    const returns = simpleReturns([100, 110, 99, 108.9]) as number[];
    returns.forEach((r, i) => expect(r).toBeCloseTo([0.1, -0.1, 0.1][i]!, 12));
    // mean 1/30; sample sd √(1/75); downside deviation √(0.01 / 3)
    expect(sharpeRatio(returns, 365)).toBeCloseTo((1 / 30) * Math.sqrt(75) * Math.sqrt(365), 9);
    expect(sortinoRatio(returns, 365)).toBeCloseTo((1 / 30 / Math.sqrt(0.01 / 3)) * Math.sqrt(365), 9);
    const s = computeStatistics({ equityCurve: daily([100, 110, 99, 108.9]), interval: '1d' });
    expect(s.annualVolatility).toBeCloseTo(Math.sqrt(1 / 75) * Math.sqrt(365), 9);
  });

  it('max drawdown with peak, trough and recovery dates', () => {
    const curve = daily([100, 120, 90, 110, 125, 100]);
    const dd = maxDrawdown(curve);
    expect(dd.maxDrawdown).toBeCloseTo(0.25, 12);
    expect(dd.peakTs).toBe(curve[1]!.ts);
    expect(dd.troughTs).toBe(curve[2]!.ts);
    expect(dd.recoveryTs).toBe(curve[4]!.ts);
    const s = computeStatistics({ equityCurve: curve, interval: '1d' });
    expect(s.maxDrawdown).toBeCloseTo(0.25, 12);
    expect(new Date(s.maxDrawdownPeakTs!).toISOString().slice(0, 10)).toBe('2024-01-02');
    expect(new Date(s.maxDrawdownTroughTs!).toISOString().slice(0, 10)).toBe('2024-01-03');
    expect(new Date(s.maxDrawdownRecoveryTs!).toISOString().slice(0, 10)).toBe('2024-01-05');
    expect(s.calmar).toBeCloseTo(s.cagr! / 0.25, 12);
  });

  it('an unrecovered drawdown has no recovery date', () => {
    const curve = daily([100, 80, 90]);
    const dd = maxDrawdown(curve);
    expect(dd.maxDrawdown).toBeCloseTo(0.2, 12);
    expect(dd.peakTs).toBe(curve[0]!.ts);
    expect(dd.troughTs).toBe(curve[1]!.ts);
    expect(dd.recoveryTs).toBeNull();
  });

  it('win rate and profit factor over round-trip net PnL', () => {
    expect(winRate([10, -5, 20, -5])).toBe(0.5);
    expect(profitFactor([10, -5, 20, -5])).toBe(3);
    expect(winRate([])).toBeNull();
    expect(profitFactor([5, 5])).toBeNull();
    const s = computeStatistics({ equityCurve: daily([100, 101]), trades: [{ netPnl: Money.parse('5', 'USDT') }, { netPnl: 2 }], interval: '1d' });
    expect(s.trades).toBe(2);
    expect(s.winRate).toBe(1);
    expect(s.profitFactor).toBeNull();
    expect(s.notes).toContain('no losing trade: profit factor is infinite (reported as null)');
  });

  it('turnover is fill notional over average equity; exposure the share of points holding a position', () => {
    const curve = [
      { ts: 0, equity: Money.parse('900', 'USDT'), openPositions: 0 },
      { ts: DAY, equity: Money.parse('1000', 'USDT'), openPositions: 1 },
      { ts: 2 * DAY, equity: Money.parse('1100', 'USDT'), openPositions: 2 },
      { ts: 3 * DAY, equity: Money.parse('1000', 'USDT'), openPositions: 0 },
    ];
    const s = computeStatistics({ equityCurve: curve, interval: '1d', turnover: Money.parse('4000', 'USDT') });
    expect(s.turnover).toBeCloseTo(4, 12);
    expect(s.exposure).toBe(0.5);
    expect(exposure([{ ts: 0, equity: 1, grossExposure: 0 }, { ts: 1, equity: 1, grossExposure: 5 }])).toBe(0.5);
    expect(exposure([{ ts: 0, equity: 1 }])).toBeNull();
    expect(computeStatistics({ equityCurve: curve, interval: '1d' }).turnover).toBeNull();
  });

  it('an empty curve gives nulls, not NaN', () => {
    const s = computeStatistics({ equityCurve: [], interval: '4h' });
    for (const key of ['totalReturn', 'cagr', 'annualVolatility', 'sharpe', 'sortino', 'maxDrawdown', 'calmar', 'winRate', 'profitFactor', 'turnover', 'exposure'] as const) {
      expect(s[key]).toBeNull();
    }
  });
});
