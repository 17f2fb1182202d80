import {
  covarianceFromSigmas,
  empiricalQuantile,
  historicalVar,
  historicalVarFromScenarios,
  normalQuantile,
  overlappingSums,
  parametricVar,
  postTradeVarCheck,
  sampleCovariance,
} from './var.js';

describe('VaR', () => {
  it('empirical quantile interpolates linearly between order statistics', () => {
    // sorted 1..5, p = 0.9 → h = 3.6 → 4 + 0.6·(5−4) = 4.6
    expect(empiricalQuantile([5, 1, 4, 2, 3], 0.9)).toBeCloseTo(4.6, 12);
    expect(empiricalQuantile([5, 1, 4, 2, 3], 1)).toBe(5);
    expect(empiricalQuantile([5, 1, 4, 2, 3], 0)).toBe(1);
  });

  it('historical VaR on a hand-computed set', () => {
    // two assets, positions 1000 long A, 500 short B; 11 scenarios
    const positions = [1000, -500];
    const scen = [
      [0.01, 0.0], [-0.02, 0.0], [0.0, 0.02], [0.03, 0.01], [-0.05, 0.02],
      [0.0, 0.0], [0.01, -0.01], [-0.01, 0.0], [0.02, 0.04], [0.0, -0.02], [-0.03, -0.02],
    ];
    // pnl: 10, -20, -10, 25, -60, 0, 15, -10, 0, 10, -20 → losses sorted:
    // -25,-15,-10,-10,0,0,10,10,20,20,60 ; p=0.99 → h = 9.9 → 20 + 0.9·(60−20) = 56
    expect(historicalVarFromScenarios(positions, scen, 0.99)).toBeCloseTo(56, 9);
    // p = 0.95 → h = 9.5 → 20 + 0.5·40 = 40
    expect(historicalVarFromScenarios(positions, scen, 0.95)).toBeCloseTo(40, 9);
    // horizonBars 1 = no aggregation
    expect(historicalVar(positions, scen, { horizonBars: 1 })).toBeCloseTo(56, 9);
  });

  it('historical 1-day VaR uses overlapping 6-bar sums', () => {
    const bars = Array.from({ length: 8 }, (_, t) => [t * 0.001]);
    const sums = overlappingSums(bars, 6);
    expect(sums).toHaveLength(3);
    expect(sums[0][0]).toBeCloseTo(0.015, 12);
    expect(sums[2][0]).toBeCloseTo(0.027, 12);
    // short 1000: losses 15, 21, 27 → p=0.5 → 21
    expect(historicalVar([-1000], bars, { confidence: 0.5 })).toBeCloseTo(21, 9);
  });

  it('parametric VaR equals z·σ for one asset (with √6 day scaling)', () => {
    const z = normalQuantile(0.99);
    expect(z).toBeCloseTo(2.326347874, 8);
    const sigma = 0.02;
    expect(parametricVar([10_000], [[sigma * sigma]], { horizonBars: 1 })).toBeCloseTo(z * 0.02 * 10_000, 9);
    expect(parametricVar([10_000], [[sigma * sigma]])).toBeCloseTo(z * 0.02 * 10_000 * Math.sqrt(6), 9);
    expect(parametricVar([-10_000], [[sigma * sigma]], { horizonBars: 1 })).toBeCloseTo(z * 200, 9);
  });

  it('parametric VaR matches the two-asset covariance formula (sigmas + correlation)', () => {
    const [s1, s2, rho, w1, w2] = [0.02, 0.03, 0.6, 1000, -400];
    const cov = covarianceFromSigmas([s1, s2], [[1, rho], [rho, 1]]);
    const sp = Math.sqrt(w1 * w1 * s1 * s1 + w2 * w2 * s2 * s2 + 2 * w1 * w2 * rho * s1 * s2);
    expect(parametricVar([w1, w2], cov, { horizonBars: 1 })).toBeCloseTo(normalQuantile(0.99) * sp, 9);
  });

  it('sample covariance', () => {
    const c = sampleCovariance([[1, 2], [3, 6], [5, 10]]);
    expect(c[0][0]).toBeCloseTo(4, 12);
    expect(c[0][1]).toBeCloseTo(8, 12);
    expect(c[1][1]).toBeCloseTo(16, 12);
  });

  it('post-trade check denies with RISK.VAR_LIMIT and allows within limit or risk-reducing', () => {
    const cov = covarianceFromSigmas([0.02]);
    const model = (p: readonly number[]) => parametricVar(p, cov, { horizonBars: 1 });
    // VaR per 1000 notional ≈ 46.53
    expect(postTradeVarCheck([1000], [500], 100, model).ok).toBe(true);
    const denied = postTradeVarCheck([1000], [2000], 100, model);
    expect(denied.ok).toBe(false);
    if (denied.ok) throw new Error('unreachable');
    expect(denied.reason).toBe('RISK.VAR_LIMIT');
    expect(denied.detail.limit).toBe(100);
    expect(denied.detail.postVar).toBeCloseTo(3 * 46.5269575, 4);
    // already over the limit: reducing is allowed, adding is not
    expect(postTradeVarCheck([5000], [-1000], 100, model).ok).toBe(true);
    expect(postTradeVarCheck([5000], [-1000], 100, model, { allowRiskReducing: false }).ok).toBe(false);
    expect(postTradeVarCheck([5000], [100], 100, model).ok).toBe(false);
  });
});

describe('empiricalQuantile by selection', () => {
  it('equals the sorted type-7 quantile exactly, ties and duplicates included', () => {
    let seed = 11;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (const n of [1, 2, 3, 10, 101, 1075]) {
      const values = Array.from({ length: n }, (_, i) => (i % 7 === 0 ? 0.5 : Math.round(rnd() * 1000) / 100 - 5));
      const sorted = [...values].sort((a, b) => a - b);
      for (const p of [0, 0.01, 0.5, 0.95, 0.99, 1]) {
        const h = (n - 1) * p;
        const lo = Math.floor(h);
        const hi = Math.min(lo + 1, n - 1);
        expect(empiricalQuantile(values, p)).toBe(sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!));
      }
    }
  });
});
