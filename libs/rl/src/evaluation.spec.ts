import { SMALL_CURRICULUM_CONFIG } from './curriculum.js';
import { BARS_PER_YEAR_4H, equityMetrics, POLICY_NAMES, runPolicy, walkForwardComparison, walkForwardSpans, type WalkForwardConfig } from './evaluation.js';
import { costRate, DEFAULT_SIZING_COSTS, fundingPerBar, SizingEnv } from './sizing-env.js';
import { loadRealBars, loadRealFunding } from './testing/real-bars.js';

describe('equityMetrics', () => {
  it('total return, annualised Sharpe, max drawdown and turnover of a hand-made path', () => {
    const equity = [1, 1.1, 0.99, 1.089, 1.2];
    const m = equityMetrics(equity, { turnover: 3, tradingCost: 0.002, fundingCost: 0.001, exposure: 2 }, 4);
    expect(m.totalReturn).toBeCloseTo(0.2, 12);
    expect(m.maxDrawdown).toBeCloseTo(0.1, 12);
    const r = [0.1, -0.1, 0.1, 1.2 / 1.089 - 1];
    const mean = r.reduce((a, b) => a + b, 0) / 4;
    const sd = Math.sqrt(r.reduce((a, b) => a + (b - mean) ** 2, 0) / 3);
    expect(m.sharpe).toBeCloseTo((mean / sd) * 2, 12);
    expect(m.annualTurnover).toBeCloseTo(3, 12);
    expect(m.meanExposure).toBeCloseTo(0.5, 12);
  });
});

describe('walk-forward spans', () => {
  it('K contiguous test blocks ending at the last decision bar, training purged before each', () => {
    const spans = walkForwardSpans(7662, 2262, { windows: 4, purge: 200, minTrainBars: 1000 });
    expect(spans).toHaveLength(4);
    expect(spans[3]!.testTo).toBe(7661);
    for (let k = 0; k < 4; k++) {
      const s = spans[k]!;
      expect(s.trainFrom).toBe(2262);
      expect(s.testFrom - s.trainTo).toBe(200);
      if (k > 0) expect(s.testFrom).toBe(spans[k - 1]!.testTo);
    }
    expect(spans[0]!.trainTo - spans[0]!.trainFrom).toBeGreaterThanOrEqual(1000);
    expect(() => walkForwardSpans(1500, 1000, { windows: 4, purge: 200, minTrainBars: 1000 })).toThrow(RangeError);
  });
});

describe('walk-forward comparison on real BTC bars', () => {
  // A cheap forecast that is out of sample by construction (it only looks back): 6-bar momentum.
  // The trainer CLI uses the walk-forward GBDT instead; this spec checks the mechanics.
  const all = loadRealBars();
  const n = 4200;
  const bars = { ts: all.ts.subarray(0, n), close: all.close.subarray(0, n), high: all.high.subarray(0, n), low: all.low.subarray(0, n) };
  const prediction = Float64Array.from(bars.close, (c, i) => (i >= 300 ? 0.2 * Math.log(c / bars.close[i - 6]!) : Number.NaN));
  const funding = fundingPerBar(bars.ts, loadRealFunding(), 0.0001);
  const config: WalkForwardConfig = {
    windows: 2,
    purge: 50,
    minTrainBars: 1500,
    curriculum: { ...SMALL_CURRICULUM_CONFIG, synthetic: { ...SMALL_CURRICULUM_CONFIG.synthetic, steps: 500 }, calm: { steps: 300 }, full: { steps: 500 } },
    env: {},
    fixedFraction: 0.5,
    signalWindow: 500,
    icWindow: 300,
    barsPerYear: BARS_PER_YEAR_4H,
  };
  const progress: number[] = [];
  const report = walkForwardComparison({ bars, funding, prediction, horizon: 6 }, config, (p) => progress.push(p.window));
  const spans = walkForwardSpans(n, 300, config);

  it('evaluates every policy on every test block, with SAC trained only before the purge', () => {
    expect(report.windows).toHaveLength(2);
    expect(new Set(progress)).toEqual(new Set([0, 1]));
    report.windows.forEach((w, k) => {
      expect(w.trainTo).toBe(spans[k]!.testFrom - 50);
      expect(w.trainTo).toBeLessThanOrEqual(w.testFrom - config.purge);
      expect(Object.keys(w.policies).sort()).toEqual([...POLICY_NAMES].sort());
      for (const name of POLICY_NAMES) {
        const m = w.policies[name];
        expect(m.bars).toBe(w.testTo - w.testFrom);
        expect(Number.isFinite(m.sharpe)).toBe(true);
        expect(m.maxDrawdown).toBeGreaterThanOrEqual(0);
      }
      // every bar of the tiered policy went through a tier
      expect(Object.values(w.tiers).reduce((a, b) => a + b, 0)).toBe(w.testTo - w.testFrom);
      expect(w.tiers.EMERGENCY_FLAT).toBe(0);
    });
    expect(report.equity['sac'].length).toBe(spans[1]!.testTo - spans[0]!.testFrom);
  });

  it('buy-and-hold earns the price move minus one entry cost and funding, identically to runPolicy', () => {
    report.windows.forEach((w) => {
      const bh = w.policies['buy-and-hold'];
      const priceMove = bars.close[w.testTo]! / bars.close[w.testFrom]!;
      let fundingKept = 1;
      for (let t = w.testFrom + 1; t <= w.testTo; t++) fundingKept *= 1 - funding[t]!;
      const expected = priceMove * (1 - costRate(DEFAULT_SIZING_COSTS)) * fundingKept;
      expect((1 + bh.totalReturn) / expected).toBeGreaterThan(0.999); // rebalancing back to 1× after funding
      expect((1 + bh.totalReturn) / expected).toBeLessThan(1.0001);
      expect(bh.turnover).toBeGreaterThanOrEqual(1);
      expect(bh.turnover).toBeLessThan(1.1);
      expect(bh.tradingCost).toBeGreaterThanOrEqual(costRate(DEFAULT_SIZING_COSTS));
    });
    const env = new SizingEnv({ ...bars, funding, signal: new Float64Array(n), volatility: new Float64Array(n), regimeProbabilities: new Float64Array(4 * n) });
    const w = report.windows[0]!;
    expect(runPolicy(env, w.testFrom, w.testTo, () => 1).metrics.totalReturn).toBeCloseTo(w.policies['buy-and-hold'].totalReturn, 12);
  });

  it('aggregates by chaining the blocks', () => {
    const chained = report.windows.reduce((e, w) => e * (1 + w.policies['kelly-regime'].totalReturn), 1);
    expect(1 + report.aggregate['kelly-regime'].totalReturn).toBeCloseTo(chained, 10);
    expect(report.aggregate['kelly-regime'].bars).toBe(report.windows.reduce((s, w) => s + w.testTo - w.testFrom, 0));
  });
});
