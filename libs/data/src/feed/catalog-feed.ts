import type { BarRepository } from '@lib/kernel';
import { instrumentId, parseDecimal, type BarInterval, type Instrument } from '@lib/model';
import { BacktestFeed, type FeedSeries } from './backtest-feed.js';
import type { RawBar } from '../validation/bar-candidate.js';

export interface CatalogFeedOptions {
  readonly interval: BarInterval;
  readonly instruments: readonly Instrument[];
  /** Inclusive open time (ms UTC); null = from the first stored bar. */
  readonly from: number | null;
  /** Exclusive open time (ms UTC); null = to the last stored bar. */
  readonly to: number | null;
}

const END_OF_TIME = Number.MAX_SAFE_INTEGER;

/**
 * A backtest feed read from the bar catalog in the store (what `npm run import` or the ccxt
 * ingestion wrote) instead of CSV files. Bars come back as raw decimal strings, so they pass the
 * same validation as a file's rows.
 */
export async function loadCatalogFeed(repository: BarRepository, options: CatalogFeedOptions): Promise<BacktestFeed> {
  const from = options.from ?? 0;
  const to = options.to ?? END_OF_TIME;
  const series: FeedSeries[] = [];
  for (const instrument of options.instruments) {
    const rows = await repository.readBars(instrument.id, options.interval, from, to);
    const funding = await repository.readFunding(instrument.id, from, to + 1);
    const bars: RawBar[] = rows.map((r) => ({
      instrumentId: r.instrumentId,
      interval: options.interval,
      source: r.source,
      line: null,
      ts: r.tsOpen,
      open: r.open,
      high: r.high,
      low: r.low,
      close: r.close,
      volume: r.volume,
    }));
    series.push({
      instrumentId: instrument.id,
      bars,
      funding: funding.map((f) => ({ instrumentId: instrumentId(f.instrumentId), ts: f.ts, rateRaw: parseDecimal(f.rate).raw })),
    });
  }
  return BacktestFeed.fromSeries(series, { interval: options.interval, from: options.from, to: options.to, files: ['catalog'] });
}
