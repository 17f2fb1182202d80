import { BAR_INTERVALS, rawToNumber, type Bar, type FundingRate } from '@lib/model';

export const DAY_MS = BAR_INTERVALS['1d'];

/** A bar as the feature pipeline sees it: plain numbers. `tsClose` is when the bar becomes known. */
export interface FeatureBar {
  readonly tsOpen: number;
  readonly tsClose: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  /** Base-asset volume. */
  readonly volume: number;
}

/**
 * One daily Deribit DVOL candle (vol points: 70.91 means 70.91 % annualised). Only `close` is
 * used, and only once the day is over: at `dayOpen + 24h` or later, never earlier.
 */
export interface DvolCandle {
  /** Day open, ms UTC (00:00). */
  readonly dayOpen: number;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
}

/** A funding rate (fraction per funding interval) that settles at `ts` and is usable from `ts` on. */
export interface FundingPoint {
  readonly ts: number;
  readonly rate: number;
}

/** When a DVOL candle's close may first be used. */
export const dvolKnownAt = (candle: Pick<DvolCandle, 'dayOpen'>): number => candle.dayOpen + DAY_MS;

/**
 * The one place where the order world's fixed-point bars become feature numbers (see STYLE.md:
 * indicators work in `number`, the boundary converts once).
 */
export function toFeatureBar(bar: Bar): FeatureBar {
  return {
    tsOpen: bar.tsOpen,
    tsClose: bar.tsClose,
    open: bar.open.toNumber(),
    high: bar.high.toNumber(),
    low: bar.low.toNumber(),
    close: bar.close.toNumber(),
    volume: bar.volume.toNumber(),
  };
}

export function toFundingPoint(rate: FundingRate): FundingPoint {
  return { ts: rate.ts, rate: rawToNumber(rate.rateRaw) };
}

export type FeatureInputErrorCode =
  | 'FEATURES.BAD_BAR'
  | 'FEATURES.BAR_OUT_OF_ORDER'
  | 'FEATURES.BAR_GAP'
  | 'FEATURES.MISSING_BTC_BAR'
  | 'FEATURES.BTC_BAR_MISALIGNED'
  | 'FEATURES.BAD_DVOL'
  | 'FEATURES.DVOL_OUT_OF_ORDER'
  | 'FEATURES.BAD_FUNDING'
  | 'FEATURES.FUNDING_OUT_OF_ORDER'
  | 'FEATURES.NOT_FINITE';

/** Inputs the pipeline cannot use without guessing: corrupt state fails loudly, with a code. */
export class FeatureInputError extends Error {
  constructor(
    readonly code: FeatureInputErrorCode,
    message: string,
  ) {
    super(`${code}: ${message}`);
    this.name = 'FeatureInputError';
  }
}
