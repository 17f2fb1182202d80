import { FIXED_PRECISION } from '@lib/model';

/**
 * A raw fixed-point value (scaled by 10^scale, 10^9 by default) as its shortest exact decimal
 * ("1.5", "-0.000000001", "0"). Canonical by value, not by how the amount was written on the
 * wire: "1.50" and "1.5" give the same text.
 */
export function canonicalDecimal(raw: bigint, scale: number = FIXED_PRECISION): string {
  const negative = raw < 0n;
  const magnitude = negative ? -raw : raw;
  const unit = 10n ** BigInt(scale);
  const intPart = (magnitude / unit).toString();
  const frac = scale > 0 ? (magnitude % unit).toString().padStart(scale, '0').replace(/0+$/, '') : '';
  const body = frac.length > 0 ? `${intPart}.${frac}` : intPart;
  return negative ? `-${body}` : body;
}
