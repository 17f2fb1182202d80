import { Ema, Macd, RingWindow, WilderAtr, WilderAverage, WilderRsi } from './streaming-indicators.js';

describe('RingWindow', () => {
  it('keeps the newest values, newest first, and computes window statistics from its contents', () => {
    const w = new RingWindow(3);
    [1, 2, 3, 4].forEach((x) => w.push(x));
    expect(w.full).toBe(true);
    expect([w.get(0), w.get(1), w.get(2)]).toEqual([4, 3, 2]);
    expect(() => w.get(3)).toThrow(RangeError);
    expect(w.sum()).toBe(9);
    expect(w.sum(2)).toBe(7);
    expect(w.meanStd()).toEqual({ mean: 3, std: Math.sqrt(2 / 3) });
    expect(w.rms(2)).toBe(Math.sqrt((16 + 9) / 2));
    expect(() => new RingWindow(0)).toThrow(RangeError);
  });
});

describe('Ema / WilderAverage', () => {
  it('seed with the simple mean of the first n values, then smooth with 2/(n+1) and 1/n', () => {
    const ema = new Ema(3);
    const rma = new WilderAverage(3);
    for (const x of [1, 2, 3]) {
      ema.update(x);
      rma.update(x);
    }
    expect([ema.ready, ema.value, rma.value]).toEqual([true, 2, 2]);
    expect(ema.update(6)).toBe(2 + 0.5 * (6 - 2));
    expect(rma.update(6)).toBe((2 * 2 + 6) / 3);
  });
});

describe('WilderRsi / WilderAtr / Macd', () => {
  it('RSI is 100 on a steady rise, 0 on a steady fall, 50 when gains and losses balance; ready after period + 1 closes', () => {
    const up = new WilderRsi(14);
    const down = new WilderRsi(14);
    const flat = new WilderRsi(2);
    for (let i = 0; i < 15; i++) {
      expect(up.ready).toBe(false);
      up.update(100 + i);
      down.update(100 - i);
    }
    expect([up.ready, up.value, down.value]).toEqual([true, 100, 0]);
    [10, 11, 10].forEach((c) => flat.update(c));
    expect(flat.value).toBe(50);
  });

  it('ATR uses the true range against the previous close (a gap counts)', () => {
    const atr = new WilderAtr(2);
    atr.update(11, 9, 10); // TR 2 (first bar: high - low)
    atr.update(15, 14, 14.5); // TR = 15 - 10 = 5 (gap up)
    expect([atr.ready, atr.value]).toEqual([true, 3.5]);
  });

  it('MACD is ready after slow + signal - 1 closes and its line is 0 on a flat series', () => {
    const macd = new Macd(3, 5, 2);
    for (let i = 0; i < 5; i++) macd.update(10);
    expect(macd.ready).toBe(false);
    macd.update(10);
    expect([macd.ready, macd.line, macd.signal]).toEqual([true, 0, 0]);
  });
});
