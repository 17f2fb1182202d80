import fc from 'fast-check';
import { FIXED_PRECISION, FIXED_SCALAR, FixedPointError, type RoundingMode } from './fixed-point.js';
import { Money, notional } from './money.js';
import { Price } from './price.js';
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

const raw = fc.bigInt({ min: -(10n ** 24n), max: 10n ** 24n });
const usdt = raw.map((r) => Money.of(r, 'USDT'));

describe('Money currency safety', () => {
  const tenUsdt: Money<'USDT'> = Money.parse('10', 'USDT');
  const oneBtc: Money<'BTC'> = Money.parse('1', 'BTC');

  it('does not type-check USDT + BTC, and throws if forced at runtime', () => {
    // @ts-expect-error Money<'BTC'> is not a Money<'USDT'>: mixing currencies must not compile.
    expect(() => tenUsdt.plus(oneBtc)).toThrow(FixedPointError);
    expect(codeOf(() => (tenUsdt as Money).plus(oneBtc))).toBe('MONEY.CURRENCY_MISMATCH');
    expect(codeOf(() => (tenUsdt as Money).minus(oneBtc))).toBe('MONEY.CURRENCY_MISMATCH');
    expect(codeOf(() => (tenUsdt as Money).compare(oneBtc))).toBe('MONEY.CURRENCY_MISMATCH');
  });

  it('catches currencies that only differ at runtime (both typed as plain strings)', () => {
    const a: Money = Money.fromWire('1 USDT');
    const b: Money = Money.fromWire('1 USDC');
    expect(codeOf(() => a.plus(b))).toBe('MONEY.CURRENCY_MISMATCH');
    expect(a.eq(b)).toBe(false);
  });
});

describe('Money arithmetic', () => {
  it('plus is commutative and associative; minus undoes plus', () => {
    fc.assert(
      fc.property(usdt, usdt, usdt, (a, b, c) => {
        expect(a.plus(b).eq(b.plus(a))).toBe(true);
        expect(a.plus(b).plus(c).eq(a.plus(b.plus(c)))).toBe(true);
        expect(a.plus(b).minus(b).eq(a)).toBe(true);
        expect(a.minus(a).isZero()).toBe(true);
        expect(a.plus(a.negate()).isZero()).toBe(true);
        expect(a.abs().isNegative()).toBe(false);
      }),
    );
  });

  it('adds exactly', () => {
    expect(Money.parse('0.1', 'USDT').plus(Money.parse('0.2', 'USDT')).toString()).toBe('0.3 USDT');
  });

  it('applies a fee rate with an explicit rounding mode', () => {
    const fee = 550_000n; // 0.00055
    const notionalUsdt = Money.parse('123.456789', 'USDT');
    // 123.456789 × 0.00055 = 0.06790123395
    expect(notionalUsdt.times(fee, 'HALF_EVEN').toDecimal()).toBe('0.067901234');
    expect(notionalUsdt.times(fee, 'DOWN').toDecimal()).toBe('0.067901233');
    expect(notionalUsdt.negate().times(fee, 'FLOOR').toDecimal()).toBe('-0.067901234');
  });

  it('rounds to a currency precision', () => {
    expect(Money.parse('1.005', 'USDT').round(2, 'HALF_EVEN').toString()).toBe('1 USDT');
    expect(Money.parse('1.005', 'USDT').round(2, 'HALF_UP').toString()).toBe('1.01 USDT');
  });

  it('orders amounts of one currency', () => {
    const one = Money.parse('1', 'USDT');
    const two = Money.parse('2', 'USDT');
    expect([one.compare(two), two.compare(one), one.compare(one)]).toEqual([-1, 1, 0]);
    expect(one.lt(two) && two.gt(one)).toBe(true);
  });
});

describe('Money on the wire', () => {
  it('round-trips through "<amount> <CURRENCY>"', () => {
    fc.assert(
      fc.property(raw, fc.constantFrom('USDT', 'BTC', 'ETH', 'USDC'), (r, currency) => {
        const m = Money.of(r, currency);
        const text = m.toString();
        expect(text).toMatch(/^-?\d+(\.\d*[1-9])? [A-Z]+$/);
        const back = Money.fromWire(text);
        expect(back.raw).toBe(m.raw);
        expect(back.currency).toBe(currency);
        expect(JSON.stringify(m)).toBe(JSON.stringify(text));
      }),
    );
  });

  it('writes known amounts without trailing zeros', () => {
    expect(Money.parse('1.50', 'USDT').toString()).toBe('1.5 USDT');
    expect(Money.parse('-0.000000001', 'BTC').toString()).toBe('-0.000000001 BTC');
    expect(Money.zero('USDT').toString()).toBe('0 USDT');
    expect(Money.of(100n * FIXED_SCALAR, 'USDT').toString()).toBe('100 USDT');
  });

  it.each(['', '1', 'USDT', '1 USDT extra', '   '])("refuses '%s' as a money string", (text) => {
    expect(codeOf(() => Money.fromWire(text))).toBe('MONEY.BAD_FORMAT');
  });

  it('refuses an amount that is not a decimal', () => {
    expect(codeOf(() => Money.fromWire('1e3 USDT'))).toBe('FIXED.NOT_A_DECIMAL');
  });

  it('converts from a float at full precision', () => {
    expect(Money.fromNumber(0.1 + 0.2, 'USDT').toString()).toBe('0.3 USDT');
  });
});

describe('notional(price, quantity, currency, mode)', () => {
  it('is exact when the product fits in 9 decimals, in every mode', () => {
    for (const mode of MODES) {
      expect(notional(Price.parse('42000.50'), Quantity.parse('0.003'), 'USDT', mode).toString()).toBe('126.0015 USDT');
    }
  });

  // Rows: price × quantity = exact product, then the result in each mode.
  const CASES: ReadonlyArray<[string, string, string, Record<RoundingMode, string>]> = [
    ['0.123456789', '0.5', '0.0617283945 (tie, even below)', {
      HALF_EVEN: '0.061728394', HALF_UP: '0.061728395', DOWN: '0.061728394', UP: '0.061728395', FLOOR: '0.061728394', CEIL: '0.061728395',
    }],
    ['-0.123456789', '0.5', '-0.0617283945 (negative tie)', {
      HALF_EVEN: '-0.061728394', HALF_UP: '-0.061728395', DOWN: '-0.061728394', UP: '-0.061728395', FLOOR: '-0.061728395', CEIL: '-0.061728394',
    }],
    ['0.000000003', '0.5', '0.0000000015 (tie, odd below)', {
      HALF_EVEN: '0.000000002', HALF_UP: '0.000000002', DOWN: '0.000000001', UP: '0.000000002', FLOOR: '0.000000001', CEIL: '0.000000002',
    }],
    ['0.000000007', '0.3', '0.0000000021 (below half)', {
      HALF_EVEN: '0.000000002', HALF_UP: '0.000000002', DOWN: '0.000000002', UP: '0.000000003', FLOOR: '0.000000002', CEIL: '0.000000003',
    }],
    ['-0.000000007', '0.9', '-0.0000000063 (negative, above half)', {
      HALF_EVEN: '-0.000000006', HALF_UP: '-0.000000006', DOWN: '-0.000000006', UP: '-0.000000007', FLOOR: '-0.000000007', CEIL: '-0.000000006',
    }],
  ];

  it.each(CASES)('%s × %s = %s rounds per mode', (px, qty, _exact, expected) => {
    for (const mode of MODES) {
      const m = notional(Price.parse(px), Quantity.parse(qty), 'USDT', mode);
      expect([mode, m.toDecimal()]).toEqual([mode, expected[mode]]);
      expect(m.currency).toBe('USDT');
    }
  });

  const price = fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }).map((r) => Price.fromRaw(r, FIXED_PRECISION));
  const qty = fc.bigInt({ min: 0n, max: 10n ** 15n }).map((r) => Quantity.fromRaw(r, FIXED_PRECISION));

  it('brackets the exact product between FLOOR and CEIL, one unit apart at most', () => {
    fc.assert(
      fc.property(price, qty, (p, q) => {
        const exact = p.raw * q.raw; // scale 10^18
        const floor = notional(p, q, 'USDT', 'FLOOR').raw * FIXED_SCALAR;
        const ceil = notional(p, q, 'USDT', 'CEIL').raw * FIXED_SCALAR;
        expect(floor <= exact && exact <= ceil).toBe(true);
        expect(ceil - floor).toBe(exact % FIXED_SCALAR === 0n ? 0n : FIXED_SCALAR);
        for (const mode of MODES) {
          const m = notional(p, q, 'USDT', mode).raw * FIXED_SCALAR;
          expect(m === floor || m === ceil).toBe(true);
        }
      }),
    );
  });

  it('is exact and additive over quantities when decimals allow', () => {
    const coarsePrice = fc.bigInt({ min: -(10n ** 8n), max: 10n ** 8n }).map((r) => Price.fromRaw(r * 10n ** 5n, 4));
    const coarseQty = fc.bigInt({ min: 0n, max: 10n ** 8n }).map((r) => Quantity.fromRaw(r * 10n ** 4n, 5));
    fc.assert(
      fc.property(coarsePrice, coarseQty, coarseQty, fc.constantFrom(...MODES), (p, q1, q2, mode) => {
        const whole = notional(p, q1.plus(q2), 'USDT', mode);
        expect(whole.eq(notional(p, q1, 'USDT', mode).plus(notional(p, q2, 'USDT', mode)))).toBe(true);
      }),
    );
  });
});
