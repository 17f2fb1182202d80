import { RollingIc, averageRanks, spearman } from './rolling-ic.js';

/** Deterministic pseudo-random walk of closes. */
function walk(n: number, seed = 1): number[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32 - 0.5;
  };
  const out = [100];
  for (let i = 1; i < n; i++) out.push(out[i - 1]! * Math.exp(0.02 * next()));
  return out;
}

/** Brute force: Spearman over pairs (pred[s], ln(c[s+h]/c[s])) with s + h ≤ t, last `window` of them. */
function bruteForce(preds: number[], closes: number[], t: number, h: number, window: number): number {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let s = 0; s + h <= t; s++) {
    xs.push(preds[s]!);
    ys.push(Math.log(closes[s + h]! / closes[s]!));
  }
  const from = Math.max(0, xs.length - window);
  const x = xs.slice(from);
  return x.length < Math.max(20, Math.ceil(window / 4)) ? Number.NaN : spearman(x, ys.slice(from));
}

describe('spearman', () => {
  it('ranks ties by their average and matches hand-computed values', () => {
    expect(Array.from(averageRanks([10, 20, 20, 5]))).toEqual([2, 3.5, 3.5, 1]);
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 40])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // ranks x = 1,2,3,4,5; y = 2,1,4,3,5 → ρ = 1 − 6·Σd²/(n(n²−1)) = 1 − 6·4/120 = 0.8
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5])).toBeCloseTo(0.8, 12);
    // monotone transforms do not change it
    expect(spearman([1, 2, 3, 4, 5], [2, 1, 4, 3, 5].map(Math.exp))).toBeCloseTo(0.8, 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNaN();
    expect(spearman([1], [1])).toBeNaN();
  });
});

describe('RollingIc', () => {
  it('is NaN until max(20, window/4) realized pairs', () => {
    const closes = walk(200);
    const ic = new RollingIc(6, 200);
    expect(ic.minPairs).toBe(50);
    expect(new RollingIc(6, 40).minPairs).toBe(20);
    for (let t = 0; t < closes.length; t++) {
      // a perfect oracle: the prediction is the realized future return
      const pred = t + 6 < closes.length ? Math.log(closes[t + 6]! / closes[t]!) : 0;
      ic.push(pred, closes[t]!);
      expect(ic.realized).toBe(Math.max(0, t - 5));
      if (ic.realized < 50) expect(ic.value).toBeNaN();
      else expect(ic.value).toBeCloseTo(1, 12);
    }
  });

  it('never uses an unrealized return: value after bar t equals the brute force over s + h ≤ t', () => {
    const h = 6;
    const window = 60;
    const closes = walk(400, 7);
    const preds = closes.map((_, t) => Math.sin(t * 0.37) + (t + h < closes.length ? 50 * Math.log(closes[t + h]! / closes[t]!) : 0));
    const ic = new RollingIc(h, window);
    for (let t = 0; t < closes.length; t++) {
      ic.push(preds[t]!, closes[t]!);
      const expected = bruteForce(preds, closes, t, h, window);
      if (Number.isNaN(expected)) expect(ic.value).toBeNaN();
      else expect(ic.value).toBeCloseTo(expected, 12);
    }
  });

  it('handles ties on both sides exactly (quantized predictions, repeated closes)', () => {
    const h = 2;
    const window = 40;
    const closes = Array.from({ length: 300 }, (_, t) => [100, 101, 102, 101.5][(t * 7 + (t >> 3)) % 4]!);
    const preds = closes.map((_, t) => Math.round(3 * Math.sin(t * 0.9)) / 2);
    const ic = new RollingIc(h, window);
    for (let t = 0; t < closes.length; t++) {
      ic.push(preds[t]!, closes[t]!);
      const expected = bruteForce(preds, closes, t, h, window);
      if (Number.isNaN(expected)) expect(ic.value).toBeNaN();
      else expect(ic.value).toBeCloseTo(expected, 12);
    }
    expect(Number.isFinite(ic.value)).toBe(true);
  });

  it('the last h predictions cannot move the value (their returns have not happened yet)', () => {
    const h = 6;
    const closes = walk(300, 3);
    const run = (alterFrom: number) => {
      const ic = new RollingIc(h, 100);
      closes.forEach((c, t) => ic.push(t >= alterFrom ? 1e6 * (t % 2 ? 1 : -1) : Math.cos(t), c));
      return ic.value;
    };
    const base = run(Infinity);
    expect(Number.isFinite(base)).toBe(true);
    expect(run(closes.length - h)).toBe(base);
    expect(run(closes.length - h - 1)).not.toBe(base);
  });

  it('skips pairs with a missing prediction or a bad close and never throws', () => {
    const closes = walk(120, 5);
    const ic = new RollingIc(3, 40);
    closes.forEach((c, t) => {
      const pred = t % 10 === 0 ? Number.NaN : Math.log(closes[Math.min(t + 3, closes.length - 1)]! / c);
      const close = t === 50 ? Number.NaN : t === 51 ? -1 : c;
      expect(() => ic.push(pred, close)).not.toThrow();
    });
    // 117 candidate pairs; bar 0,10,..,110 predictions missing (12 pairs), closes 50/51 break 4 pairs
    expect(ic.realized).toBe(40);
    expect(Number.isFinite(ic.value)).toBe(true);
    expect(ic.bars).toBe(120);
  });

  it('rejects a bad configuration', () => {
    expect(() => new RollingIc(0, 100)).toThrow(RangeError);
    expect(() => new RollingIc(6, 10)).toThrow(RangeError);
    expect(() => new RollingIc(1.5, 100)).toThrow(RangeError);
  });
});
