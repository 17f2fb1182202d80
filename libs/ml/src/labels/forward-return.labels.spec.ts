import { realBars } from '../features/testing/real-feature-data.js';
import { DEFAULT_LABEL_HORIZON, forwardLogReturns, labelsAtRows, labelTrainingWindow, trailingRealizedVol } from './forward-return.labels.js';

const closes = Array.from({ length: 120 }, (_, i) => 100 * Math.exp(0.01 * Math.sin(i / 3) + 0.002 * i + 0.004 * Math.cos(i * 1.7)));

describe('forwardLogReturns', () => {
  it('labels bar t with ln(close[t + 6] / close[t]) by default (6 four-hour bars = 1 day), NaN for the last 6 bars', () => {
    expect(DEFAULT_LABEL_HORIZON).toBe(6);
    const y = forwardLogReturns(closes);
    expect(y).toHaveLength(closes.length);
    for (let t = 0; t < closes.length - 6; t++) expect(y[t]).toBe(Math.log(closes[t + 6]! / closes[t]!));
    expect(Array.from(y.slice(-6)).every(Number.isNaN)).toBe(true);
    expect(Number.isNaN(y[closes.length - 7]!)).toBe(false);
  });

  it('takes any horizon', () => {
    const y = forwardLogReturns(closes, { horizon: 1 });
    expect(y[10]).toBe(Math.log(closes[11]! / closes[10]!));
    expect(Number.isNaN(y[closes.length - 1]!)).toBe(true);
    expect(Number.isNaN(y[closes.length - 2]!)).toBe(false);
    const y42 = forwardLogReturns(closes, { horizon: 42 });
    expect(Array.from(y42).filter(Number.isFinite)).toHaveLength(closes.length - 42);
  });

  it('vol-scaled: divides by σ_t·√h, σ_t the RMS of the last volWindow one-bar returns ending at t (nothing after t)', () => {
    const w = 10;
    const y = forwardLogReturns(closes, { volScale: true, volWindow: w });
    const raw = forwardLogReturns(closes);
    expect(Array.from(y.slice(0, w)).every(Number.isNaN)).toBe(true);
    for (const t of [w, 50, 100]) {
      let ss = 0;
      for (let k = t - w + 1; k <= t; k++) ss += Math.log(closes[k]! / closes[k - 1]!) ** 2;
      expect(y[t]).toBeCloseTo(raw[t]! / (Math.sqrt(ss / w) * Math.sqrt(6)), 12);
    }
    // Moving any close strictly between t and t + h touches neither the return nor the scale of bar t.
    const moved = closes.map((c, i) => (i > 50 && i < 56 ? c * 1.5 : c));
    expect(forwardLogReturns(moved, { volScale: true, volWindow: w })[50]).toBe(y[50]);
    const vol = trailingRealizedVol(closes, w);
    expect(Number.isNaN(vol[w - 1]!)).toBe(true);
    expect(vol[w]).toBeGreaterThan(0);
  });

  it('refuses a bad horizon, a bad window, and a non-positive close', () => {
    expect(() => forwardLogReturns(closes, { horizon: 0 })).toThrow(RangeError);
    expect(() => forwardLogReturns(closes, { horizon: 1.5 })).toThrow(RangeError);
    expect(() => forwardLogReturns(closes, { volScale: true, volWindow: 1 })).toThrow(RangeError);
    expect(() => forwardLogReturns([1, 2, 0, 3])).toThrow(RangeError);
  });
});

describe('labelTrainingWindow', () => {
  it('labels [trainStart, trainEnd) and leaves the last horizon bars unlabelled, whatever comes after the window', () => {
    const trainStart = 20;
    const trainEnd = 90;
    for (const options of [{}, { horizon: 3 }, { volScale: true, volWindow: 12 }]) {
      const h = (options as { horizon?: number }).horizon ?? 6;
      const labels = labelTrainingWindow(closes, trainStart, trainEnd, options);
      const full = forwardLogReturns(closes, options);
      expect(labels).toHaveLength(trainEnd - trainStart);
      expect(Array.from(labels.slice(-h)).every(Number.isNaN)).toBe(true);
      expect(Array.from(labels.slice(0, -h))).toEqual(Array.from(full.slice(trainStart, trainEnd - h)));
      // The test window's prices are never read: poisoned (NaN would throw if read) or wildly different, same labels.
      const poisoned = closes.map((c, i) => (i >= trainEnd ? NaN : c));
      const different = closes.map((c, i) => (i >= trainEnd ? c * 3 : c));
      expect(labelTrainingWindow(poisoned, trainStart, trainEnd, options)).toEqual(labels);
      expect(labelTrainingWindow(different, trainStart, trainEnd, options)).toEqual(labels);
    }
  });

  it('on real BTC 4h closes: the last 6 bars before the test window carry no label, the rest are finite', async () => {
    const bars = await realBars('BTC');
    const c = bars.map((b) => b.close);
    const trainEnd = 5000;
    const labels = labelTrainingWindow(c, 0, trainEnd, { volScale: true });
    expect(Array.from(labels.slice(42, trainEnd - 6)).every(Number.isFinite)).toBe(true);
    expect(Array.from(labels.slice(trainEnd - 6)).every(Number.isNaN)).toBe(true);
    // The full-history label of bar trainEnd - 1 exists, and uses prices of the test window; the window's does not.
    expect(Number.isFinite(forwardLogReturns(c, { volScale: true })[trainEnd - 1]!)).toBe(true);
    const finite = Array.from(labels).filter(Number.isFinite);
    const sd = Math.sqrt(finite.reduce((a, y) => a + y * y, 0) / finite.length);
    expect(sd).toBeGreaterThan(0.5);
    expect(sd).toBeLessThan(2);
  });

  it('refuses a window outside the series', () => {
    expect(() => labelTrainingWindow(closes, 10, 5)).toThrow(RangeError);
    expect(() => labelTrainingWindow(closes, -1, 5)).toThrow(RangeError);
    expect(() => labelTrainingWindow(closes, 0, closes.length + 1)).toThrow(RangeError);
  });
});

describe('labelsAtRows', () => {
  it('picks each matrix row its bar label', () => {
    expect(Array.from(labelsAtRows([0.1, 0.2, 0.3, NaN], Int32Array.from([1, 3])))).toEqual([0.2, NaN]);
    expect(() => labelsAtRows([0.1], [1])).toThrow(RangeError);
  });
});
