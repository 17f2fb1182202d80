import { Price, Quantity, instrumentId, type Bar } from '@lib/model';
import { Cache } from './cache.js';
import { TestClock } from '../clock/clock.js';

const id = instrumentId('BTCUSDT-PERP.BYBIT');
const bar = (i: number): Bar => ({
  instrumentId: id,
  interval: '4h',
  tsOpen: i * 14_400_000,
  tsClose: (i + 1) * 14_400_000,
  open: Price.parse('100.0'),
  high: Price.parse(`${101 + i}.0`),
  low: Price.parse('99.0'),
  close: Price.parse('100.5'),
  volume: Quantity.parse('1.5'),
});

describe('Cache', () => {
  it('keeps the most recent bars oldest-first within its capacity', () => {
    const cache = new Cache(3);
    for (let i = 0; i < 5; i++) cache.addBar(bar(i));
    expect(cache.barCount(id)).toBe(3);
    expect(cache.bars(id, 10).map((b) => b.tsOpen / 14_400_000)).toEqual([2, 3, 4]);
    expect(cache.bars(id, 2).map((b) => b.tsOpen / 14_400_000)).toEqual([3, 4]);
    expect(cache.lastBar(id)?.tsOpen).toBe(4 * 14_400_000);
  });

  it('answers empty for an instrument without bars and throws for an unknown instrument on demand', () => {
    const cache = new Cache();
    expect(cache.bars(id, 5)).toEqual([]);
    expect(cache.lastBar(id)).toBeUndefined();
    expect(() => cache.instrumentOrThrow(id)).toThrow(/unknown instrument/);
  });
});

describe('TestClock', () => {
  it('moves forward only', () => {
    const clock = new TestClock(10);
    clock.advanceTo(20);
    expect(clock.now()).toBe(20);
    expect(() => clock.advanceTo(19)).toThrow(/backwards/);
  });
});
