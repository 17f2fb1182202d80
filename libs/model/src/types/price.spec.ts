import fc from 'fast-check';
import { FIXED_PRECISION, formatDecimal, type RoundingMode } from './fixed-point.js';
import { Price } from './price.js';

const MODES: readonly RoundingMode[] = ['HALF_EVEN', 'HALF_UP', 'DOWN', 'UP', 'FLOOR', 'CEIL'];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

/** Any price a venue could quote, negative included (spreads), with any precision that holds it. */
const price = fc
  .record({ units: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }), precision: fc.integer({ min: 0, max: FIXED_PRECISION }) })
  .map(({ units, precision }) => Price.fromRaw(units * 10n ** BigInt(FIXED_PRECISION - precision), precision));

describe('Price.parse', () => {
  it('keeps the decimals as written, so a price re-prints as it was read', () => {
    const p = Price.parse('42000.50');
    expect(p.raw).toBe(42_000_500_000_000n);
    expect(p.precision).toBe(2);
    expect(p.toString()).toBe('42000.50');
    expect(Price.parse('100').precision).toBe(0);
  });

  it('round-trips through its string at its own precision', () => {
    fc.assert(
      fc.property(price, (p) => {
        const back = Price.parse(p.toString());
        expect(back.raw).toBe(p.raw);
        expect(back.precision).toBe(p.precision);
        expect(Price.parse(p.toString(), p.precision)).toEqual(p);
      }),
    );
  });

  it('refuses more significant decimals than the precision', () => {
    expect(codeOf(() => Price.parse('1.234', 2))).toBe('PRICE.PRECISION');
    expect(codeOf(() => Price.parse('0.5', 0))).toBe('PRICE.PRECISION');
    expect(Price.parse('1.230', 2).toString()).toBe('1.23');
    expect(Price.parse('1.2', 4).toString()).toBe('1.2000');
  });

  it.each(['NaN', '1e5', '', '1.2.3', 'abc', 'Infinity'])("rejects '%s'", (text) => {
    expect(codeOf(() => Price.parse(text))).toBe('FIXED.NOT_A_DECIMAL');
  });

  it('rejects more than 9 decimals', () => {
    expect(codeOf(() => Price.parse('0.0000000001'))).toBe('FIXED.TOO_PRECISE');
    expect(codeOf(() => Price.parse('0.0000000001', 9))).toBe('FIXED.TOO_PRECISE');
  });

  it.each([-1, 10, 2.5])('rejects precision %s', (p) => {
    expect(codeOf(() => Price.parse('1', p))).toBe('FIXED.BAD_PRECISION');
  });

  it('accepts negative prices (spreads)', () => {
    expect(Price.parse('-0.25').toString()).toBe('-0.25');
  });
});

describe('Price.fromRaw / fromNumber', () => {
  it('refuses a raw value with more decimals than the precision', () => {
    expect(codeOf(() => Price.fromRaw(1_234_000_000n, 2))).toBe('PRICE.PRECISION');
    expect(Price.fromRaw(1_230_000_000n, 2).toString()).toBe('1.23');
  });

  it('converts from a float with the stated rounding', () => {
    expect(Price.fromNumber(42000.125, 2).toString()).toBe('42000.12');
    expect(Price.fromNumber(42000.125, 2, 'HALF_UP').toString()).toBe('42000.13');
    expect(Price.fromNumber(42000.121, 2, 'CEIL').toString()).toBe('42000.13');
    expect(codeOf(() => Price.fromNumber(Number.NaN, 2))).toBe('FIXED.NOT_FINITE');
  });
});

describe('Price arithmetic', () => {
  it('plus is commutative and associative, and keeps the larger precision', () => {
    fc.assert(
      fc.property(price, price, price, (a, b, c) => {
        expect(a.plus(b)).toEqual(b.plus(a));
        expect(a.plus(b).plus(c)).toEqual(a.plus(b.plus(c)));
        expect(a.plus(b).precision).toBe(Math.max(a.precision, b.precision));
      }),
    );
  });

  it('minus undoes plus, and a - a is zero', () => {
    fc.assert(
      fc.property(price, price, (a, b) => {
        expect(a.plus(b).minus(b).raw).toBe(a.raw);
        expect(a.minus(b).plus(b).raw).toBe(a.raw);
        expect(a.minus(a).raw).toBe(0n);
      }),
    );
  });

  it('adds exactly where floats would not', () => {
    expect(Price.parse('0.1').plus(Price.parse('0.2')).toString()).toBe('0.3');
    expect(Price.parse('100.05').minus(Price.parse('0.1')).toString()).toBe('99.95');
  });

  it('compares by value, not by precision', () => {
    fc.assert(
      fc.property(price, price, (a, b) => {
        const c = a.compare(b);
        expect(c).toBe(a.raw < b.raw ? -1 : a.raw > b.raw ? 1 : 0);
        expect(a.lt(b)).toBe(c < 0);
        expect(a.lte(b)).toBe(c <= 0);
        expect(a.gt(b)).toBe(c > 0);
        expect(a.gte(b)).toBe(c >= 0);
        expect(a.eq(b)).toBe(c === 0);
      }),
    );
    expect(Price.parse('1.5').eq(Price.parse('1.500'))).toBe(true);
  });
});

describe('Price rounding', () => {
  const tick = fc
    .record({ steps: fc.bigInt({ min: 1n, max: 1000n }), precision: fc.integer({ min: 0, max: FIXED_PRECISION }) })
    .map(({ steps, precision }) => Price.fromRaw(steps * 10n ** BigInt(FIXED_PRECISION - precision), precision));

  it('roundToTick lands on the tick grid, within one tick, printable at the tick precision', () => {
    fc.assert(
      fc.property(price, tick, fc.constantFrom(...MODES), (p, t, mode) => {
        const rounded = p.roundToTick(t, mode);
        expect(rounded.raw % t.raw).toBe(0n);
        const distance = rounded.raw - p.raw;
        expect(distance < t.raw && -distance < t.raw).toBe(true);
        if (mode === 'FLOOR') expect(rounded.lte(p)).toBe(true);
        if (mode === 'CEIL') expect(rounded.gte(p)).toBe(true);
        expect(rounded.precision).toBe(t.precision);
        expect(() => rounded.toString()).not.toThrow();
      }),
    );
  });

  it('rounds to a 0.5 tick', () => {
    const half = Price.parse('0.5');
    expect(Price.parse('100.26').roundToTick(half, 'HALF_EVEN').toString()).toBe('100.5');
    expect(Price.parse('100.24').roundToTick(half, 'HALF_EVEN').toString()).toBe('100.0');
    expect(Price.parse('100.74').roundToTick(half, 'DOWN').toString()).toBe('100.5');
  });

  it('withPrecision rounds with the given mode', () => {
    expect(Price.parse('2.345').withPrecision(2, 'HALF_EVEN').toString()).toBe('2.34');
    expect(Price.parse('2.345').withPrecision(2, 'HALF_UP').toString()).toBe('2.35');
    expect(Price.parse('-2.341').withPrecision(2, 'FLOOR').toString()).toBe('-2.35');
    expect(Price.parse('2.3').withPrecision(4, 'DOWN').toString()).toBe('2.3000');
  });
});

describe('Price serialisation', () => {
  it('is a decimal string in JSON, never a number', () => {
    expect(JSON.stringify({ px: Price.parse('42000.10') })).toBe('{"px":"42000.10"}');
  });

  it('converts to a float only on request', () => {
    expect(Price.parse('42000.125').toNumber()).toBe(42000.125);
    expect(formatDecimal(Price.zero(3).raw, 3)).toBe('0.000');
  });
});
