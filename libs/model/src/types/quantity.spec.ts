import fc from 'fast-check';
import { FIXED_PRECISION, type RoundingMode } from './fixed-point.js';
import { Quantity } from './quantity.js';

const MODES: readonly RoundingMode[] = ['HALF_EVEN', 'HALF_UP', 'DOWN', 'UP', 'FLOOR', 'CEIL'];

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

const quantity = fc
  .record({ units: fc.bigInt({ min: 0n, max: 10n ** 15n }), precision: fc.integer({ min: 0, max: FIXED_PRECISION }) })
  .map(({ units, precision }) => Quantity.fromRaw(units * 10n ** BigInt(FIXED_PRECISION - precision), precision));

describe('Quantity is never negative', () => {
  it.each([
    ['parse', () => Quantity.parse('-0.001')],
    ['fromRaw', () => Quantity.fromRaw(-1n, 9)],
    ['fromNumber', () => Quantity.fromNumber(-0.5, 3)],
    ['minus below zero', () => Quantity.parse('1.0').minus(Quantity.parse('1.5'))],
  ])('%s throws QUANTITY.NEGATIVE', (_name, make) => {
    expect(codeOf(make)).toBe('QUANTITY.NEGATIVE');
  });

  it('minus throws exactly when the result would be negative, and otherwise undoes plus', () => {
    fc.assert(
      fc.property(quantity, quantity, (a, b) => {
        if (b.gt(a)) {
          expect(codeOf(() => a.minus(b))).toBe('QUANTITY.NEGATIVE');
        } else {
          const diff = a.minus(b);
          expect(diff.raw >= 0n).toBe(true);
          expect(diff.plus(b).raw).toBe(a.raw);
        }
        expect(a.plus(b).minus(b).raw).toBe(a.raw);
      }),
    );
  });

  it('treats negative zero as zero', () => {
    expect(Quantity.parse('-0').isZero()).toBe(true);
  });
});

describe('Quantity.parse', () => {
  it('keeps the decimals as written', () => {
    const q = Quantity.parse('0.010');
    expect(q.raw).toBe(10_000_000n);
    expect(q.precision).toBe(3);
    expect(q.toString()).toBe('0.010');
  });

  it('round-trips through its string', () => {
    fc.assert(
      fc.property(quantity, (q) => {
        expect(Quantity.parse(q.toString())).toEqual(q);
      }),
    );
  });

  it('refuses more significant decimals than the precision', () => {
    expect(codeOf(() => Quantity.parse('0.0015', 3))).toBe('QUANTITY.PRECISION');
    expect(codeOf(() => Quantity.fromRaw(1_500_000n, 3))).toBe('QUANTITY.PRECISION');
  });

  it.each(['NaN', '1e5', '', '1.2.3'])("rejects '%s'", (text) => {
    expect(codeOf(() => Quantity.parse(text))).toBe('FIXED.NOT_A_DECIMAL');
  });

  it('rejects more than 9 decimals', () => {
    expect(codeOf(() => Quantity.parse('1.0000000001'))).toBe('FIXED.TOO_PRECISE');
  });
});

describe('Quantity arithmetic', () => {
  it('plus is commutative and associative', () => {
    fc.assert(
      fc.property(quantity, quantity, quantity, (a, b, c) => {
        expect(a.plus(b)).toEqual(b.plus(a));
        expect(a.plus(b).plus(c)).toEqual(a.plus(b.plus(c)));
      }),
    );
  });

  it('min picks the smaller', () => {
    fc.assert(
      fc.property(quantity, quantity, (a, b) => {
        const m = a.min(b);
        expect(m.lte(a) && m.lte(b)).toBe(true);
        expect(m === a || m === b).toBe(true);
      }),
    );
  });

  it('roundToLot lands on the lot grid, keeping the lot precision', () => {
    const lot = fc
      .record({ steps: fc.bigInt({ min: 1n, max: 1000n }), precision: fc.integer({ min: 0, max: FIXED_PRECISION }) })
      .map(({ steps, precision }) => Quantity.fromRaw(steps * 10n ** BigInt(FIXED_PRECISION - precision), precision));
    fc.assert(
      fc.property(quantity, lot, fc.constantFrom(...MODES), (q, l, mode) => {
        const rounded = q.roundToLot(l, mode);
        expect(rounded.raw % l.raw).toBe(0n);
        expect(rounded.raw >= 0n).toBe(true);
        const distance = rounded.raw - q.raw;
        expect(distance < l.raw && -distance < l.raw).toBe(true);
        if (mode === 'DOWN') expect(rounded.lte(q)).toBe(true);
        expect(rounded.precision).toBe(l.precision);
      }),
    );
  });

  it('sizes down from a float by default, never up', () => {
    expect(Quantity.fromNumber(0.0199, 3).toString()).toBe('0.019');
    expect(Quantity.fromNumber(0.0199, 3, 'HALF_EVEN').toString()).toBe('0.020');
    expect(Quantity.fromNumber(1.23456, 3).roundToLot(Quantity.parse('0.01'), 'DOWN').toString()).toBe('1.23');
  });

  it('withPrecision rounds with the given mode', () => {
    expect(Quantity.parse('0.0125').withPrecision(3, 'HALF_EVEN').toString()).toBe('0.012');
    expect(Quantity.parse('0.0125').withPrecision(3, 'UP').toString()).toBe('0.013');
  });

  it('is a decimal string in JSON', () => {
    expect(JSON.stringify([Quantity.parse('1.500')])).toBe('["1.500"]');
  });
});
