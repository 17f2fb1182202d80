import { Cache, type MarketDataSink } from '@lib/kernel';
import type { Bar, FundingRate } from '@lib/model';
import { DataEngine } from '../engine/data-engine.js';
import { openTestBus } from '../testing/message-bus.js';
import { BTC, ETH, SOL } from '../testing/instruments.js';
import { REAL_DATA_DIR, realDataLines } from '../testing/real-data.js';
import { isRawBar, type RawBar } from '../validation/bar-candidate.js';
import { BacktestFeed, DataFileError, type FeedItem } from './backtest-feed.js';

const H4 = 14_400_000;
const ALL = [BTC, ETH, SOL];
const rank = (i: FeedItem) => (i.kind === 'bar' ? 0 : 1);

function expectDeterministicOrder(items: FeedItem[]): void {
  for (let k = 1; k < items.length; k++) {
    const a = items[k - 1]!;
    const b = items[k]!;
    const ordered = a.ts < b.ts || (a.ts === b.ts && (rank(a) < rank(b) || (rank(a) === rank(b) && a.instrumentId < b.instrumentId)));
    if (!ordered) throw new Error(`items ${k - 1} and ${k} out of order: ${JSON.stringify([a.kind, a.ts, a.instrumentId])} then ${JSON.stringify([b.kind, b.ts, b.instrumentId])}`);
  }
}

describe('BacktestFeed', () => {
  it('merges the Bybit 4h bars and funding of three instruments in (event time, kind, instrument) order', async () => {
    const feed = await BacktestFeed.load({ dataDir: REAL_DATA_DIR, source: 'bybit', interval: '4h', instruments: [SOL, BTC, ETH] });
    expect(feed.barCount).toBe(3 * 3366);
    expect(feed.fundingCount).toBe(3 * 1682);
    expect(feed.length).toBe(3 * 3366 + 3 * 1682);
    expect(feed.barCounts).toEqual({ [SOL.id]: 3366, [BTC.id]: 3366, [ETH.id]: 3366 });
    expect(feed.startTs).toBe(Date.UTC(2023, 11, 18, 0));
    expect(feed.endTs).toBe(Date.UTC(2025, 6, 1, 0)); // close of the last bar (30 Jun 20:00)
    expect(feed.fundingRejections).toEqual([]);

    const items = [...feed];
    expectDeterministicOrder(items);
    // a bar's event time is its close
    const firstBar = items[0]!;
    if (firstBar.kind !== 'bar' || isRawBar(firstBar.bar)) throw new Error('expected a bar parsed at load');
    expect(firstBar.bar).toMatchObject({ tsOpen: Date.UTC(2023, 11, 18, 0), source: 'bybit', line: 2 });
    expect(firstBar.bar.open.toString()).toBe('41395.2');
    expect(firstBar.ts).toBe(Date.UTC(2023, 11, 18, 4));

    // the first funding (08:00) comes right after the three bars closing at 08:00
    const f = items.findIndex((i) => i.kind === 'funding');
    const t = Date.UTC(2023, 11, 18, 8);
    expect(items.slice(f - 3, f + 3).map((i) => `${i.kind}@${i.ts - t}:${i.instrumentId}`)).toEqual([
      `bar@0:${BTC.id}`,
      `bar@0:${ETH.id}`,
      `bar@0:${SOL.id}`,
      `funding@0:${BTC.id}`,
      `funding@0:${ETH.id}`,
      `funding@0:${SOL.id}`,
    ]);
    // and so everywhere: no funding at ts is followed by a bar closing at that ts
    const barAfterFunding = items.filter((b, k) => k > 0 && b.kind === 'bar' && items[k - 1]!.kind === 'funding' && items[k - 1]!.ts === b.ts);
    expect(barAfterFunding).toEqual([]);
  });

  it('has no funding for a source without funding files', async () => {
    const feed = await BacktestFeed.load({ dataDir: REAL_DATA_DIR, source: 'binance', interval: '4h', instruments: ALL });
    expect(feed.barCount).toBe(3 * 7662);
    expect(feed.fundingCount).toBe(0);
    expect(feed.startTs).toBe(Date.UTC(2022, 0, 1));
  });

  it('keeps bars opening in [from, to) and funding settling in (from, to]', async () => {
    const from = Date.UTC(2024, 0, 1);
    const to = Date.UTC(2024, 1, 1);
    const feed = await BacktestFeed.load({ dataDir: REAL_DATA_DIR, source: 'bybit', interval: '4h', instruments: [BTC], from, to });
    expect(feed.barCount).toBe(31 * 6);
    expect(feed.fundingCount).toBe(31 * 3);
    const items = [...feed];
    expect(items[0]).toMatchObject({ kind: 'bar', ts: from + H4 });
    expect(items.at(-2)).toMatchObject({ kind: 'bar', ts: to });
    expect(items.at(-1)).toMatchObject({ kind: 'funding', ts: to });
    expect(feed.startTs).toBe(from);
    expect(feed.endTs).toBe(to);
  });

  it('names the missing file when an instrument has no bars for the source', async () => {
    await expect(BacktestFeed.load({ dataDir: REAL_DATA_DIR, source: 'binance', interval: '1h', instruments: [BTC] })).rejects.toThrow(DataFileError);
    await expect(BacktestFeed.load({ dataDir: REAL_DATA_DIR, source: 'binance', interval: '1h', instruments: [BTC] })).rejects.toThrow(/binance_BTCUSDT_1h.csv does not exist/);
  });

  it('keeps a bad line where the file has it, without moving time backwards', async () => {
    const lines = realDataLines('binance_BTCUSDT_4h.csv').slice(0, 5);
    const rawBar = (i: number, ts?: string): RawBar => {
      const [t, open, high, low, close, volume] = lines[i]!.split(',') as [string, string, string, string, string, string];
      return { instrumentId: BTC.id, interval: '4h', source: 'binance', line: i + 2, ts: ts ?? t, open, high, low, close, volume, columns: 6 };
    };
    // file order: 0, 2, 1 (out of order), 'abc' (unreadable), 3, 4
    const feed = BacktestFeed.fromSeries([{ instrumentId: BTC.id, bars: [rawBar(0), rawBar(2), rawBar(1), rawBar(3, 'abc'), rawBar(3), rawBar(4)], funding: [] }], { interval: '4h' });
    const t0 = 1640995200000;
    const items = [...feed];
    expect(items.map((i) => (i.kind === 'bar' ? i.bar.line : null))).toEqual([2, 4, 3, 5, 5, 6]);
    expect(items.map((i) => (i.ts - t0) / H4)).toEqual([1, 3, 3, 3, 4, 5]);
    // valid content is parsed at load; the unreadable line stays raw for the engine to reject
    expect(items.map((i) => i.kind === 'bar' && isRawBar(i.bar))).toEqual([false, false, false, true, false, false]);

    const { bus } = await openTestBus();
    const cache = new Cache();
    cache.addInstrument(BTC);
    const engine = new DataEngine(bus, cache);
    for (const item of feed) if (item.kind === 'bar') engine.process(item.bar);
    expect(engine.rejectionCounts()).toMatchObject({ 'BAR.OUT_OF_ORDER': 1, 'BAR.NOT_A_NUMBER': 1 });
    expect(engine.acceptedCount).toBe(4);
    expect(engine.gapCount).toBe(1); // bar 1 was rejected, so 0 → 2 misses it
  });

  it('drives the DataEngine: every bar closing at ts reaches the venue before the funding at ts', async () => {
    const feed = await BacktestFeed.load({ dataDir: REAL_DATA_DIR, source: 'bybit', interval: '4h', instruments: ALL });
    const { bus } = await openTestBus();
    const cache = new Cache();
    for (const i of ALL) cache.addInstrument(i);
    const engine = new DataEngine(bus, cache);
    const lastClose = new Map<string, number>();
    let checked = 0;
    const late: FundingRate[] = [];
    const venue: MarketDataSink = {
      onBar: (bar: Bar) => void lastClose.set(bar.instrumentId, bar.tsClose),
      onFunding: (rate: FundingRate) => {
        if (lastClose.get(rate.instrumentId) !== rate.ts) late.push(rate);
        checked++;
      },
    };
    engine.addSink(venue);
    let now = -Infinity;
    let backwards = 0;
    for (const item of feed) {
      if (item.ts < now) backwards++;
      now = item.ts;
      if (item.kind === 'bar') engine.process(item.bar);
      else engine.processFunding(item.funding);
      if (bus.pendingWrites >= 1000) await bus.flush();
    }
    expect(engine.acceptedCount).toBe(3 * 3366);
    expect(engine.rejectedCount).toBe(0);
    expect(checked).toBe(3 * 1682);
    expect(late).toEqual([]);
    expect(backwards).toBe(0);
  });

  it('loads the three Bybit 1h files with their funding', async () => {
    const feed = await BacktestFeed.load({ dataDir: REAL_DATA_DIR, source: 'bybit', interval: '1h', instruments: ALL });
    expect(feed.barCount).toBe(3 * 13464);
    expect(feed.fundingCount).toBe(3 * 1682);
    let n = 0;
    for (const item of feed) if (item.kind === 'bar') n++;
    expect(n).toBe(feed.barCount);
  });
});
