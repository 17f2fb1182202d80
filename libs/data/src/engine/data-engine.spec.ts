import { join } from 'node:path';
import { Cache, Stage, type MarketDataSink, type MessageBus, type InMemoryEventStore } from '@lib/kernel';
import { BarClosedEvent, BarGapDetectedEvent, BarRejectedEvent, FundingRateEvent, type Bar, type FundingRate } from '@lib/model';
import { readBarCsv } from '../csv/market-data-csv.js';
import { openTestBus } from '../testing/message-bus.js';
import { BTC, ETH, SOL } from '../testing/instruments.js';
import { REAL_DATA_DIR, realBtcRawBar } from '../testing/real-data.js';
import { DataEngine } from './data-engine.js';

const raw = realBtcRawBar;

class RecordingSink implements MarketDataSink {
  constructor(private readonly trace: string[]) {}
  onBar(bar: Bar): void {
    this.trace.push(`sink.bar:${bar.tsOpen}`);
  }
  onFunding(rate: FundingRate): void {
    this.trace.push(`sink.funding:${rate.ts}`);
  }
}

describe('DataEngine', () => {
  let bus: MessageBus;
  let store: InMemoryEventStore;
  let cache: Cache;
  let engine: DataEngine;
  let trace: string[];

  beforeEach(async () => {
    ({ bus, store } = await openTestBus());
    cache = new Cache();
    for (const i of [BTC, ETH, SOL]) cache.addInstrument(i);
    engine = new DataEngine(bus, cache);
    trace = [];
    engine.addSink(new RecordingSink(trace));
    bus.subscribe(BarClosedEvent, Stage.STRATEGY, 'probe.closed', (e) => {
      // the cache already holds this bar (and nothing later) when bar.closed handlers run
      const last = cache.lastBar(e.instrumentId);
      trace.push(`closed:${e.tsOpen}:cache=${last?.tsOpen}`);
    });
    bus.subscribe(BarGapDetectedEvent, Stage.STRATEGY, 'probe.gap', (e) => trace.push(`gap:${e.fromTsOpen}-${e.toTsOpen}:${e.missingBars}:cache=${cache.lastBar(BTC.id)?.tsOpen}`));
    bus.subscribe(BarRejectedEvent, Stage.STRATEGY, 'probe.rejected', (e) => trace.push(`rejected:${e.reason}`));
    bus.subscribe(FundingRateEvent, Stage.STRATEGY, 'probe.funding', (e) => trace.push(`funding:${e.tsEvent}:${e.rate}`));
  });

  it('puts an accepted bar in the cache, then the sinks, then publishes bar.closed', () => {
    const verdict = engine.process(raw(0));
    expect(verdict.ok).toBe(true);
    const t0 = 1640995200000;
    expect(trace).toEqual([`sink.bar:${t0}`, `closed:${t0}:cache=${t0}`]);
    expect(engine.acceptedCount).toBe(1);
    expect(cache.lastBar(BTC.id)?.close.toString()).toBe('46813.2');
  });

  it('publishes bar.gap_detected before the bar, which is still accepted', () => {
    engine.process(raw(0));
    trace.length = 0;
    engine.process(raw(3));
    const [t0, t1, t2, t3] = [0, 1, 2, 3].map((i) => 1640995200000 + i * 14_400_000);
    expect(trace).toEqual([`gap:${t1}-${t2}:2:cache=${t0}`, `sink.bar:${t3}`, `closed:${t3}:cache=${t3}`]);
    expect(engine.gapCount).toBe(1);
    expect(engine.acceptedCount).toBe(2);
  });

  it('never lets a rejected bar reach the cache, the sinks or a bar.closed handler', () => {
    engine.process(raw(0));
    const before = cache.bars(BTC.id, 10);
    trace.length = 0;
    const verdict = engine.process(raw(1, { high: '46591.23', low: '47555.55' }));
    expect(verdict).toMatchObject({ ok: false, reason: 'BAR.HIGH_BELOW_LOW', detail: 'high 46591.23 < low 47555.55', line: 3 });
    engine.process(raw(0)); // duplicate
    engine.process({ ...raw(1), instrumentId: 'DOGEUSDT-PERP.BYBIT' });
    expect(trace).toEqual(['rejected:BAR.HIGH_BELOW_LOW', 'rejected:BAR.DUPLICATE', 'rejected:BAR.UNKNOWN_INSTRUMENT']);
    expect(cache.bars(BTC.id, 10)).toEqual(before);
    expect(engine.acceptedCount).toBe(1);
    expect(engine.rejectedCount).toBe(3);
    expect(engine.rejectionCounts()).toMatchObject({ 'BAR.HIGH_BELOW_LOW': 1, 'BAR.DUPLICATE': 1, 'BAR.UNKNOWN_INSTRUMENT': 1, 'BAR.MALFORMED': 0 });
    // the corrected bar is accepted afterwards: a rejection did not move the validator on
    expect(engine.process(raw(1)).ok).toBe(true);
  });

  it('records rejections with reason, detail, source and line in the event stream', async () => {
    engine.process(raw(0, { close: 'abc' }));
    await bus.flush();
    const env = store.events.find((e) => e.type === 'bar.rejected')!;
    expect(JSON.parse(env.payload)).toEqual({
      instrumentId: BTC.id,
      source: 'binance',
      line: 2,
      tsOpen: 1640995200000,
      reason: 'BAR.NOT_A_NUMBER',
      detail: expect.stringMatching(/^close 'abc' is not a decimal number/),
      tsEvent: 1640995200000 + 14_400_000,
    });
  });

  it('hands funding to the sinks before publishing it', () => {
    engine.process(raw(0));
    trace.length = 0;
    engine.processFunding({ instrumentId: BTC.id, ts: 1641024000000, rateRaw: -9_290n });
    expect(trace).toEqual(['sink.funding:1641024000000', 'funding:1641024000000:-9290']);
    expect(engine.fundingCount).toBe(1);
  });

  it('accepts a parsed Bar as well as a raw one', () => {
    const first = engine.process(raw(0));
    if (!first.ok) throw new Error('expected ok');
    const second = engine.process(raw(1));
    if (!second.ok) throw new Error('expected ok');
    expect(engine.process(first.bar)).toMatchObject({ ok: false, reason: 'BAR.OUT_OF_ORDER' });
  });

  it('takes a whole real Bybit file with no rejection', async () => {
    const candidates = await readBarCsv(join(REAL_DATA_DIR, 'bybit_ETHUSDT_4h.csv'), { instrumentId: ETH.id, interval: '4h', source: 'bybit' });
    for (const c of candidates) engine.process(c);
    expect(engine.acceptedCount).toBe(3366);
    expect(engine.rejectedCount).toBe(0);
    expect(engine.gapCount).toBe(0);
    expect(cache.lastBar(ETH.id)?.tsOpen).toBe(Date.UTC(2025, 5, 30, 20));
  });
});
