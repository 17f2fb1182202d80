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

/** A price: raw scaled by 10^9, displayed with `precision` decimals. May be negative (spreads). */
export class Price {
  private constructor(
    readonly raw: bigint,
    readonly precision: number,
  ) {}

  static fromRaw(raw: bigint, precision: number): Price {
    assertPrecision(precision);
    if (decimalsOf(raw) > precision) {
      throw new FixedPointError('PRICE.PRECISION', `raw ${raw} has more decimals than precision ${precision}`);
    }
    return new Price(raw, precision);
  }

  /** Exact parse; `precision` defaults to the decimals written ('1.50' → 2). More significant decimals than `precision` is an error. */
  static parse(text: string, precision?: number): Price {
    const { raw, decimals, written } = parseDecimal(text);
    const p = precision ?? written;
    assertPrecision(p);
    if (decimals > p) throw new FixedPointError('PRICE.PRECISION', `price '${text}' has more than ${p} decimals`);
    return new Price(raw, p);
  }

  static fromNumber(value: number, precision: number, mode: RoundingMode = 'HALF_EVEN'): Price {
    return new Price(numberToRaw(value, precision, mode), precision);
  }

  static zero(precision = 0): Price {
    return new Price(0n, precision);
  }

  plus(other: Price): Price {
    return new Price(this.raw + other.raw, Math.max(this.precision, other.precision));
  }

  minus(other: Price): Price {
    return new Price(this.raw - other.raw, Math.max(this.precision, other.precision));
  }

  /** Rounds onto a tick grid (tick given as a Price), keeping the tick's precision. */
  roundToTick(tick: Price, mode: RoundingMode): Price {
    return new Price(roundToIncrement(this.raw, tick.raw, mode), Math.max(tick.precision, 0));
  }

  withPrecision(precision: number, mode: RoundingMode): Price {
    return new Price(roundToPrecision(this.raw, precision, mode), precision);
  }

  compare(other: Price): -1 | 0 | 1 {
    return this.raw < other.raw ? -1 : this.raw > other.raw ? 1 : 0;
  }
  eq(other: Price): boolean {
    return this.raw === other.raw;
  }
  lt(other: Price): boolean {
    return this.raw < other.raw;
  }
  lte(other: Price): boolean {
    return this.raw <= other.raw;
  }
  gt(other: Price): boolean {
    return this.raw > other.raw;
  }
  gte(other: Price): boolean {
    return this.raw >= other.raw;
  }
  isPositive(): boolean {
    return this.raw > 0n;
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
