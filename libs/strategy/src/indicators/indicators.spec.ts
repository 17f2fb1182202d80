import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ema } from './ema.js';
import { RollingVolatility } from './rolling-volatility.js';

// Indicators work in floats: the real Binance BTC 4h closes, read with Number.
const DATA_DIR = process.env.TM_DATA_DIR ?? fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));
const closes: number[] = readFileSync(`${DATA_DIR}/binance_BTCUSDT_4h.csv`, 'utf8')
  .trim()
  .split('\n')
  .slice(1, 501)
  .map((line) => Number(line.split(',')[4]));

/**
 * EMA at index t recomputed from scratch, not recursively: the simple mean of the first `period`
 * values, decayed, plus every later value with its own weight α(1−α)^(t−j).
 */
function naiveEma(values: readonly number[], period: number, t: number): number {
  if (t < period - 1) return Number.NaN;
  const alpha = 2 / (period + 1);
  let seed = 0;
  for (let j = 0; j < period; j++) seed += values[j]!;
  seed /= period;
  let total = seed * Math.pow(1 - alpha, t - (period - 1));
  for (let j = period; j <= t; j++) total += alpha * Math.pow(1 - alpha, t - j) * values[j]!;
  return total;
}

/** Sample standard deviation (n − 1) of the `window` log returns ending at price index t, computed two-pass. */
function naiveVolatility(prices: readonly number[], window: number, t: number): number {
  if (t < window) return Number.NaN;
  const returns: number[] = [];
  for (let i = t - window + 1; i <= t; i++) returns.push(Math.log(prices[i]! / prices[i - 1]!));
  const mean = returns.reduce((a, b) => a + b, 0) / window;
  const variance = returns.reduce((a, r) => a + (r - mean) * (r - mean), 0) / (window - 1);
  return Math.sqrt(variance);
}

describe('indicators on real BTC 4h closes', () => {
  it('reads 500 real closes', () => {
    expect(closes).toHaveLength(500);
    expect(closes[0]).toBe(46813.2);
    expect(closes.every((c) => Number.isFinite(c) && c > 0)).toBe(true);
  });

  describe('Ema', () => {
    it.each([1, 2, 10, 30, 120])('matches a from-scratch recomputation at every bar (period %i)', (period) => {
      const ema = new Ema(period);
      for (let t = 0; t < closes.length; t++) {
        const got = ema.update(closes[t]!);
        const want = naiveEma(closes, period, t);
        if (t < period - 1) {
          expect(got).toBeNaN();
          expect(ema.ready).toBe(false);
          expect(ema.value).toBeNaN();
        } else {
          expect(ema.ready).toBe(true);
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9 * Math.abs(want));
          expect(ema.value).toBe(got);
        }
      }
    });

    it('is seeded with the simple mean of its first period values', () => {
      const ema = new Ema(3);
      expect(ema.update(closes[0]!)).toBeNaN();
      expect(ema.update(closes[1]!)).toBeNaN();
      expect(ema.update(closes[2]!)).toBeCloseTo((closes[0]! + closes[1]! + closes[2]!) / 3, 9);
    });

    it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses period %p', (period) => {
      expect(() => new Ema(period)).toThrow(RangeError);
    });

    it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses the non-finite value %p instead of carrying it forever', (bad) => {
      const ema = new Ema(3);
      for (const c of closes.slice(0, 5)) ema.update(c);
      const before = ema.value;
      // corrupt input fails fast (STYLE.md): a NaN would otherwise turn every later value into NaN
      expect(() => ema.update(bad)).toThrow();
      expect(ema.value).toBe(before);
    });
  });

  describe('RollingVolatility', () => {
    it.each([2, 20, 60])('matches the sample std of the log returns of each window (window %i)', (window) => {
      const vol = new RollingVolatility(window);
      for (let t = 0; t < closes.length; t++) {
        const got = vol.update(closes[t]!);
        const want = naiveVolatility(closes, window, t);
        if (t < window) {
          expect(got).toBeNaN();
          expect(vol.value).toBeNaN();
        } else {
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-9);
          expect(vol.value).toBe(got);
        }
      }
    });

    it('is NaN until it holds `window` returns (window + 1 prices)', () => {
      const vol = new RollingVolatility(5);
      const out = closes.slice(0, 7).map((c) => vol.update(c));
      expect(out.slice(0, 5).every(Number.isNaN)).toBe(true);
      expect(out[5]).toBeGreaterThan(0);
      expect(out[6]).toBeGreaterThan(0);
    });

    it('is zero on a constant price', () => {
      const vol = new RollingVolatility(4);
      let last = Number.NaN;
      for (let i = 0; i < 10; i++) last = vol.update(closes[0]!);
      expect(last).toBe(0);
    });

    it.each([0, 1, 2.5, -3, Number.NaN])('refuses window %p', (window) => {
      expect(() => new RollingVolatility(window)).toThrow(RangeError);
    });

    it.each([0, -46813.2, Number.NaN])('refuses the price %p and keeps its state', (bad) => {
      const vol = new RollingVolatility(3);
      for (const c of closes.slice(0, 6)) vol.update(c);
      const before = vol.value;
      expect(() => vol.update(bad)).toThrow(RangeError);
      expect(vol.value).toBe(before);
      expect(vol.update(closes[6]!)).toBeCloseTo(naiveVolatility(closes, 3, 6), 12);
    });

    it('refuses an infinite price instead of carrying it forever', () => {
      const vol = new RollingVolatility(3);
      for (const c of closes.slice(0, 6)) vol.update(c);
      // log(∞ / p) would poison the ring sums: every later value would be NaN
      expect(() => vol.update(Number.POSITIVE_INFINITY)).toThrow();
      expect(vol.update(closes[6]!)).toBeCloseTo(naiveVolatility(closes, 3, 6), 12);
    });
  });
});
