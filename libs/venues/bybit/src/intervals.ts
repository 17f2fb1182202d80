import { BAR_INTERVALS, isBarInterval, type BarInterval } from '@lib/model';
import { BybitHistoryError } from './bybit-errors.js';

/** Bybit v5 `interval` codes for the platform's bar intervals (https://bybit-exchange.github.io/docs/v5/market/kline). */
export const BYBIT_KLINE_INTERVALS: Readonly<Record<BarInterval, string>> = {
  '1m': '1',
  '5m': '5',
  '15m': '15',
  '1h': '60',
  '4h': '240',
  '1d': 'D',
};

export function intervalMs(interval: BarInterval): number {
  return BAR_INTERVALS[interval];
}

/** Checks a user-given interval (`4h`) against the intervals the platform understands. */
export function parseInterval(text: string): BarInterval {
  if (!isBarInterval(text)) {
    throw new BybitHistoryError('BYBIT.BAD_REQUEST', `interval '${text}' is not one of ${Object.keys(BAR_INTERVALS).join(', ')}`);
  }
  return text;
}
