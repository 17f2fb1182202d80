import type { Bar, BarInterval } from '../data/bar.js';
import { BAR_INTERVALS } from '../data/bar.js';
import type { InstrumentId } from '../identifiers/identifiers.js';
import { Field } from './codec.js';
import { defineEvent } from './domain-event.js';

const barIntervals = Object.keys(BAR_INTERVALS) as BarInterval[];

/** A validated bar, published after the cache holds it. tsEvent = the bar's close time. */
export class BarClosedEvent extends defineEvent('bar.closed', 1, {
  instrumentId: Field.string<InstrumentId>(),
  interval: Field.oneOf(barIntervals),
  tsOpen: Field.int(),
  open: Field.price(),
  high: Field.price(),
  low: Field.price(),
  close: Field.price(),
  volume: Field.quantity(),
}) {
  static of(bar: Bar): BarClosedEvent {
    return new BarClosedEvent({ ...bar, tsEvent: bar.tsClose });
  }
  get bar(): Bar {
    return {
      instrumentId: this.instrumentId,
      interval: this.interval,
      tsOpen: this.tsOpen,
      tsClose: this.tsEvent,
      open: this.open,
      high: this.high,
      low: this.low,
      close: this.close,
      volume: this.volume,
    };
  }
}

export const BAR_REJECTION_REASONS = [
  'BAR.MALFORMED',
  'BAR.NOT_A_NUMBER',
  'BAR.NON_POSITIVE_PRICE',
  'BAR.HIGH_BELOW_LOW',
  'BAR.OPEN_OUTSIDE_RANGE',
  'BAR.CLOSE_OUTSIDE_RANGE',
  'BAR.NEGATIVE_VOLUME',
  'BAR.OUT_OF_ORDER',
  'BAR.DUPLICATE',
  'BAR.MISALIGNED',
  'BAR.UNKNOWN_INSTRUMENT',
] as const;
export type BarRejectionReason = (typeof BAR_REJECTION_REASONS)[number];

/** A bar that failed validation: recorded with its reason, never shown to a strategy. */
export class BarRejectedEvent extends defineEvent('bar.rejected', 1, {
  instrumentId: Field.string(),
  source: Field.string(),
  line: Field.optional(Field.int()),
  tsOpen: Field.optional(Field.int()),
  reason: Field.oneOf(BAR_REJECTION_REASONS),
  detail: Field.string(),
}) {}

/** Bars missing between two accepted bars (a gap is reported, not filled with invented data). */
export class BarGapDetectedEvent extends defineEvent('bar.gap_detected', 1, {
  instrumentId: Field.string<InstrumentId>(),
  interval: Field.oneOf(barIntervals),
  fromTsOpen: Field.int(),
  toTsOpen: Field.int(),
  missingBars: Field.int(),
}) {}

/** A perpetual funding rate settling at tsEvent. */
export class FundingRateEvent extends defineEvent('funding.rate', 1, {
  instrumentId: Field.string<InstrumentId>(),
  rate: Field.rate(),
}) {}
