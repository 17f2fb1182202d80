import { SeededRandom, spearmanIc } from '@lib/ml';
import { barLogReturns, fitSizerRegimeModel, forwardReturn, regimeSeries, rollingIc, scaleSignal, syntheticSeries } from './market-inputs.js';
import { loadRealBars } from './testing/real-bars.js';

const bars = loadRealBars();
const n = 3000;
const close = bars.close.subarray(0, n);
const model = fitSizerRegimeModel(close, 0, 2000, { seed: 3, restarts: 1, maxIter: 40 });

describe('regime inputs on real BTC bars', () => {
  it('fits the four canonical regimes; Crisis has the highest volatility', () => {
    expect(model.labels).toEqual(['Bear', 'Neutral', 'Bull', 'Crisis']);
    const vol = model.hmm.params.means.map((m) => m[1]!);
    expect(vol[3]).toBe(Math.max(...vol));
  });

  it('volatility and probabilities at bar t are unchanged when later bars change (causal)', () => {
    const t = 2500;
    const a = regimeSeries(close, model);
    const altered = close.map((c, i) => (i > t ? c * (1 + 0.2 * Math.sin(i)) : c));
    const b = regimeSeries(altered, model);
    expect(Array.from(b.volatility.subarray(0, t + 1))).toEqual(Array.from(a.volatility.subarray(0, t + 1)));
    expect(Array.from(b.probabilities.subarray(0, 4 * (t + 1)))).toEqual(Array.from(a.probabilities.subarray(0, 4 * (t + 1))));
    expect(b.probabilities[4 * (t + 2)]).not.toBe(a.probabilities[4 * (t + 2)]);
    // rows are distributions; σ is the GARCH forecast (a per-bar figure around 1 %)
    for (let i = 0; i < n; i += 97) {
      const row = a.probabilities.subarray(4 * i, 4 * i + 4);
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 9);
      expect(a.volatility[i]).toBeGreaterThan(0.002);
      expect(a.volatility[i]).toBeLessThan(0.08);
    }
  });
});

describe('signal scaling and rolling IC', () => {
  it('scaleSignal keeps the sign, has unit RMS over its window and is causal', () => {
    const rng = new SeededRandom(2);
    const p = Float64Array.from({ length: 2000 }, (_, i) => (i < 100 ? Number.NaN : 0.002 * (rng.next() - 0.4)));
    const z = scaleSignal(p, 500, 50);
    expect(z[120]).toBe(0); // fewer than 50 forecasts so far
    for (let i = 200; i < 2000; i += 50) expect(Math.sign(z[i]!)).toBe(Math.sign(p[i]!));
    const tail = z.subarray(1500);
    expect(Math.sqrt(tail.reduce((s, v) => s + v * v, 0) / tail.length)).toBeGreaterThan(0.8);
    const changed = Float64Array.from(p);
    changed[1500] = 1;
    expect(Array.from(scaleSignal(changed, 500, 50).subarray(0, 1500))).toEqual(Array.from(z.subarray(0, 1500)));
  });

  it('rollingIc at t uses only outcomes known by t: a perfect forecast scores 1, a shuffled one ~0', () => {
    const h = 6;
    const fwd = forwardReturn(close, h);
    const perfect = rollingIc(fwd, close, h, { window: 300, from: 1000, to: 1100 });
    expect(perfect[1000]).toBeCloseTo(1, 12);
    expect(Number.isNaN(perfect[999]!)).toBe(true); // outside [from, to)
    // altering closes after t leaves ic[t] unchanged
    const t = 1050;
    const alteredClose = close.map((c, i) => (i > t ? c * 2 : c));
    const again = rollingIc(fwd, alteredClose, h, { window: 300, from: t, to: t + 1 });
    expect(again[t]).toBe(perfect[t]);
    const rng = new SeededRandom(4);
    const noise = Float64Array.from(fwd, () => rng.next());
    const ic = rollingIc(noise, close, h, { window: 500, from: 2000, to: 2001 });
    expect(Math.abs(ic[2000]!)).toBeLessThan(0.15);
  });
});

describe('synthetic paths from the fitted HMM', () => {
  it('controls the signal IC and reproduces the fitted volatility scale', () => {
    const strong = syntheticSeries(model, new SeededRandom(1), { length: 4000, ic: 0.4, horizon: 6, fundingRate: 0.0001 });
    const none = syntheticSeries(model, new SeededRandom(1), { length: 4000, ic: 0, horizon: 6, fundingRate: 0.0001 });
    const ic = (s: typeof strong): number => {
      const fwd = forwardReturn(s.close, 6).subarray(0, 3990);
      return spearmanIc(s.signal.subarray(0, 3990), fwd);
    };
    expect(ic(strong)).toBeGreaterThan(0.3);
    expect(ic(strong)).toBeLessThan(0.5);
    expect(Math.abs(ic(none))).toBeLessThan(0.06);
    const realSd = Math.sqrt(barLogReturns(close).reduce((s, r) => s + r * r, 0) / n);
    const r = barLogReturns(strong.close);
    const synthSd = Math.sqrt(r.reduce((s, v) => s + v * v, 0) / r.length);
    expect(synthSd / realSd).toBeGreaterThan(0.6);
    expect(synthSd / realSd).toBeLessThan(1.6);
    // funding every second 4h bar (00/08/16 UTC)
    expect(strong.funding.filter((f) => f !== 0).length).toBe(2000);
  });

  it('is deterministic for a seed', () => {
    const a = syntheticSeries(model, new SeededRandom(9), { length: 500, ic: 0.1, horizon: 6, fundingRate: 0 });
    const b = syntheticSeries(model, new SeededRandom(9), { length: 500, ic: 0.1, horizon: 6, fundingRate: 0 });
    expect(Array.from(a.close)).toEqual(Array.from(b.close));
    expect(Array.from(a.signal)).toEqual(Array.from(b.signal));
  });
});
