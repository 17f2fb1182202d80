import { BAR_REJECTION_REASONS, Price, Quantity, type Bar, type BarRejectionReason, type InstrumentId } from '@lib/model';
import { BTC, ETH } from '../testing/instruments.js';
import { realBtcRawBar } from '../testing/real-data.js';
import type { BarRejection, BarVerdict, RawBar } from './bar-candidate.js';
import { BarValidator } from './bar-validator.js';

// Real rows of binance_BTCUSDT_4h.csv; each bad bar below alters one field of one of them.
const H4 = 14_400_000;
const raw = realBtcRawBar;

function rejected(verdict: BarVerdict): BarRejection {
  if (verdict.ok) throw new Error('expected a rejection, got an accepted bar');
  return verdict;
}

const validator = () => BarValidator.forInstruments([BTC, ETH]);

describe('BarValidator', () => {
  it('accepts a real row and parses it exactly, keeping the written decimals', () => {
    // 1640995200000,46216.93,46949.99,46208.37,46813.2,3495.20465
    const v = validator().check(raw(0));
    expect(v.ok).toBe(true);
    if (!v.ok) return;
    expect(v.bar.tsOpen).toBe(1640995200000);
    expect(v.bar.tsClose).toBe(1640995200000 + H4);
    expect(v.bar.open.raw).toBe(46216_930_000_000n);
    expect(v.bar.close.toString()).toBe('46813.2');
    expect(v.bar.close.precision).toBe(1);
    expect(v.bar.volume.raw).toBe(3495_204_650_000n);
    expect(v.bar.volume.toString()).toBe('3495.20465');
    expect(v.gap).toBeNull();
  });

  const cases: Array<[BarRejectionReason, string, () => RawBar | Bar, RegExp]> = [
    ['BAR.MALFORMED', 'a column too few', () => ({ ...raw(0), columns: 5 }), /expected 6 columns.*got 5/],
    ['BAR.MALFORMED', 'a column too many', () => ({ ...raw(0), columns: 7 }), /got 7/],
    ['BAR.MALFORMED', 'a missing field', () => {
      const { close: _dropped, ...rest } = raw(0);
      return rest as unknown as RawBar;
    }, /missing field 'close'/],
    ['BAR.NOT_A_NUMBER', "close 'NaN'", () => raw(0, { close: 'NaN' }), /close 'NaN' is not a decimal/],
    ['BAR.NOT_A_NUMBER', "high 'abc'", () => raw(0, { high: 'abc' }), /high 'abc'/],
    ['BAR.NOT_A_NUMBER', 'an empty open', () => raw(0, { open: '' }), /open ''/],
    ['BAR.NOT_A_NUMBER', "low 'Infinity'", () => raw(0, { low: 'Infinity' }), /low 'Infinity'/],
    ['BAR.NOT_A_NUMBER', "volume 'abc'", () => raw(0, { volume: 'abc' }), /volume/],
    ['BAR.NOT_A_NUMBER', 'an exponent', () => raw(0, { close: '4.68132e4' }), /close '4.68132e4'/],
    ['BAR.NOT_A_NUMBER', "timestamp 'abc'", () => raw(0, { ts: 'abc' }), /timestamp 'abc' is not an integer/],
    ['BAR.NON_POSITIVE_PRICE', 'a zero low', () => raw(0, { low: '0' }), /low 0 is not positive/],
    ['BAR.NON_POSITIVE_PRICE', 'a negative open', () => raw(0, { open: '-46216.93' }), /open -46216.93 is not positive/],
    ['BAR.HIGH_BELOW_LOW', 'high and low swapped', () => raw(0, { high: '46208.37', low: '46949.99' }), /^high 46208.37 < low 46949.99$/],
    ['BAR.OPEN_OUTSIDE_RANGE', 'open above high', () => raw(0, { open: '46950' }), /open 46950 outside \[low 46208.37, high 46949.99\]/],
    ['BAR.CLOSE_OUTSIDE_RANGE', 'close below low', () => raw(0, { close: '46208.36' }), /close 46208.36 outside/],
    ['BAR.NEGATIVE_VOLUME', 'a negative volume', () => raw(0, { volume: '-3495.20465' }), /volume -3495.20465 < 0/],
    ['BAR.MISALIGNED', 'a timestamp one second off the grid', () => raw(0, { ts: String(1640995200000 + 1000) }), /not on the 4h grid \(1000 ms past/],
    ['BAR.MISALIGNED', 'a timestamp beyond the Date range', () => raw(0, { ts: '9000000000000001' }), /^tsOpen 9000000000000001 \(9000000000000001\) is not on the 4h grid/],
    ['BAR.UNKNOWN_INSTRUMENT', 'an unconfigured instrument', () => raw(0, {}, 'DOGEUSDT-PERP.BYBIT'), /DOGEUSDT-PERP.BYBIT/],
    ['BAR.HIGH_BELOW_LOW', 'a parsed Bar with high < low', () => ({
      instrumentId: BTC.id,
      interval: '4h',
      tsOpen: 1640995200000,
      tsClose: 1640995200000 + H4,
      open: Price.parse('100.2'),
      high: Price.parse('99.5'),
      low: Price.parse('100.2'),
      close: Price.parse('100.2'),
      volume: Quantity.parse('1'),
    }), /^high 99.5 < low 100.2$/],
  ];

  it.each(cases)('rejects %s: %s', (reason, _what, make, detail) => {
    const v = rejected(validator().check(make()));
    expect(v.reason).toBe(reason);
    expect(v.detail).toMatch(detail);
    expect(v.source).not.toBe('');
  });

  it('covers every rejection reason', () => {
    const covered = new Set([...cases.map((c) => c[0]), 'BAR.OUT_OF_ORDER', 'BAR.DUPLICATE']);
    expect([...covered].sort()).toEqual([...BAR_REJECTION_REASONS].sort());
  });

  it('rejects a bar with the same open time as the last accepted one as BAR.DUPLICATE', () => {
    const v = validator();
    expect(v.check(raw(0)).ok).toBe(true);
    expect(v.check(raw(1)).ok).toBe(true);
    const r = rejected(v.check(raw(1)));
    expect(r.reason).toBe('BAR.DUPLICATE');
    expect(r.line).toBe(3);
    expect(r.tsOpen).toBe(1640995200000 + H4);
  });

  it('rejects a bar earlier than the last accepted one as BAR.OUT_OF_ORDER', () => {
    const v = validator();
    v.check(raw(0));
    v.check(raw(2));
    const r = rejected(v.check(raw(1)));
    expect(r.reason).toBe('BAR.OUT_OF_ORDER');
    expect(r.detail).toMatch(/2022-01-01T04:00:00.000Z .* before the last accepted 2022-01-01T08:00:00.000Z/);
  });

  it('accepts a bar after a gap and reports the missing bars', () => {
    const v = validator();
    v.check(raw(0));
    const verdict = v.check(raw(3));
    expect(verdict.ok).toBe(true);
    if (!verdict.ok) return;
    expect(verdict.gap).toEqual({ instrumentId: BTC.id, interval: '4h', fromTsOpen: 1640995200000 + H4, toTsOpen: 1640995200000 + 2 * H4, missingBars: 2 });
    expect(v.lastAccepted(BTC.id, '4h')).toBe(1640995200000 + 3 * H4);
  });

  it('does not advance its state on a rejected bar', () => {
    const v = validator();
    v.check(raw(0));
    expect(rejected(v.check(raw(1, { close: 'abc' }))).reason).toBe('BAR.NOT_A_NUMBER');
    expect(rejected(v.check(raw(2, { high: '1', low: '2' }))).reason).toBe('BAR.HIGH_BELOW_LOW');
    expect(v.lastAccepted(BTC.id, '4h')).toBe(1640995200000);
    const next = v.check(raw(1)); // the corrected bar is neither a duplicate nor after a gap
    expect(next.ok && next.gap).toBeNull();
  });

  it('keeps order per (instrument, interval)', () => {
    const v = validator();
    expect(v.check(raw(1)).ok).toBe(true);
    expect(v.check(raw(0, {}, ETH.id)).ok).toBe(true);
    expect(v.check({ ...raw(0), interval: '1h' }).ok).toBe(true);
    expect(rejected(v.check(raw(0))).reason).toBe('BAR.OUT_OF_ORDER');
  });

  it('accepts numeric timestamps from clients and parsed bars', () => {
    const v = validator();
    expect(v.check(raw(0, { ts: 1640995200000 as unknown as string })).ok).toBe(true);
    const first = validator().check(raw(1));
    if (!first.ok) throw new Error('expected ok');
    expect(v.check(first.bar).ok).toBe(true);
    expect(rejected(v.check({ ...first.bar })).reason).toBe('BAR.DUPLICATE');
    const badClose = { ...first.bar, tsOpen: first.bar.tsOpen + H4, tsClose: first.bar.tsClose + H4 + 1, instrumentId: BTC.id as InstrumentId };
    expect(rejected(v.check(badClose)).detail).toMatch(/tsClose .* is not tsOpen .* \+ 4h/);
  });
});
