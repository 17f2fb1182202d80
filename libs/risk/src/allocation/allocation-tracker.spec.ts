import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PortfolioRiskModel } from '../var/portfolio-risk-model.js';
import { AllocationTracker, type CovarianceSource } from './allocation-tracker.js';
import { allocate, DEFAULT_REGIME_EXPOSURE } from './hraa.js';

/** A hand-driven covariance source: σ = 1%, 2%, 3% per bar, mild correlation. */
class StubSource implements CovarianceSource {
  readonly instruments = ['A', 'B', 'C'];
  ready = false;
  sigmas = [0.01, 0.02, 0.03];
  calls = 0;
  covariance(): number[][] {
    this.calls++;
    const rho = [[1, 0.2, 0.1], [0.2, 1, 0.3], [0.1, 0.3, 1]];
    return this.sigmas.map((si, i) => this.sigmas.map((sj, j) => si * sj * rho[i]![j]!));
  }
}

describe('AllocationTracker', () => {
  it('before the covariance is ready every limit is maxWeight', () => {
    const src = new StubSource();
    const t = new AllocationTracker(src.instruments, src, { maxWeight: 0.4 });
    expect(t.current).toMatchObject({ ready: false, limits: { A: 0.4, B: 0.4, C: 0.4 }, gross: 0, net: 0 });
    const u = t.update('Bull');
    expect(u).toMatchObject({ ready: false, changed: false, recomputed: false, regime: 'Bull', limits: { A: 0.4, B: 0.4, C: 0.4 }, weights: { A: 0, B: 0, C: 0 } });
    expect(src.calls).toBe(0);
  });

  it('once ready: HRP limits scaled by the regime exposure, recomputed every recomputeEveryBars bars', () => {
    const src = new StubSource();
    const t = new AllocationTracker(src.instruments, src, { budget: 1.2, recomputeEveryBars: 6 });
    t.update('Neutral');
    src.ready = true;
    const first = t.update('Neutral');
    const expected = allocate({ instruments: src.instruments, covariance: src.covariance(), budget: 1.2, regimeMultiplier: 0.75, maxWeight: 1 });
    expect(first).toMatchObject({ ready: true, changed: true, recomputed: true, regime: 'Neutral', regimeMultiplier: 0.75, limits: expected.limits, weights: expected.weights });
    expect(first.gross).toBeCloseTo(1.2 * 0.75, 12);
    expect(first.limits['A']!).toBeGreaterThan(first.limits['C']!); // lower variance gets more

    src.sigmas = [0.03, 0.02, 0.01]; // the risk picture flips, but the allocation waits for its schedule
    const recomputedOn: number[] = [];
    for (let bar = 1; bar <= 12; bar++) {
      const u = t.update('Neutral');
      if (u.recomputed) recomputedOn.push(bar);
      if (bar < 6) expect(u).toMatchObject({ changed: false, limits: first.limits });
      if (bar === 6) {
        expect(u.changed).toBe(true);
        expect(u.limits['C']!).toBeGreaterThan(u.limits['A']!);
      }
    }
    expect(recomputedOn).toEqual([6, 12]);
  });

  it('a regime change recomputes at once: Crisis cuts every limit to a third of Neutral', () => {
    const src = new StubSource();
    src.ready = true;
    const t = new AllocationTracker(src.instruments, src);
    const neutral = t.update('Neutral');
    const crisis = t.update('Crisis');
    expect(crisis).toMatchObject({ recomputed: true, changed: true, regime: 'Crisis', regimeMultiplier: DEFAULT_REGIME_EXPOSURE.Crisis });
    for (const id of src.instruments) expect(crisis.limits[id]!).toBeCloseTo((neutral.limits[id]! * 0.25) / 0.75, 12);
    // before the regime model is fitted: Neutral exposure, recorded as Unknown
    const unknown = t.update(null);
    expect(unknown).toMatchObject({ regime: 'Unknown', regimeMultiplier: 0.75, recomputed: true });
    for (const id of src.instruments) expect(unknown.limits[id]!).toBeCloseTo(neutral.limits[id]!, 12);
  });

  it('respects maxWeight, maxGross and maxNet; a change of directions recomputes', () => {
    const src = new StubSource();
    src.ready = true;
    const t = new AllocationTracker(src.instruments, src, { budget: 3, maxWeight: 0.8, maxGross: 1.5, maxNet: 0.5, regimeExposure: { ...DEFAULT_REGIME_EXPOSURE, Bull: 1 } });
    const longOnly = t.update('Bull');
    for (const id of src.instruments) expect(longOnly.limits[id]!).toBeLessThanOrEqual(0.8 + 1e-12);
    expect(longOnly.gross).toBeLessThanOrEqual(1.5 + 1e-12);
    expect(Math.abs(longOnly.net)).toBeLessThanOrEqual(0.5 + 1e-12);
    const hedged = t.update('Bull', { B: -1 });
    expect(hedged.recomputed).toBe(true);
    expect(hedged.weights['B']!).toBeLessThan(0);
    expect(hedged.gross).toBeGreaterThan(longOnly.gross); // the net cap binds less with a short leg
    expect(t.update('Bull', { B: -1 }).recomputed).toBe(false);
  });

  it('uses a subset of the source instruments in its own order', () => {
    const src = new StubSource();
    src.ready = true;
    const t = new AllocationTracker(['C', 'A'], src);
    const u = t.update('Bull');
    const expected = allocate({ instruments: ['C', 'A'], covariance: [[0.0009, 0.00003], [0.00003, 0.0001]], maxWeight: 1 });
    expect(Object.keys(u.limits)).toEqual(['C', 'A']);
    expect(u.limits['C']!).toBeCloseTo(expected.limits['C']!, 12);
    expect(u.limits['A']!).toBeCloseTo(expected.limits['A']!, 12);
  });

  it('rejects a bad configuration', () => {
    const src = new StubSource();
    expect(() => new AllocationTracker(['A', 'X'], src)).toThrow(/X is not covered/);
    expect(() => new AllocationTracker([], src)).toThrow(RangeError);
    expect(() => new AllocationTracker(['A'], src, { recomputeEveryBars: 0 })).toThrow(RangeError);
    expect(() => new AllocationTracker(['A'], src, { maxWeight: Number.NaN })).toThrow(RangeError);
    expect(() => new AllocationTracker(['A'], src, { regimeExposure: { ...DEFAULT_REGIME_EXPOSURE, Bear: -1 } })).toThrow(RangeError);
  });

  it('returned records are copies: mutating one does not touch the tracker', () => {
    const src = new StubSource();
    src.ready = true;
    const t = new AllocationTracker(src.instruments, src);
    const u = t.update('Bull');
    u.limits['A'] = 99;
    expect(t.current.limits['A']).not.toBe(99);
  });
});

describe('AllocationTracker with PortfolioRiskModel on real BTC/ETH/SOL 4h data', () => {
  it('BTC, the least volatile, gets the largest limit; limits track the risk model bar by bar', () => {
    const dir = process.env.TM_DATA_DIR ?? fileURLToPath(new URL('../../../../../shared/data', import.meta.url));
    const syms = ['BTC', 'ETH', 'SOL'];
    const bars = syms.map((s) =>
      readFileSync(join(dir, `binance_${s}USDT_4h.csv`), 'utf8').trim().split('\n').slice(1, 1201).map((l) => {
        const c = l.split(',');
        return [Number(c[0]) + 4 * 3600_000, Number(c[4])] as const;
      }),
    );
    const risk = new PortfolioRiskModel(syms);
    const alloc = new AllocationTracker(syms, risk, { maxWeight: 0.6, budget: 1 });
    let firstReady = -1;
    let recomputes = 0;
    let last = alloc.current;
    for (let k = 0; k < bars[0]!.length; k++) {
      syms.forEach((s, i) => risk.update(s, bars[i]![k]![0], bars[i]![k]![1]));
      const u = alloc.update(k < 601 ? 'Neutral' : 'Bear');
      if (u.ready && firstReady < 0) firstReady = k;
      if (u.recomputed) recomputes++;
      last = u;
    }
    expect(firstReady).toBe(180); // 180 returns
    // every 6 bars from bar 180 (180..600: 71), the switch to Bear at bar 601, then every 6 bars again (607..1195: 99)
    expect(recomputes).toBe(71 + 1 + 99);
    expect(last.regime).toBe('Bear');
    expect(last.limits['BTC']!).toBeGreaterThan(last.limits['ETH']!);
    expect(last.limits['BTC']!).toBeGreaterThan(last.limits['SOL']!);
    expect(last.gross).toBeCloseTo(0.5, 12); // budget 1 × Bear 0.5, no cap binding
  });
});
