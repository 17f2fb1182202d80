import { access } from 'node:fs/promises';
import { join } from 'node:path';
import { BAR_INTERVALS, type BarInterval, type FundingRate, type Instrument } from '@lib/model';
import { barFileName, fundingFileName, readBarCsv, readFundingCsv, type FundingRejection } from '../csv/market-data-csv.js';
import { fileSymbolOf } from '../instruments/symbol-map.js';
import { isRawBar, type BarCandidate } from '../validation/bar-candidate.js';
import { parseBarCandidate } from '../validation/bar-validator.js';

export class DataFileError extends Error {
  readonly code = 'DATA.MISSING_FILE';
  constructor(message: string) {
    super(message);
    this.name = 'DataFileError';
  }
}

export interface BacktestFeedOptions {
  readonly dataDir: string;
  /** File prefix: `binance`, `bybit`. */
  readonly source: string;
  readonly interval: BarInterval;
  readonly instruments: readonly Instrument[];
  /** Inclusive, ms UTC: bars opening at or after it, funding settling after it. */
  readonly from?: number | null;
  /** Exclusive, ms UTC: bars opening before it, funding settling at or before it. */
  readonly to?: number | null;
}

/**
 * One input of a backtest, at its event time `ts`: a bar at its CLOSE time (it is unknown
 * before), a funding rate at its settlement time. Bars are candidates for the DataEngine, which
 * validates them, so a bad line in a file is rejected and counted, not silently dropped. Lines
 * whose content is valid were parsed at load (a Bar with its source and line); the others stay
 * raw, for the engine to reject with their reason.
 */
export type FeedItem =
  | { readonly kind: 'bar'; readonly ts: number; readonly instrumentId: string; readonly bar: BarCandidate }
  | { readonly kind: 'funding'; readonly ts: number; readonly instrumentId: string; readonly funding: FundingRate };

export interface FeedSeries {
  readonly instrumentId: string;
  /** Bars in file order. */
  readonly bars: readonly BarCandidate[];
  /** Funding in file order (already parsed; empty when the source has no funding file). */
  readonly funding: readonly FundingRate[];
}

const KIND_RANK = { bar: 0, funding: 1 } as const;
const INTEGER = /^-?\d+$/;

function openTimeOf(bar: BarCandidate): number {
  if (!isRawBar(bar)) return Number.isSafeInteger(bar.tsOpen) ? bar.tsOpen : NaN;
  const ts = typeof bar.ts === 'number' ? bar.ts : typeof bar.ts === 'string' && INTEGER.test(bar.ts.trim()) ? Number(bar.ts.trim()) : NaN;
  return Number.isSafeInteger(ts) ? ts : NaN;
}

/**
 * The recorded market data of a backtest, every instrument merged into one deterministic
 * sequence ordered by (event time, kind, instrument id): bars at their close time, and funding
 * at ts after the bars closing at that ts. Files are read and parsed once, up front (decimals
 * into Price/Quantity, exactly); iterating is walking an array.
 *
 * Within one file the order of lines is kept: a line with an unreadable or earlier timestamp
 * is placed at the time of the line before it, so the validator sees it where it was written
 * (and rejects it) while the event time of the sequence never goes backwards.
 */
export class BacktestFeed implements Iterable<FeedItem> {
  private constructor(
    private readonly items: readonly FeedItem[],
    readonly interval: BarInterval,
    readonly barCount: number,
    readonly fundingCount: number,
    /** Open time of the first bar (or the first event if earlier): where a backtest clock starts. */
    readonly startTs: number,
    /** Event time of the last item. */
    readonly endTs: number,
    readonly barCounts: Readonly<Record<string, number>>,
    readonly fundingCounts: Readonly<Record<string, number>>,
    readonly fundingRejections: readonly FundingRejection[],
    readonly files: readonly string[],
  ) {}

  /** Reads `{source}_{SYMBOL}_{interval}.csv` (required) and `{source}_{SYMBOL}_funding_8h.csv` (if present) for each instrument. */
  static async load(options: BacktestFeedOptions): Promise<BacktestFeed> {
    const { dataDir, source, interval, instruments } = options;
    const loaded = await Promise.all(
      instruments.map(async (instrument) => {
        const symbol = fileSymbolOf(instrument);
        const barPath = join(dataDir, barFileName(source, symbol, interval));
        if (!(await exists(barPath))) {
          throw new DataFileError(`no ${source} ${interval} bars for ${instrument.id}: ${barPath} does not exist`);
        }
        const bars = await readBarCsv(barPath, { instrumentId: instrument.id, interval, source });
        const fundingPath = join(dataDir, fundingFileName(source, symbol));
        if (!(await exists(fundingPath))) return { series: { instrumentId: instrument.id, bars, funding: [] }, files: [barPath], rejections: [] };
        const parsed = await readFundingCsv(fundingPath, instrument.id, source);
        const funding = parsed.rows.map((r) => r.rate);
        return { series: { instrumentId: instrument.id, bars, funding }, files: [barPath, fundingPath], rejections: parsed.rejections };
      }),
    );
    const series: FeedSeries[] = loaded.map((l) => l.series);
    const files = loaded.flatMap((l) => l.files);
    const fundingRejections = loaded.flatMap((l) => l.rejections);
    return BacktestFeed.fromSeries(series, { interval, from: options.from, to: options.to, fundingRejections, files });
  }

  /** Builds a feed from series already in memory (file order kept per series). */
  static fromSeries(
    series: readonly FeedSeries[],
    options: { interval: BarInterval; from?: number | null; to?: number | null; fundingRejections?: readonly FundingRejection[]; files?: readonly string[] },
  ): BacktestFeed {
    const { interval } = options;
    const from = options.from ?? null;
    const to = options.to ?? null;
    const ms = BAR_INTERVALS[interval];
    const items: FeedItem[] = [];
    const barCounts: Record<string, number> = {};
    const fundingCounts: Record<string, number> = {};
    let barCount = 0;
    let fundingCount = 0;

    for (const s of series) {
      const times = eventTimes(s.bars, ms);
      let n = 0;
      for (let i = 0; i < s.bars.length; i++) {
        const ts = times[i]!;
        const open = ts - ms;
        if ((from !== null && open < from) || (to !== null && open >= to)) continue;
        // Parsed once here, so replaying the feed costs the engine comparisons, not decimal parsing.
        const candidate = s.bars[i]!;
        const parsed = parseBarCandidate(candidate);
        items.push({ kind: 'bar', ts, instrumentId: s.instrumentId, bar: parsed.ok ? parsed.bar : candidate });
        n++;
      }
      barCounts[s.instrumentId] = (barCounts[s.instrumentId] ?? 0) + n;
      barCount += n;
      let f = 0;
      for (const rate of s.funding) {
        if ((from !== null && rate.ts <= from) || (to !== null && rate.ts > to)) continue;
        items.push({ kind: 'funding', ts: rate.ts, instrumentId: s.instrumentId, funding: rate });
        f++;
      }
      fundingCounts[s.instrumentId] = (fundingCounts[s.instrumentId] ?? 0) + f;
      fundingCount += f;
    }

    // Array.prototype.sort is stable: equal keys keep file order.
    items.sort((a, b) => a.ts - b.ts || KIND_RANK[a.kind] - KIND_RANK[b.kind] || (a.instrumentId < b.instrumentId ? -1 : a.instrumentId > b.instrumentId ? 1 : 0));

    const firstBar = items.find((i) => i.kind === 'bar');
    const first = items[0];
    const startTs = first === undefined ? (from ?? 0) : Math.min(first.ts, firstBar ? firstBar.ts - ms : first.ts);
    const endTs = items.at(-1)?.ts ?? startTs;
    return new BacktestFeed(items, interval, barCount, fundingCount, startTs, endTs, barCounts, fundingCounts, options.fundingRejections ?? [], options.files ?? []);
  }

  [Symbol.iterator](): Iterator<FeedItem> {
    return this.items[Symbol.iterator]();
  }

  get length(): number {
    return this.items.length;
  }

  /** The instruments present, sorted by id. */
  get instrumentIds(): string[] {
    return Object.keys(this.barCounts).sort();
  }
}

/**
 * Event time of each bar in file order: its close time, but never earlier than the line before
 * it (an unreadable or out-of-order line keeps its place). Lines before the first readable one
 * take its time.
 */
function eventTimes(bars: readonly BarCandidate[], ms: number): Float64Array {
  const times = new Float64Array(bars.length);
  let running = -Infinity;
  let firstKnown = -1;
  for (let i = 0; i < bars.length; i++) {
    const open = openTimeOf(bars[i]!);
    if (!Number.isNaN(open)) {
      running = Math.max(running, open + ms);
      if (firstKnown < 0) firstKnown = i;
    }
    times[i] = running;
  }
  const lead = firstKnown < 0 ? ms : times[firstKnown]!;
  for (let i = 0; i < (firstKnown < 0 ? bars.length : firstKnown); i++) times[i] = lead;
  return times;
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
