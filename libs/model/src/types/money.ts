import {
  FIXED_PRECISION,
  FIXED_SCALAR,
  FixedPointError,
  divRound,
  formatDecimal,
  numberToRaw,
  parseDecimal,
  rawToNumber,
  roundToPrecision,
  type RoundingMode,
} from './fixed-point.js';
import type { Price } from './price.js';
import type { Quantity } from './quantity.js';

/** ISO-like currency code; the type parameter makes mixing currencies a compile error. */
export type CurrencyCode = string;

/** Money in one currency, raw scaled by 10^9 (kept at full precision internally). */
export class Money<C extends CurrencyCode = CurrencyCode> {
  private constructor(
    readonly raw: bigint,
    readonly currency: C,
  ) {}

  static of<C extends CurrencyCode>(raw: bigint, currency: C): Money<C> {
    return new Money(raw, currency);
  }

  static parse<C extends CurrencyCode>(text: string, currency: C): Money<C> {
    return new Money(parseDecimal(text).raw, currency);
  }

  /** "123.45 USDT" form used on the wire. */
  static fromWire(text: string): Money {
    const [amount, currency, extra] = text.trim().split(/\s+/);
    if (!amount || !currency || extra !== undefined) {
      throw new FixedPointError('MONEY.BAD_FORMAT', `money must be '<amount> <CURRENCY>', got '${text}'`);
    }
    return Money.parse(amount, currency);
  }

  static fromNumber<C extends CurrencyCode>(value: number, currency: C, mode: RoundingMode = 'HALF_EVEN'): Money<C> {
    return new Money(numberToRaw(value, FIXED_PRECISION, mode), currency);
  }

  static zero<C extends CurrencyCode>(currency: C): Money<C> {
    return new Money(0n, currency);
  }

  private same(other: Money<C>): void {
    if (other.currency !== this.currency) {
      throw new FixedPointError('MONEY.CURRENCY_MISMATCH', `cannot combine ${this.currency} with ${other.currency}`);
    }
  }

  plus(other: Money<C>): Money<C> {
    this.same(other);
    return new Money(this.raw + other.raw, this.currency);
  }
  minus(other: Money<C>): Money<C> {
    this.same(other);
    return new Money(this.raw - other.raw, this.currency);
  }
  negate(): Money<C> {
    return new Money(-this.raw, this.currency);
  }
  abs(): Money<C> {
    return this.raw < 0n ? this.negate() : this;
  }

  /** Multiplies by a rate given as a raw fixed-point fraction (e.g. a fee rate), with explicit rounding. */
  times(rateRaw: bigint, mode: RoundingMode): Money<C> {
    return new Money(divRound(this.raw * rateRaw, FIXED_SCALAR, mode), this.currency);
  }

  round(precision: number, mode: RoundingMode): Money<C> {
    return new Money(roundToPrecision(this.raw, precision, mode), this.currency);
  }

  compare(other: Money<C>): -1 | 0 | 1 {
    this.same(other);
    return this.raw < other.raw ? -1 : this.raw > other.raw ? 1 : 0;
  }
  eq(other: Money<C>): boolean {
    return this.currency === other.currency && this.raw === other.raw;
  }
  gt(other: Money<C>): boolean {
    return this.compare(other) > 0;
  }
  lt(other: Money<C>): boolean {
    return this.compare(other) < 0;
  }
  isNegative(): boolean {
    return this.raw < 0n;
  }
  isZero(): boolean {
    return this.raw === 0n;
  }

  toNumber(): number {
    return rawToNumber(this.raw);
  }
  /** Decimal amount without currency, at full internal precision with trailing zeros removed. */
  toDecimal(): string {
    const s = formatDecimal(this.raw, FIXED_PRECISION);
    return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
  }
  toString(): string {
    return `${this.toDecimal()} ${this.currency}`;
  }
  toJSON(): string {
    return this.toString();
  }
}

/**
 * The one place where price × quantity becomes money. Both operands are scaled by 10^9, so
 * the product is scaled by 10^18 and must be divided back with an explicit rounding mode.
 */
export function notional<C extends CurrencyCode>(price: Price, quantity: Quantity, currency: C, mode: RoundingMode): Money<C> {
  return Money.of(divRound(price.raw * quantity.raw, FIXED_SCALAR, mode), currency);
}
