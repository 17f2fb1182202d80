import {
  assertPrecision,
  decimalsOf,
  FixedPointError,
  formatDecimal,
  numberToRaw,
  parseDecimal,
  rawToNumber,
  roundToIncrement,
  roundToPrecision,
  type RoundingMode,
} from './fixed-point.js';

/** A non-negative quantity: raw scaled by 10^9, displayed with `precision` decimals. */
export class Quantity {
  private constructor(
    readonly raw: bigint,
    readonly precision: number,
  ) {}

  static fromRaw(raw: bigint, precision: number): Quantity {
    assertPrecision(precision);
    if (raw < 0n) throw new FixedPointError('QUANTITY.NEGATIVE', `quantity cannot be negative (raw ${raw})`);
    if (decimalsOf(raw) > precision) {
      throw new FixedPointError('QUANTITY.PRECISION', `raw ${raw} has more decimals than precision ${precision}`);
    }
    return new Quantity(raw, precision);
  }

  /** Exact parse; `precision` defaults to the decimals written ('0.010' → 3). */
  static parse(text: string, precision?: number): Quantity {
    const { raw, decimals, written } = parseDecimal(text);
    if (raw < 0n) throw new FixedPointError('QUANTITY.NEGATIVE', `quantity cannot be negative: '${text}'`);
    const p = precision ?? written;
    assertPrecision(p);
    if (decimals > p) throw new FixedPointError('QUANTITY.PRECISION', `quantity '${text}' has more than ${p} decimals`);
    return new Quantity(raw, p);
  }

  static fromNumber(value: number, precision: number, mode: RoundingMode = 'DOWN'): Quantity {
    const raw = numberToRaw(value, precision, mode);
    if (raw < 0n) throw new FixedPointError('QUANTITY.NEGATIVE', `quantity cannot be negative: ${value}`);
    return new Quantity(raw, precision);
  }

  static zero(precision = 0): Quantity {
    return new Quantity(0n, precision);
  }

  plus(other: Quantity): Quantity {
    return new Quantity(this.raw + other.raw, Math.max(this.precision, other.precision));
  }

  /** Subtraction that refuses to go negative: a negative quantity is a broken invariant. */
  minus(other: Quantity): Quantity {
    const raw = this.raw - other.raw;
    if (raw < 0n) throw new FixedPointError('QUANTITY.NEGATIVE', `${this} - ${other} would be negative`);
    return new Quantity(raw, Math.max(this.precision, other.precision));
  }

  min(other: Quantity): Quantity {
    return this.raw <= other.raw ? this : other;
  }

  roundToLot(lot: Quantity, mode: RoundingMode): Quantity {
    return new Quantity(roundToIncrement(this.raw, lot.raw, mode), lot.precision);
  }

  withPrecision(precision: number, mode: RoundingMode): Quantity {
    return new Quantity(roundToPrecision(this.raw, precision, mode), precision);
  }

  isZero(): boolean {
    return this.raw === 0n;
  }
  isPositive(): boolean {
    return this.raw > 0n;
  }
  eq(other: Quantity): boolean {
    return this.raw === other.raw;
  }
  lt(other: Quantity): boolean {
    return this.raw < other.raw;
  }
  lte(other: Quantity): boolean {
    return this.raw <= other.raw;
  }
  gt(other: Quantity): boolean {
    return this.raw > other.raw;
  }
  gte(other: Quantity): boolean {
    return this.raw >= other.raw;
  }

  toNumber(): number {
    return rawToNumber(this.raw);
  }
  toString(): string {
    return formatDecimal(this.raw, this.precision);
  }
  toJSON(): string {
    return this.toString();
  }
}
