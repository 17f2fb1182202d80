import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortfolioRiskModel } from './portfolio-risk-model.js';
import { historicalVar, normalQuantile, postTradeVarCheck } from './var.js';

const DATA_DIR = process.env.TM_DATA_DIR ?? fileURLToPath(new URL('../../../../../shared/data', import.meta.url));
const BAR_MS = 4 * 3600_000;
const SYMS = ['BTC', 'ETH', 'SOL'];

/** Real Binance 4h closes: [tsClose, close] per bar (tsClose = open time + 4h). */
function load(sym: string): [number, number][] {
  const lines = readFileSync(join(DATA_DIR, `binance_${sym}USDT_4h.csv`), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const c = l.split(',');
    return [Number(c[0]) + BAR_MS, Number(c[4])];
  });
}

const data = SYMS.map(load);
const at = (iso: string) => data[0]!.findIndex(([ts]) => ts === Date.parse(iso));

/** Feeds bars [from, to) of every instrument, BTC then ETH then SOL per bar. */
function feed(model: PortfolioRiskModel, from: number, to: number, onRow?: (k: number) => void): void {
  for (let k = from; k < to; k++) {
    SYMS.forEach((s, i) => model.update(s, data[i]![k]![0], data[i]![k]![1]));
    onRow?.(k);
  }
}

describe('PortfolioRiskModel on real BTC/ETH/SOL 4h data', () => {
  // FTX collapse (the 180-day window also holds LUNA and June 2022) vs the calm of summer–autumn 2023
  const crash = at('2022-11-12T00:00:00Z');
  const calm = at('2023-10-15T00:00:00Z');
  const btc100k = [100_000, 0, 0];
  let atCrash: { hist: number; param: number; sigma: number };
  let atCalm: { hist: number; param: number; sigma: number };
  let model: PortfolioRiskModel;

  beforeAll(() => {
    model = new PortfolioRiskModel(SYMS);
    const grab = () => ({ hist: model.historicalVar(btc100k), param: model.parametricVar(btc100k), sigma: model.sigmas()[0]! });
    feed(model, 0, calm + 1, (k) => {
      if (k === crash) atCrash = grab();
      if (k === calm) atCalm = grab();
    });
  }, 60_000);

  it('is not ready before minBars returns, then ready', () => {
    const m = new PortfolioRiskModel(SYMS);
    feed(m, 0, 180);
    expect(m.ready).toBe(false); // 179 returns
    expect(() => m.varOf(btc100k)).toThrow(/not ready \(179 of 180/);
    expect(() => m.covariance()).toThrow(/not ready/);
    feed(m, 180, 181);
    expect(m.ready).toBe(true);
    expect(m.snapshot()).toMatchObject({ rows: 181, windowReturns: 180, garchFits: 1, skippedRows: 0 });
    expect(m.varOf(btc100k)).toBeGreaterThan(0);
  });

  it('1-day 99% VaR of 100k BTC is far higher just after the FTX crash than in the calm of 2023', () => {
    // calm ≈ 4–5% of notional, crash ≈ 11–12%
    expect(atCalm.hist).toBeGreaterThan(2_000);
    expect(atCalm.hist).toBeLessThan(8_000);
    expect(atCrash.hist).toBeGreaterThan(1.5 * atCalm.hist);
    expect(atCrash.param).toBeGreaterThan(2 * atCalm.param);
    expect(atCrash.sigma).toBeGreaterThan(2 * atCalm.sigma);
  });

  it('parametric VaR is z·σ_garch·√6 for one instrument; varOf is the larger estimate', () => {
    const sigma = model.sigmas()[0]!;
    expect(model.parametricVar(btc100k)).toBeCloseTo(normalQuantile(0.99) * sigma * Math.sqrt(6) * 100_000, 6);
    expect(model.varOf(btc100k)).toBe(Math.max(model.historicalVar(btc100k), model.parametricVar(btc100k)));
    // historical VaR matches var.ts on the same window of returns (overlapping 6-bar sums)
    expect(model.historicalVar([50_000, -20_000, 10_000])).toBeCloseTo(historicalVar([50_000, -20_000, 10_000], model.windowReturns()), 9);
    expect(model.windowReturns()).toHaveLength(1080);
  });

  it('covariance = diag(σ_garch)·C_sample·diag(σ_garch), symmetric, positive diagonal', () => {
    const cov = model.covariance();
    const corr = model.correlation();
    const s = model.sigmas();
    for (let i = 0; i < 3; i++) {
      expect(cov[i]![i]!).toBeCloseTo(s[i]! ** 2, 15);
      expect(corr[i]![i]!).toBe(1);
      for (let j = 0; j < 3; j++) {
        expect(cov[i]![j]!).toBeCloseTo(s[i]! * s[j]! * corr[i]![j]!, 15);
        expect(cov[i]![j]!).toBe(cov[j]![i]!);
      }
    }
    // crypto majors move together
    expect(corr[0]![1]!).toBeGreaterThan(0.6);
    // a hedged book has less VaR than the long leg alone
    expect(model.varOf([100_000, -100_000, 0])).toBeLessThan(model.varOf([100_000, 0, 0]));
  });

  it('post-trade VaR check denies an order that takes VaR over the limit and allows a reducing one', () => {
    const check = model.varModel();
    const limit = 1.5 * model.varOf(btc100k);
    expect(postTradeVarCheck([100_000, 0, 0], [0, 10_000, 0], limit, check).ok).toBe(true);
    const denied = postTradeVarCheck([100_000, 0, 0], [100_000, 0, 0], limit, check);
    expect(denied.ok).toBe(false);
    if (!denied.ok) {
      expect(denied.reason).toBe('RISK.VAR_LIMIT');
      expect(denied.detail.postVar).toBeGreaterThan(limit);
    }
    // already over a tight limit: reducing is allowed, adding is not
    expect(postTradeVarCheck([100_000, 0, 0], [-50_000, 0, 0], 1_000, check).ok).toBe(true);
    expect(postTradeVarCheck([100_000, 0, 0], [0, 0, 50_000], 1_000, check).ok).toBe(false);
  });

  it('is deterministic', () => {
    const again = new PortfolioRiskModel(SYMS);
    feed(again, 0, calm + 1);
    expect(again.covariance()).toEqual(model.covariance());
    expect(again.varOf([1, 2, 3])).toBe(model.varOf([1, 2, 3]));
    expect(again.snapshot()).toEqual(model.snapshot());
  }, 60_000);
});

describe('PortfolioRiskModel alignment and input handling', () => {
  const opts = { minBars: 30, windowBars: 60, garchRefitBars: 20 };

  it('a row missing an instrument is skipped; the next return spans the gap', () => {
    const m = new PortfolioRiskModel(['A', 'B'], opts);
    expect(m.update('A', 1, 100)).toBe('PENDING');
    expect(m.update('B', 1, 10)).toBe('COMPLETED');
    expect(m.update('A', 2, 110)).toBe('PENDING'); // B never sends bar 2
    expect(m.update('B', 3, 12)).toBe('PENDING');
    expect(m.update('A', 3, 121)).toBe('COMPLETED');
    expect(m.skippedRows).toBe(1);
    expect(m.windowReturns()).toEqual([[Math.log(121 / 100), Math.log(12 / 10)]]);
    // B's bar 2 arriving after its bar 3 (the row was skipped) is rejected
    expect(() => m.update('B', 2, 11)).toThrow(/tsClose 2 for B does not increase \(last 3\)/);
    // arrival order within a bar does not matter
    const swapped = new PortfolioRiskModel(['A', 'B'], opts);
    swapped.update('B', 1, 10);
    swapped.update('A', 1, 100);
    swapped.update('B', 3, 12);
    swapped.update('A', 3, 121);
    expect(swapped.windowReturns()).toEqual(m.windowReturns());
  });

  it('rejects bad input with a clear error and keeps its state', () => {
    const m = new PortfolioRiskModel(['A', 'B'], opts);
    m.update('A', 1, 100);
    m.update('B', 1, 10);
    const before = m.snapshot();
    expect(() => m.update('C', 2, 1)).toThrow(/unknown instrument C/);
    expect(() => m.update('A', 2, Number.NaN)).toThrow(/close of A must be a finite number > 0/);
    expect(() => m.update('A', 2, 0)).toThrow(/close/);
    expect(() => m.update('A', 1, 100)).toThrow(/does not increase/);
    expect(() => m.update('A', Number.NaN, 100)).toThrow(/tsClose must be finite/);
    expect(m.snapshot()).toEqual(before);
    expect(m.update('A', 2, 101)).toBe('PENDING');
  });

  it('keeps a bounded window and refits GARCH on schedule; constant prices fall back to a variance floor', () => {
    const m = new PortfolioRiskModel(['A', 'B'], opts);
    let p = 100;
    for (let t = 1; t <= 101; t++) {
      p *= Math.exp(0.01 * Math.sin(t * 1.7));
      m.update('A', t, p);
      m.update('B', t, 50); // constant: zero variance
    }
    // 100 returns: fits at 30, 50, 70, 90
    expect(m.snapshot()).toMatchObject({ windowReturns: 60, garchFits: 4, ready: true });
    expect(m.sigmas()[1]!).toBeCloseTo(1e-6, 12);
    expect(Number.isFinite(m.varOf([1000, 1000]))).toBe(true);
    expect(() => m.varOf([1])).toThrow(/2 entries/);
    expect(() => m.varOf([1, Number.NaN])).toThrow(/finite/);
    expect(m.positionsVector({ B: 5 })).toEqual([0, 5]);
  });

  it('rejects a bad configuration', () => {
    expect(() => new PortfolioRiskModel([])).toThrow(RangeError);
    expect(() => new PortfolioRiskModel(['A', 'A'])).toThrow(RangeError);
    expect(() => new PortfolioRiskModel(['A'], { minBars: 5 })).toThrow(RangeError);
    expect(() => new PortfolioRiskModel(['A'], { windowBars: 100, minBars: 180 })).toThrow(RangeError);
    expect(() => new PortfolioRiskModel(['A'], { confidence: 1 })).toThrow(RangeError);
    expect(() => new PortfolioRiskModel(['A'], { garchRefitBars: 0 })).toThrow(RangeError);
  });
});
