import type { InstrumentId } from '../identifiers/identifiers.js';
import type { Price } from '../types/price.js';
import type { Quantity } from '../types/quantity.js';

/** Bar resolutions the platform understands, with their length in milliseconds. */
export const BAR_INTERVALS = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '4h': 14_400_000, '1d': 86_400_000 } as const;
export type BarInterval = keyof typeof BAR_INTERVALS;

export function isBarInterval(text: string): text is BarInterval {
  return Object.prototype.hasOwnProperty.call(BAR_INTERVALS, text);
}

/**
 * An OHLCV bar. `tsOpen` is the open time (as in the data files); the bar is only known once it
 * has closed, at `tsClose = tsOpen + interval`, which is its event time.
 */
export interface Bar {
  readonly instrumentId: InstrumentId;
  readonly interval: BarInterval;
  readonly tsOpen: number;
  readonly tsClose: number;
  readonly open: Price;
  readonly high: Price;
  readonly low: Price;
  readonly close: Price;
  readonly volume: Quantity;
}

/** Perpetual funding rate that settles at `ts` (a fraction per funding interval, as a raw fixed-point value). */
export interface FundingRate {
  readonly instrumentId: InstrumentId;
  readonly ts: number;
  readonly rateRaw: bigint;
}
