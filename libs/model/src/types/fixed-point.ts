/**
 * Fixed-point arithmetic shared by Price, Quantity and Money.
 *
 * Every amount is a bigint `raw` scaled by 10^9 (NautilusTrader's convention), so values of
 * different precision add without rescaling; `precision` only governs validation and display.
 */
export const FIXED_PRECISION = 9;
export const FIXED_SCALAR = 10n ** BigInt(FIXED_PRECISION);

export type RoundingMode =
  | 'HALF_EVEN' // banker's rounding
  | 'HALF_UP' // ties away from zero
  | 'DOWN' // toward zero (truncate)
  | 'UP' // away from zero
  | 'FLOOR' // toward -infinity
  | 'CEIL'; // toward +infinity

export class FixedPointError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'FixedPointError';
  }
}

const DECIMAL = /^([+-])?(\d+)(?:\.(\d*))?$|^([+-])?\.(\d+)$/;

/**
 * Parses a decimal string exactly into a raw value scaled by 10^9. Rejects exponents, NaN, and more than 9 decimals.
 * `decimals` counts the significant decimals ('1.50' → 1); `written` counts them as written ('1.50' → 2, at most 9),
 * which is the precision a price or quantity read from the wire must keep to re-encode identically.
 */
export function parseDecimal(text: string): { raw: bigint; decimals: number; written: number } {
  return parseDecimalFast(text) ?? parseDecimalGeneral(text);
}

const POW10: readonly bigint[] = Array.from({ length: FIXED_PRECISION + 1 }, (_, i) => 10n ** BigInt(i));

/**
 * The common case on the hot path (market data, stored events): `-?digits[.digits]` with at most
 * 15 significant digits, accumulated exactly in a double (integers < 2^53 are exact) and scaled
 * with one bigint multiplication. Anything else returns null and takes the general parser.
 */
function parseDecimalFast(text: string): { raw: bigint; decimals: number; written: number } | null {
  const n = text.length;
  let i = 0;
  let negative = false;
  if (n > 0 && text.charCodeAt(0) === 45 /* - */) {
    negative = true;
    i = 1;
  }
  let digits = 0;
  let count: number;
  let intDigits = 0;
  for (; i < n; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) break;
    digits = digits * 10 + c;
    intDigits++;
  }
  if (intDigits === 0) return null;
  count = intDigits;
  let written = 0;
  let decimals = 0;
  if (i < n) {
    if (text.charCodeAt(i) !== 46 /* . */) return null;
    i++;
    for (; i < n; i++) {
      const c = text.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      digits = digits * 10 + c;
      written++;
      if (c !== 0) decimals = written;
    }
    if (written === 0) return null;
  }
  count += written;
  if (count > 15 || written > FIXED_PRECISION) return null;
  const raw = BigInt(digits) * POW10[FIXED_PRECISION - written]!;
  return { raw: negative ? -raw : raw, decimals, written };
}

function parseDecimalGeneral(text: string): { raw: bigint; decimals: number; written: number } {
  const trimmed = text.trim();
  const m = DECIMAL.exec(trimmed);
  if (!m) throw new FixedPointError('FIXED.NOT_A_DECIMAL', `not a decimal number: '${text}'`);
  const sign = (m[1] ?? m[4]) === '-' ? -1n : 1n;
  const intPart = m[2] ?? '0';
  const fracPart = m[3] ?? m[5] ?? '';
  if (fracPart.length > FIXED_PRECISION) {
    // Trailing zeros beyond the scale are harmless; anything else would be silently lost.
    const excess = fracPart.slice(FIXED_PRECISION);
    if (/[^0]/.test(excess)) {
      throw new FixedPointError('FIXED.TOO_PRECISE', `'${text}' has more than ${FIXED_PRECISION} decimals`);
    }
  }
  const frac = fracPart.slice(0, FIXED_PRECISION).padEnd(FIXED_PRECISION, '0');
  const raw = sign * (BigInt(intPart) * FIXED_SCALAR + BigInt(frac));
  return {
    raw,
    decimals: Math.min(fracPart.replace(/0+$/, '').length, FIXED_PRECISION),
    written: Math.min(fracPart.length, FIXED_PRECISION),
  };
}

/** Formats a raw value with exactly `precision` decimals; the value must already be on that grid. */
export function formatDecimal(raw: bigint, precision: number): string {
  assertPrecision(precision);
  const negative = raw < 0n;
  const abs = negative ? -raw : raw;
  const intPart = abs / FIXED_SCALAR;
  const frac = (abs % FIXED_SCALAR).toString().padStart(FIXED_PRECISION, '0');
  const shown = frac.slice(0, precision);
  if (/[^0]/.test(frac.slice(precision))) {
    throw new FixedPointError('FIXED.PRECISION_LOSS', `raw ${raw} does not fit precision ${precision}; round first`);
  }
  const body = precision > 0 ? `${intPart}.${shown}` : `${intPart}`;
  return negative && raw !== 0n ? `-${body}` : body;
}

export function assertPrecision(precision: number): void {
  if (!Number.isInteger(precision) || precision < 0 || precision > FIXED_PRECISION) {
    throw new FixedPointError('FIXED.BAD_PRECISION', `precision must be an integer in [0, ${FIXED_PRECISION}], got ${precision}`);
  }
}

/** Integer division n / d with an explicit rounding mode (d > 0 or d < 0). */
export function divRound(n: bigint, d: bigint, mode: RoundingMode): bigint {
  if (d === 0n) throw new FixedPointError('FIXED.DIVIDE_BY_ZERO', 'division by zero');
  if (d < 0n) return divRound(-n, -d, mode);
  const q = n / d; // truncates toward zero
  const r = n % d;
  if (r === 0n) return q;
  const positive = n > 0n;
  switch (mode) {
    case 'DOWN':
      return q;
    case 'UP':
      return positive ? q + 1n : q - 1n;
    case 'FLOOR':
      return positive ? q : q - 1n;
    case 'CEIL':
      return positive ? q + 1n : q;
    case 'HALF_UP':
    case 'HALF_EVEN': {
      const twice = (r < 0n ? -r : r) * 2n;
      if (twice > d || (twice === d && (mode === 'HALF_UP' || (q & 1n) !== 0n))) {
        return positive ? q + 1n : q - 1n;
      }
      return q;
    }
  }
}

/** Rounds a raw value onto the grid of `precision` decimals. */
export function roundToPrecision(raw: bigint, precision: number, mode: RoundingMode): bigint {
  assertPrecision(precision);
  const step = 10n ** BigInt(FIXED_PRECISION - precision);
  return divRound(raw, step, mode) * step;
}

/** Rounds a raw value to a multiple of `incrementRaw` (tick or lot size). */
export function roundToIncrement(raw: bigint, incrementRaw: bigint, mode: RoundingMode): bigint {
  if (incrementRaw <= 0n) throw new FixedPointError('FIXED.BAD_INCREMENT', `increment must be positive, got ${incrementRaw}`);
  return divRound(raw, incrementRaw, mode) * incrementRaw;
}

/** Number of decimals needed to represent raw exactly. */
export function decimalsOf(raw: bigint): number {
  if (raw === 0n) return 0;
  let r = raw < 0n ? -raw : raw;
  let decimals = FIXED_PRECISION;
  while (decimals > 0 && r % 10n === 0n) {
    r /= 10n;
    decimals--;
  }
  return decimals;
}

/** Converts to a binary float: for indicators and statistics only, never for order maths. */
export function rawToNumber(raw: bigint): number {
  const intPart = raw / FIXED_SCALAR;
  const frac = raw % FIXED_SCALAR;
  return Number(intPart) + Number(frac) / 1e9;
}

const SHORTEST_DECIMAL = /^(-?)(\d+)(?:\.(\d+))?(?:e([+-]\d+))?$/;

/**
 * The single boundary from the float world (features, sizing) into fixed point. The number is
 * read as the decimal it prints as (0.3 is 0.3, not 0.29999999999999998…), then rounded once,
 * exactly, to `precision` decimals with `mode`.
 */
export function numberToRaw(value: number, precision: number, mode: RoundingMode): bigint {
  if (!Number.isFinite(value)) {
    throw new FixedPointError('FIXED.NOT_FINITE', `cannot convert non-finite number ${value} to fixed point`);
  }
  assertPrecision(precision);
  // String() gives the shortest decimal that reads back as the same double, possibly with an
  // exponent. toFixed(9) would not do: it rounds half away from zero first, whatever `mode` says.
  const m = SHORTEST_DECIMAL.exec(String(value));
  if (!m) throw new FixedPointError('FIXED.NOT_A_DECIMAL', `cannot read ${value} as a decimal`);
  const fraction = m[3] ?? '';
  const digits = BigInt(`${m[1]}${m[2]}${fraction}`); // value = digits × 10^exponent
  const shift = Number(m[4] ?? 0) - fraction.length + precision;
  const units = shift >= 0 ? digits * 10n ** BigInt(shift) : divRound(digits, 10n ** BigInt(-shift), mode);
  return units * 10n ** BigInt(FIXED_PRECISION - precision);
}
