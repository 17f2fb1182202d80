import fc from 'fast-check';
import {
  decimalsOf,
  divRound,
  FIXED_PRECISION,
  FIXED_SCALAR,
  FixedPointError,
  formatDecimal,
  numberToRaw,
  parseDecimal,
  rawToNumber,
  roundToIncrement,
  roundToPrecision,
  type RoundingMode,
} from './fixed-point.js';

const MODES: readonly RoundingMode[] = ['HALF_EVEN', 'HALF_UP', 'DOWN', 'UP', 'FLOOR', 'CEIL'];

const abs = (x: bigint): bigint => (x < 0n ? -x : x);
const stepOf = (precision: number): bigint => 10n ** BigInt(FIXED_PRECISION - precision);

/**
 * Reference for rounding: is q the quotient n/d rounded by `mode`? Decided by comparing the
 * rationals q and n/d with multiplications only, so it shares no code path with divRound.
 */
function isRoundedQuotient(n: bigint, d: bigint, q: bigint, mode: RoundingMode): boolean {
  if (d < 0n) return isRoundedQuotient(-n, -d, q, mode);
  const isFloor = q * d <= n && n < (q + 1n) * d;
  const isCeil = (q - 1n) * d < n && n <= q * d;
  switch (mode) {
    case 'FLOOR':
      return isFloor;
    case 'CEIL':
      return isCeil;
    case 'DOWN':
      return n >= 0n ? isFloor : isCeil;
    case 'UP':
      return n >= 0n ? isCeil : isFloor;
    case 'HALF_UP':
    case 'HALF_EVEN': {
      const twiceDistance = abs(2n * (n - q * d)); // 2·|n/d − q|·d
      if (twiceDistance !== d) return twiceDistance < d;
      return mode === 'HALF_UP' ? abs(q) * d > abs(n) : q % 2n === 0n;
    }
  }
}

const mode = fc.constantFrom(...MODES);
const precision = fc.integer({ min: 0, max: FIXED_PRECISION });
const anyRaw = fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n });
const nonZero = (max: bigint) => fc.bigInt({ min: -max, max }).filter((d) => d !== 0n);
/** n/d exactly halfway between two integers, either sign: the case where HALF_UP and HALF_EVEN differ. */
const tie = fc
  .record({ whole: fc.bigInt({ min: -(10n ** 12n), max: 10n ** 12n }), half: fc.bigInt({ min: 1n, max: 10n ** 9n }), flip: fc.boolean() })
  .map(({ whole, half, flip }) => {
    const d = 2n * half;
    const n = whole * d + (whole < 0n ? -half : half);
    return flip ? { n: -n, d: -d } : { n, d };
  });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('parseDecimal / formatDecimal', () => {
  it('round-trips every raw value on the grid of every precision', () => {
    fc.assert(
      fc.property(anyRaw, precision, (raw, p) => {
        const onGrid = raw - (raw % stepOf(p));
        const text = formatDecimal(onGrid, p);
        expect(text).toMatch(p === 0 ? /^-?\d+$/ : new RegExp(`^-?\\d+\\.\\d{${p}}$`));
        const parsed = parseDecimal(text);
        expect(parsed.raw).toBe(onGrid);
        expect(parsed.written).toBe(p);
        expect(parsed.decimals).toBeLessThanOrEqual(p);
      }),
    );
  });

  it('refuses to format a value that is off the grid instead of dropping digits', () => {
    fc.assert(
      fc.property(anyRaw, fc.integer({ min: 0, max: FIXED_PRECISION - 1 }), (raw, p) => {
        fc.pre(raw % stepOf(p) !== 0n);
        expect(codeOf(() => formatDecimal(raw, p))).toBe('FIXED.PRECISION_LOSS');
      }),
    );
  });

  it('parses written decimal strings exactly', () => {
    expect(parseDecimal('42000.5')).toEqual({ raw: 42_000_500_000_000n, decimals: 1, written: 1 });
    expect(parseDecimal('-0.000000001')).toEqual({ raw: -1n, decimals: 9, written: 9 });
    expect(parseDecimal('1.50')).toEqual({ raw: 1_500_000_000n, decimals: 1, written: 2 });
    expect(parseDecimal('+.25').raw).toBe(250_000_000n);
    expect(parseDecimal('7.').raw).toBe(7n * FIXED_SCALAR);
    expect(parseDecimal(' 3 ').raw).toBe(3n * FIXED_SCALAR);
    expect(parseDecimal('-0').raw).toBe(0n);
    expect(parseDecimal('123456789012345678901234567890.123456789').raw).toBe(123456789012345678901234567890123456789n);
  });

  it('accepts zeros beyond the ninth decimal, since they lose nothing', () => {
    expect(parseDecimal('1.0000000000000')).toEqual({ raw: FIXED_SCALAR, decimals: 0, written: FIXED_PRECISION });
  });

  it.each(['NaN', 'Infinity', '-Infinity', '1e5', '1E-3', '', ' ', '.', '-', '1.2.3', '1,5', '--1', '0x1F', '1_000', '١'])(
    "rejects '%s' as not a decimal",
    (text) => {
      expect(codeOf(() => parseDecimal(text))).toBe('FIXED.NOT_A_DECIMAL');
    },
  );

  it.each(['0.0000000001', '1.1234567891', '-5.0000000005'])("rejects '%s' for having more than 9 significant decimals", (text) => {
    expect(codeOf(() => parseDecimal(text))).toBe('FIXED.TOO_PRECISE');
  });

  it('formats negative values and zero without a stray sign', () => {
    expect(formatDecimal(-1_500_000_000n, 2)).toBe('-1.50');
    expect(formatDecimal(0n, 3)).toBe('0.000');
    expect(formatDecimal(-1n, 9)).toBe('-0.000000001');
    expect(formatDecimal(12n * FIXED_SCALAR, 0)).toBe('12');
  });

  it.each([-1, 10, 1.5, Number.NaN])('rejects precision %s', (p) => {
    expect(codeOf(() => formatDecimal(0n, p))).toBe('FIXED.BAD_PRECISION');
  });
});

describe('divRound', () => {
  // The rounding table from java.math.RoundingMode's documentation (HALF_DOWN has no counterpart here).
  const TABLE: ReadonlyArray<[string, Record<RoundingMode, bigint>]> = [
    ['5.5', { UP: 6n, DOWN: 5n, CEIL: 6n, FLOOR: 5n, HALF_UP: 6n, HALF_EVEN: 6n }],
    ['2.5', { UP: 3n, DOWN: 2n, CEIL: 3n, FLOOR: 2n, HALF_UP: 3n, HALF_EVEN: 2n }],
    ['1.6', { UP: 2n, DOWN: 1n, CEIL: 2n, FLOOR: 1n, HALF_UP: 2n, HALF_EVEN: 2n }],
    ['1.1', { UP: 2n, DOWN: 1n, CEIL: 2n, FLOOR: 1n, HALF_UP: 1n, HALF_EVEN: 1n }],
    ['1.0', { UP: 1n, DOWN: 1n, CEIL: 1n, FLOOR: 1n, HALF_UP: 1n, HALF_EVEN: 1n }],
    ['-1.0', { UP: -1n, DOWN: -1n, CEIL: -1n, FLOOR: -1n, HALF_UP: -1n, HALF_EVEN: -1n }],
    ['-1.1', { UP: -2n, DOWN: -1n, CEIL: -1n, FLOOR: -2n, HALF_UP: -1n, HALF_EVEN: -1n }],
    ['-1.6', { UP: -2n, DOWN: -1n, CEIL: -1n, FLOOR: -2n, HALF_UP: -2n, HALF_EVEN: -2n }],
    ['-2.5', { UP: -3n, DOWN: -2n, CEIL: -2n, FLOOR: -3n, HALF_UP: -3n, HALF_EVEN: -2n }],
    ['-5.5', { UP: -6n, DOWN: -5n, CEIL: -5n, FLOOR: -6n, HALF_UP: -6n, HALF_EVEN: -6n }],
  ];

  it.each(TABLE)('rounds %s as the reference table says, for either sign of the divisor', (text, expected) => {
    const tenths = BigInt(text.replace('.', ''));
    for (const m of MODES) {
      expect([m, divRound(tenths, 10n, m)]).toEqual([m, expected[m]]);
      expect([m, divRound(-tenths, -10n, m)]).toEqual([m, expected[m]]);
    }
  });

  it('agrees with the rational reference for any numerator, divisor and mode', () => {
    fc.assert(
      fc.property(anyRaw, fc.oneof(nonZero(20n), nonZero(10n ** 20n)), mode, (n, d, m) => {
        expect(isRoundedQuotient(n, d, divRound(n, d, m), m)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('agrees with the rational reference on exact ties', () => {
    fc.assert(
      fc.property(tie, mode, ({ n, d }, m) => {
        expect(isRoundedQuotient(n, d, divRound(n, d, m), m)).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });

  it('is exact, in every mode, when the division has no remainder', () => {
    fc.assert(
      fc.property(anyRaw, nonZero(10n ** 12n), mode, (q, d, m) => {
        expect(divRound(q * d, d, m)).toBe(q);
      }),
    );
  });

  it('orders the directed modes: FLOOR <= DOWN, HALF_*, UP <= CEIL, with CEIL - FLOOR at most 1', () => {
    fc.assert(
      fc.property(anyRaw, nonZero(10n ** 15n), (n, d) => {
        const r = Object.fromEntries(MODES.map((m) => [m, divRound(n, d, m)])) as Record<RoundingMode, bigint>;
        for (const m of MODES) {
          expect(r.FLOOR <= r[m] && r[m] <= r.CEIL).toBe(true);
        }
        expect(r.CEIL - r.FLOOR).toBe(n % d === 0n ? 0n : 1n);
      }),
    );
  });

  it('refuses to divide by zero', () => {
    expect(codeOf(() => divRound(1n, 0n, 'HALF_EVEN'))).toBe('FIXED.DIVIDE_BY_ZERO');
  });
});

describe('roundToPrecision / roundToIncrement', () => {
  const increment = fc.oneof(fc.bigInt({ min: 1n, max: 1000n }), fc.bigInt({ min: 1n, max: 10n ** 12n }));

  it('lands on the grid, within one increment, on the side the mode asks for', () => {
    fc.assert(
      fc.property(anyRaw, increment, mode, (raw, inc, m) => {
        const rounded = roundToIncrement(raw, inc, m);
        expect(rounded % inc).toBe(0n);
        expect(abs(rounded - raw) < inc).toBe(true);
        expect(isRoundedQuotient(raw, inc, rounded / inc, m)).toBe(true);
        expect(roundToIncrement(rounded, inc, m)).toBe(rounded);
      }),
    );
  });

  it('rounds to a number of decimals like rounding to an increment of 10^-precision', () => {
    fc.assert(
      fc.property(anyRaw, precision, mode, (raw, p, m) => {
        const rounded = roundToPrecision(raw, p, m);
        expect(rounded).toBe(roundToIncrement(raw, stepOf(p), m));
        expect(decimalsOf(rounded)).toBeLessThanOrEqual(p);
      }),
    );
  });

  it('rounds a price onto a 0.5 tick', () => {
    const tick = 500_000_000n;
    expect(roundToIncrement(1_250_000_000n, tick, 'HALF_EVEN')).toBe(1_000_000_000n);
    expect(roundToIncrement(1_750_000_000n, tick, 'HALF_EVEN')).toBe(2_000_000_000n);
    expect(roundToIncrement(1_250_000_000n, tick, 'HALF_UP')).toBe(1_500_000_000n);
    expect(roundToIncrement(-1_250_000_000n, tick, 'FLOOR')).toBe(-1_500_000_000n);
  });

  it.each([0n, -1n])('refuses increment %s', (inc) => {
    expect(codeOf(() => roundToIncrement(1n, inc, 'DOWN'))).toBe('FIXED.BAD_INCREMENT');
  });
});

describe('decimalsOf / rawToNumber', () => {
  it('gives the fewest decimals that hold the value exactly', () => {
    fc.assert(
      fc.property(anyRaw, (raw) => {
        const p = decimalsOf(raw);
        expect(raw % stepOf(p)).toBe(0n);
        if (p > 0) expect(raw % stepOf(p - 1)).not.toBe(0n);
      }),
    );
  });

  it('converts to a float within a rounding error of the decimal value', () => {
    expect(rawToNumber(-1_500_000_000n)).toBe(-1.5);
    expect(rawToNumber(42_000_123_456_789n)).toBe(42000.123456789);
    fc.assert(
      fc.property(anyRaw, (raw) => {
        const expected = Number(formatDecimal(raw, FIXED_PRECISION));
        expect(Math.abs(rawToNumber(raw) - expected)).toBeLessThanOrEqual(2 * Number.EPSILON * Math.max(1, Math.abs(expected)));
      }),
    );
  });
});

describe('numberToRaw', () => {
  /** The decimal a double prints as, as an exact fraction n / d (d a power of ten). */
  function printedRational(value: number): { n: bigint; d: bigint } {
    const [mantissa = '', exponentText = '0'] = String(value).split('e');
    const [whole = '', fraction = ''] = mantissa.split('.');
    const exponent = Number(exponentText) - fraction.length;
    const n = BigInt(whole + fraction);
    return exponent >= 0 ? { n: n * 10n ** BigInt(exponent), d: 1n } : { n, d: 10n ** BigInt(-exponent) };
  }

  const double = fc.oneof(
    fc.double({ min: -1e12, max: 1e12, noNaN: true, noDefaultInfinity: true }),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer({ min: -(2 ** 20), max: 2 ** 20 }).map((k) => k / 1024), // ties at the 9th decimal
  );

  it('rounds the printed decimal once, exactly, to the precision with the given mode', () => {
    fc.assert(
      fc.property(double, precision, mode, (value, p, m) => {
        const raw = numberToRaw(value, p, m);
        expect(raw % stepOf(p)).toBe(0n);
        const { n, d } = printedRational(value);
        expect(isRoundedQuotient(n * 10n ** BigInt(p), d, raw / stepOf(p), m)).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });

  it('is monotonic: a larger number never converts to a smaller raw', () => {
    fc.assert(
      fc.property(double, double, precision, mode, (a, b, p, m) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(numberToRaw(lo, p, m) <= numberToRaw(hi, p, m)).toBe(true);
      }),
    );
  });

  it('returns exactly the decimal a double was parsed from, whatever the mode', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), mode, (raw, m) => {
        expect(numberToRaw(Number(formatDecimal(raw, FIXED_PRECISION)), FIXED_PRECISION, m)).toBe(raw);
      }),
    );
  });

  it('reads 1.005 as the decimal it prints as, not as the binary 1.00499999999999989...', () => {
    expect(numberToRaw(1.005, 2, 'HALF_UP')).toBe(1_010_000_000n);
    expect(numberToRaw(1.005, 2, 'HALF_EVEN')).toBe(1_000_000_000n);
    expect(numberToRaw(0.3, 2, 'DOWN')).toBe(300_000_000n);
    expect(numberToRaw(-2.345, 2, 'FLOOR')).toBe(-2_350_000_000n);
    expect(numberToRaw(-2.345, 2, 'DOWN')).toBe(-2_340_000_000n);
    expect(numberToRaw(1234.5678, 0, 'CEIL')).toBe(1235n * FIXED_SCALAR);
  });

  it('honours the mode below the ninth decimal too (no hidden half-up rounding first)', () => {
    // 2^-10 = 0.0009765625 exactly: a tie at 9 decimals
    expect(numberToRaw(2 ** -10, 9, 'DOWN')).toBe(976_562n);
    expect(numberToRaw(2 ** -10, 9, 'HALF_EVEN')).toBe(976_562n);
    expect(numberToRaw(2 ** -10, 9, 'HALF_UP')).toBe(976_563n);
    expect(numberToRaw(-(2 ** -10), 9, 'FLOOR')).toBe(-976_563n);
    // sizing rounds DOWN so that it never buys more than asked for
    expect(numberToRaw(0.9999999999, 2, 'DOWN')).toBe(990_000_000n);
    expect(numberToRaw(0.1234567899, 9, 'DOWN')).toBe(123_456_789n);
    // float noise is part of the number: 0.1 + 0.2 prints as 0.30000000000000004
    expect(numberToRaw(0.1 + 0.2, 2, 'UP')).toBe(310_000_000n);
    expect(numberToRaw(0.1 + 0.2, 2, 'HALF_EVEN')).toBe(300_000_000n);
  });

  it('handles exponent notation at both ends of the range', () => {
    expect(numberToRaw(1.5e-7, 9, 'HALF_EVEN')).toBe(150n);
    expect(numberToRaw(5e-324, 9, 'UP')).toBe(1n);
    expect(numberToRaw(5e-324, 9, 'DOWN')).toBe(0n);
    expect(numberToRaw(-5e-324, 9, 'FLOOR')).toBe(-1n);
    expect(numberToRaw(1e21, 0, 'DOWN')).toBe(10n ** 30n);
    expect(numberToRaw(-1.25e22, 2, 'HALF_EVEN')).toBe(-125n * 10n ** 29n);
  });

  it.each([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])('refuses %s', (value) => {
    expect(codeOf(() => numberToRaw(value, 2, 'HALF_EVEN'))).toBe('FIXED.NOT_FINITE');
  });

  it('refuses a bad precision', () => {
    expect(codeOf(() => numberToRaw(1, 10, 'HALF_EVEN'))).toBe('FIXED.BAD_PRECISION');
  });

  it('throws FixedPointError, so callers can tell a conversion failure from other errors', () => {
    expect(() => numberToRaw(Number.NaN, 2, 'DOWN')).toThrow(FixedPointError);
  });
});
