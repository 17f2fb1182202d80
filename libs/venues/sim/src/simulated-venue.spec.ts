import type { ExecutionReport, ExecutionReportSink } from '@lib/execution';
import { Cache, TestClock } from '@lib/kernel';
import {
  clientOrderId,
  FundingAppliedEvent,
  instrumentFromSpec,
  Order,
  OrderAcceptedEvent,
  OrderCanceledEvent,
  OrderFilledEvent,
  OrderInitializedEvent,
  OrderRejectedEvent,
  OrderSubmittedEvent,
  OrderTriggeredEvent,
  parseDecimal,
  Price,
  Quantity,
  strategyId,
  type Bar,
  type FundingRate,
  type Instrument,
  type InstrumentSpec,
  type OrderSide,
  type OrderType,
  type TimeInForce,
} from '@lib/model';
import { FOUR_HOURS, loadBars, sharedDataLines } from '../../../../test/support/real-bars.js';
import { SimulatedVenue, SimulatedVenueError } from './simulated-venue.js';
import { SimulatedVenueConfigError, type SimulatedVenueConfig } from './simulated-venue.config.js';

// ---------------------------------------------------------------------------------------------
// Real Bybit data, parsed as decimals (never through binary floats).
// ---------------------------------------------------------------------------------------------
const bybitSpec = (symbol: string, tickSize: string, lotSize: string): InstrumentSpec => ({
  id: `${symbol}-PERP.BYBIT`,
  base: symbol.replace('USDT', ''),
  quote: 'USDT',
  settlement: 'USDT',
  tickSize,
  lotSize,
  minQuantity: lotSize,
  maxQuantity: '1190',
  minNotional: '5',
  makerFee: '0.0002',
  takerFee: '0.00055',
});
const BTC = instrumentFromSpec(bybitSpec('BTCUSDT', '0.1', '0.001'));
const ETH = instrumentFromSpec(bybitSpec('ETHUSDT', '0.01', '0.01'));

function loadFunding(file: string, instrument: Instrument): Map<number, FundingRate> {
  return new Map(
    sharedDataLines(file).map((line) => {
      const [ts, rate] = line.split(',') as [string, string];
      return [Number(ts), { instrumentId: instrument.id, ts: Number(ts), rateRaw: parseDecimal(rate).raw }];
    }),
  );
}

const BTC_BARS = loadBars('bybit_BTCUSDT_4h.csv', BTC);
const ETH_BARS = loadBars('bybit_ETHUSDT_4h.csv', ETH);
const BTC_FUNDING = loadFunding('bybit_BTCUSDT_funding_8h.csv', BTC);
// 2023-12-18 rows 0..4 (values copied from the CSV for readability):
//   [0] 00:00 o 41395.2 h 41482   l 40810   c 41107.5 v 23819.817
//   [1] 04:00 o 41107.5 h 41348.3 l 41021   c 41160.3 v 13666.413
//   [2] 08:00 o 41160.3 h 41284.5 l 40566   c 41149.2 v 37833.715
//   [3] 12:00 o 41149.2 h 41776.9 l 40922.1 c 41278.9 v 33254.612
const bar = (i: number): Bar => BTC_BARS[i]!;
const barAt = (bars: Bar[], tsOpen: number): number => bars.findIndex((b) => b.tsOpen === tsOpen);

// ---------------------------------------------------------------------------------------------
// Harness: the venue wired to a sink that applies every report to its Order, so an illegal
// transition fails the test. Bars go clock → cache → venue, as the DataEngine does.
// ---------------------------------------------------------------------------------------------
interface OrderArgs {
  side: OrderSide;
  type?: OrderType;
  qty: string;
  price?: string;
  trigger?: string;
  tif?: TimeInForce;
  reduceOnly?: boolean;
  instrument?: Instrument;
}

class Harness implements ExecutionReportSink {
  readonly cache = new Cache();
  readonly clock = new TestClock(0);
  readonly venue: SimulatedVenue;
  readonly reports: ExecutionReport[] = [];
  readonly orders = new Map<string, Order>();
  private seq = 0;

  constructor(config: Partial<SimulatedVenueConfig> = {}, instruments: Instrument[] = [BTC, ETH]) {
    for (const i of instruments) this.cache.addInstrument(i);
    this.venue = new SimulatedVenue(config, this.cache, this.clock);
    this.venue.connect(this);
  }

  report(event: ExecutionReport): void {
    this.reports.push(event);
    if (!(event instanceof FundingAppliedEvent)) this.orders.get(event.clientOrderId)!.apply(event);
  }

  bar(b: Bar): ExecutionReport[] {
    const from = this.reports.length;
    this.clock.advanceTo(b.tsClose);
    this.cache.addBar(b);
    this.venue.onBar(b);
    return this.reports.slice(from);
  }

  funding(rate: FundingRate): ExecutionReport[] {
    const from = this.reports.length;
    this.clock.advanceTo(rate.ts);
    this.venue.onFunding(rate);
    return this.reports.slice(from);
  }

  submit(args: OrderArgs): Order {
    const instrument = args.instrument ?? BTC;
    const now = this.clock.now();
    const order = Order.initialize(
      new OrderInitializedEvent({
        clientOrderId: clientOrderId(`O-${++this.seq}`),
        strategyId: strategyId('test'),
        instrumentId: instrument.id,
        side: args.side,
        orderType: args.type ?? 'MARKET',
        quantity: Quantity.parse(args.qty),
        price: args.price === undefined ? null : Price.parse(args.price),
        triggerPrice: args.trigger === undefined ? null : Price.parse(args.trigger),
        timeInForce: args.tif ?? 'GTC',
        reduceOnly: args.reduceOnly ?? false,
        tag: null,
        tsEvent: now,
      }),
    );
    this.orders.set(order.clientOrderId, order);
    order.apply(new OrderSubmittedEvent({ clientOrderId: order.clientOrderId, instrumentId: order.instrumentId, tsEvent: now }));
    this.venue.submit(order);
    return order;
  }

  fills(order?: Order): OrderFilledEvent[] {
    return this.reports.filter((r): r is OrderFilledEvent => r instanceof OrderFilledEvent && (!order || r.clientOrderId === order.clientOrderId));
  }
}

const kinds = (events: ExecutionReport[]) => events.map((e) => `${e.type}:${'clientOrderId' in e ? e.clientOrderId : e.instrumentId}`);
const cancelReason = (events: ExecutionReport[]) => events.filter((e): e is OrderCanceledEvent => e instanceof OrderCanceledEvent).map((e) => e.reason);
const raw = (text: string) => parseDecimal(text).raw;

describe('SimulatedVenue: submission', () => {
  it('accepts a valid order with a deterministic venue order id at the current time and does not fill it yet', () => {
    const h = new Harness();
    h.bar(bar(0));
    const order = h.submit({ side: 'BUY', qty: '0.010' });
    expect(h.reports).toHaveLength(1);
    const accepted = h.reports[0] as OrderAcceptedEvent;
    expect(accepted).toBeInstanceOf(OrderAcceptedEvent);
    expect(accepted.venueOrderId).toBe('SIM-1');
    expect(accepted.tsEvent).toBe(bar(0).tsClose);
    expect(order.status).toBe('ACCEPTED');
    expect(h.venue.isWorking(order.clientOrderId)).toBe(true);
  });

  it.each([
    ['unknown instrument', { side: 'BUY', qty: '1', instrument: instrumentFromSpec(bybitSpec('SOLUSDT', '0.01', '0.1')) }, 'SIM.UNKNOWN_INSTRUMENT'],
    ['quantity off the lot grid', { side: 'BUY', qty: '0.0105' }, 'SIM.QUANTITY_PRECISION'],
    ['limit price off the tick grid', { side: 'BUY', type: 'LIMIT', qty: '0.010', price: '41000.05' }, 'SIM.PRICE_PRECISION'],
    ['trigger price off the tick grid', { side: 'SELL', type: 'STOP_MARKET', qty: '0.010', trigger: '40000.01' }, 'SIM.PRICE_PRECISION'],
    ['non-positive limit price', { side: 'BUY', type: 'LIMIT', qty: '0.010', price: '0' }, 'SIM.INVALID_PRICE'],
    ['quantity above the maximum', { side: 'BUY', qty: '1191' }, 'SIM.MAX_QUANTITY'],
  ] as Array<[string, OrderArgs, string]>)('rejects %s', (_name, args, code) => {
    const h = new Harness();
    const order = h.submit(args);
    expect(h.reports).toHaveLength(1);
    expect(h.reports[0]).toBeInstanceOf(OrderRejectedEvent);
    expect((h.reports[0] as OrderRejectedEvent).reason.startsWith(`${code}:`)).toBe(true);
    expect(order.status).toBe('REJECTED');
    // A rejected order never trades.
    h.bar(bar(0));
    expect(h.reports).toHaveLength(1);
  });

  it('rejects below the minimum quantity', () => {
    const fine = instrumentFromSpec({ ...bybitSpec('BTCUSDT', '0.1', '0.001'), minQuantity: '0.005' });
    const h = new Harness({}, [fine]);
    h.submit({ side: 'BUY', qty: '0.004', instrument: fine });
    expect((h.reports[0] as OrderRejectedEvent).reason).toMatch(/^SIM\.MIN_QUANTITY:/);
  });

  it('refuses to submit the same order twice and to trade without a sink', () => {
    const h = new Harness();
    const order = h.submit({ side: 'BUY', qty: '0.010' });
    expect(() => h.venue.submit(order)).toThrow(SimulatedVenueError);
    const lonely = new SimulatedVenue({}, h.cache, h.clock);
    expect(() => lonely.submit(order)).toThrow(/no report sink/);
  });

  it('validates its config with the key and the reason', () => {
    const h = new Harness();
    expect(() => new SimulatedVenue({ slippageBps: -1 }, h.cache, h.clock)).toThrow(SimulatedVenueConfigError);
    expect(() => new SimulatedVenue({ volumeShareCap: 0 }, h.cache, h.clock)).toThrow(/volumeShareCap/);
    expect(() => new SimulatedVenue({ volumeShareCap: 1.5 }, h.cache, h.clock)).toThrow(/volumeShareCap/);
    expect(() => new SimulatedVenue({ slippageBps: Number.NaN }, h.cache, h.clock)).toThrow(/slippageBps/);
  });
});

describe('SimulatedVenue: market orders', () => {
  it('fills a buy at the next bar open plus 2 bps, rounded up to the tick, with the exact taker fee', () => {
    const h = new Harness();
    h.bar(bar(0));
    const order = h.submit({ side: 'BUY', qty: '0.010' });
    const events = h.bar(bar(1));
    expect(kinds(events)).toEqual(['order.filled:O-1']);
    const fill = events[0] as OrderFilledEvent;
    // open 41107.5 × 1.0002 = 41115.72150 → up to the 0.1 tick: 41115.8
    expect(fill.lastPx.toString()).toBe('41115.8');
    expect(fill.lastPx.raw).toBe(41_115_800_000_000n);
    // notional 41115.8 × 0.010 = 411.158 USDT; × 0.00055 = 0.2261369 USDT → raw (10^9) 226 136 900
    expect(fill.commission.raw).toBe(226_136_900n);
    expect(fill.commission.currency).toBe('USDT');
    expect(fill.liquidity).toBe('TAKER');
    expect(fill.lastQty.toString()).toBe('0.010');
    expect(fill.tradeId).toBe('SIM-T-1');
    expect(fill.venueOrderId).toBe('SIM-1');
    expect(fill.tsEvent).toBe(bar(1).tsOpen);
    expect(order.status).toBe('FILLED');
    expect(h.venue.position(BTC.id)).toBe(10_000_000n);
    expect(h.venue.isWorking(order.clientOrderId)).toBe(false);
  });

  it('fills a sell at the next open minus 2 bps, rounded down to the tick', () => {
    const h = new Harness();
    h.bar(bar(0));
    h.submit({ side: 'SELL', qty: '0.010' });
    const fill = h.bar(bar(1))[0] as OrderFilledEvent;
    // 41107.5 × 0.9998 = 41099.27850 → down: 41099.2; fee 411.0 × ... = 41099.2 × 0.01 × 0.00055 = 0.2260456
    expect(fill.lastPx.toString()).toBe('41099.2');
    expect(fill.commission.raw).toBe(226_045_600n);
    expect(h.venue.position(BTC.id)).toBe(-10_000_000n);
  });

  it('rounds the commission up at the 10^-9 scale when the product does not fit', () => {
    const fine = instrumentFromSpec({ ...bybitSpec('XUSDT', '0.001', '0.001'), minQuantity: '0.001' });
    const h = new Harness({ slippageBps: 0 }, [fine]);
    const b = (tsOpen: number, open: string): Bar => ({
      instrumentId: fine.id,
      interval: '4h',
      tsOpen,
      tsClose: tsOpen + FOUR_HOURS,
      open: Price.parse(open),
      high: Price.parse(open),
      low: Price.parse(open),
      close: Price.parse(open),
      volume: Quantity.parse('1000'),
    });
    h.bar(b(0, '1.234'));
    h.submit({ side: 'BUY', qty: '0.001', instrument: fine });
    const fill = h.bar(b(FOUR_HOURS, '1.234'))[0] as OrderFilledEvent;
    // 1.234 × 0.001 = 0.001234; × 0.00055 = 0.0000006787 → 678.7 raw → up: 679
    expect(fill.commission.raw).toBe(679n);
  });

  it('never fills on the bar it was submitted after, even when that bar reaches the venue late', () => {
    const h = new Harness();
    h.bar(bar(0));
    h.bar(bar(1));
    const order = h.submit({ side: 'BUY', qty: '0.010' });
    // The same bar handed to the venue again (a late or repeated delivery) must not fill it.
    h.venue.onBar(bar(1));
    expect(h.fills()).toHaveLength(0);
    h.bar(bar(2));
    expect(h.fills(order)[0]!.tsEvent).toBe(bar(2).tsOpen);
  });

  it('does not fill an order on another instrument on that instrument\'s bar for the same period (no look-ahead)', () => {
    const h = new Harness();
    h.bar(BTC_BARS[0]!);
    h.bar(ETH_BARS[0]!);
    h.bar(BTC_BARS[1]!);
    // Strategy reacts to the BTC bar closing at 08:00 with an ETH order; the ETH bar of 04:00-08:00 arrives next.
    const eth = h.submit({ side: 'BUY', qty: '0.10', instrument: ETH });
    expect(h.bar(ETH_BARS[1]!)).toEqual([]);
    const events = h.bar(ETH_BARS[2]!);
    const fill = events[0] as OrderFilledEvent;
    // ETH [2] opens 2170.05 × 1.0002 = 2170.48401 → up to 0.01: 2170.49
    expect(fill.lastPx.toString()).toBe('2170.49');
    expect(fill.tsEvent).toBe(ETH_BARS[2]!.tsOpen);
    expect(eth.status).toBe('FILLED');
  });
});

describe('SimulatedVenue: limit orders (conservative: the bar must trade through)', () => {
  it('does not fill a buy limit the low only touches, fills one the low trades through at the limit as maker', () => {
    const h = new Harness();
    h.bar(bar(0));
    h.bar(bar(1));
    const touched = h.submit({ side: 'BUY', type: 'LIMIT', qty: '0.010', price: '40566.0' });
    const through = h.submit({ side: 'BUY', type: 'LIMIT', qty: '0.010', price: '40566.1' });
    const events = h.bar(bar(2)); // low 40566
    expect(kinds(events)).toEqual(['order.filled:O-2']);
    const fill = events[0] as OrderFilledEvent;
    expect(fill.lastPx.toString()).toBe('40566.1');
    expect(fill.liquidity).toBe('MAKER');
    // 40566.1 × 0.010 = 405.661 × 0.0002 = 0.0811322
    expect(fill.commission.raw).toBe(81_132_200n);
    expect(fill.tsEvent).toBe(bar(2).tsClose);
    expect(touched.status).toBe('ACCEPTED');
    expect(through.status).toBe('FILLED');
  });

  it('does not fill a sell limit the high only touches, fills one the high trades through', () => {
    const h = new Harness();
    h.bar(bar(1));
    const touched = h.submit({ side: 'SELL', type: 'LIMIT', qty: '0.010', price: '41284.5' });
    const through = h.submit({ side: 'SELL', type: 'LIMIT', qty: '0.010', price: '41284.4' });
    h.bar(bar(2)); // high 41284.5
    expect(touched.status).toBe('ACCEPTED');
    expect(through.status).toBe('FILLED');
    expect(h.fills(through)[0]!.lastPx.toString()).toBe('41284.4');
  });

  it('fills at the open, as taker, when the bar opens through the limit (gap)', () => {
    const h = new Harness();
    h.bar(bar(1)); // close 41160.3
    const buy = h.submit({ side: 'BUY', type: 'LIMIT', qty: '0.010', price: '41200.0' });
    const sell = h.submit({ side: 'SELL', type: 'LIMIT', qty: '0.010', price: '41100.0' });
    const events = h.bar(bar(2)); // opens 41160.3
    expect(kinds(events)).toEqual(['order.filled:O-1', 'order.filled:O-2']);
    for (const order of [buy, sell]) {
      const fill = h.fills(order)[0]!;
      expect(fill.lastPx.toString()).toBe('41160.3');
      expect(fill.liquidity).toBe('TAKER');
      expect(fill.tsEvent).toBe(bar(2).tsOpen);
    }
  });

  it('keeps a GTC limit working across bars until the market trades through it', () => {
    const h = new Harness();
    h.bar(bar(0));
    const order = h.submit({ side: 'BUY', type: 'LIMIT', qty: '0.010', price: '40800.0' });
    expect(h.bar(bar(1))).toEqual([]); // low 41021
    const events = h.bar(bar(2)); // low 40566
    expect((events[0] as OrderFilledEvent).lastPx.toString()).toBe('40800.0');
    expect((events[0] as OrderFilledEvent).liquidity).toBe('MAKER');
    expect(order.status).toBe('FILLED');
  });

  it('gives IOC and FOK limits exactly one bar, then cancels them', () => {
    const h = new Harness();
    h.bar(bar(0));
    const ioc = h.submit({ side: 'BUY', type: 'LIMIT', qty: '0.010', price: '40800.0', tif: 'IOC' });
    const fok = h.submit({ side: 'BUY', type: 'LIMIT', qty: '0.010', price: '40800.0', tif: 'FOK' });
    const events = h.bar(bar(1)); // low 41021: not fillable
    expect(kinds(events)).toEqual(['order.canceled:O-1', 'order.canceled:O-2']);
    expect(cancelReason(events)).toEqual(['SIM.IOC_UNFILLED', 'SIM.FOK_UNFILLABLE']);
    expect(events.every((e) => e.tsEvent === bar(1).tsClose)).toBe(true);
    expect([ioc.status, fok.status]).toEqual(['CANCELED', 'CANCELED']);
    expect(h.bar(bar(2))).toEqual([]); // would have filled here: too late
  });

  it('charges an IOC limit filled intrabar as taker (it never rested)', () => {
    const h = new Harness();
    h.bar(bar(1));
    h.submit({ side: 'BUY', type: 'LIMIT', qty: '0.010', price: '40800.0', tif: 'IOC' });
    const fill = h.bar(bar(2))[0] as OrderFilledEvent;
    expect(fill.liquidity).toBe('TAKER');
    expect(fill.lastPx.toString()).toBe('40800.0');
  });
});

describe('SimulatedVenue: stop-market orders', () => {
  it('triggers a sell stop when the low reaches the trigger and fills at the trigger minus slippage', () => {
    const h = new Harness();
    h.bar(bar(1));
    const order = h.submit({ side: 'SELL', type: 'STOP_MARKET', qty: '0.010', trigger: '40600.0' });
    const events = h.bar(bar(2)); // open 41160.3, low 40566
    expect(kinds(events)).toEqual(['order.triggered:O-1', 'order.filled:O-1']);
    expect((events[0] as OrderTriggeredEvent).triggerPrice.toString()).toBe('40600.0');
    const fill = events[1] as OrderFilledEvent;
    // min(open, trigger) = 40600.0; × 0.9998 = 40591.88 → down: 40591.8
    expect(fill.lastPx.toString()).toBe('40591.8');
    expect(fill.liquidity).toBe('TAKER');
    expect(fill.tsEvent).toBe(bar(2).tsClose);
    expect(order.status).toBe('FILLED');
  });

  it('triggers a buy stop when the high equals the trigger (>=), fills at the trigger plus slippage', () => {
    const h = new Harness();
    h.bar(bar(1));
    h.submit({ side: 'BUY', type: 'STOP_MARKET', qty: '0.010', trigger: '41284.5' });
    const fill = h.bar(bar(2))[1] as OrderFilledEvent; // high 41284.5
    // 41284.5 × 1.0002 = 41292.7569 → up: 41292.8
    expect(fill.lastPx.toString()).toBe('41292.8');
  });

  it('does not trigger a stop the bar does not reach', () => {
    const h = new Harness();
    h.bar(bar(1));
    const order = h.submit({ side: 'BUY', type: 'STOP_MARKET', qty: '0.010', trigger: '41284.6' });
    expect(h.bar(bar(2))).toEqual([]);
    expect(order.status).toBe('ACCEPTED');
  });

  it('on a gap through the trigger, triggers at the open and fills at the open plus slippage', () => {
    const h = new Harness();
    h.bar(bar(1)); // close 41160.3
    h.submit({ side: 'BUY', type: 'STOP_MARKET', qty: '0.010', trigger: '41000.0' });
    const events = h.bar(bar(2)); // opens 41160.3 above the trigger
    expect(kinds(events)).toEqual(['order.triggered:O-1', 'order.filled:O-1']);
    expect(events.every((e) => e.tsEvent === bar(2).tsOpen)).toBe(true);
    // max(open, trigger) = 41160.3 × 1.0002 = 41168.53206 → up: 41168.6
    expect((events[1] as OrderFilledEvent).lastPx.toString()).toBe('41168.6');
  });

  it('when a bar touches both a stop-loss and a take-profit, the stop (adverse) happens first', () => {
    const h = new Harness();
    h.bar(bar(0));
    h.submit({ side: 'BUY', qty: '0.010' });
    h.bar(bar(1)); // long 0.010 at 41115.8
    // Take-profit submitted first: submission order does not beat the adverse-first rule.
    const takeProfit = h.submit({ side: 'SELL', type: 'LIMIT', qty: '0.010', price: '41284.4', reduceOnly: true });
    const stopLoss = h.submit({ side: 'SELL', type: 'STOP_MARKET', qty: '0.010', trigger: '40600.0', reduceOnly: true });
    const events = h.bar(bar(2)); // high 41284.5 and low 40566: both touched
    expect(kinds(events)).toEqual(['order.triggered:O-3', 'order.filled:O-3', 'order.canceled:O-2']);
    expect(cancelReason(events)).toEqual(['SIM.REDUCE_ONLY']);
    expect(stopLoss.status).toBe('FILLED');
    expect(takeProfit.status).toBe('CANCELED');
    expect(h.venue.position(BTC.id)).toBe(0n);
  });
});

describe('SimulatedVenue: volume share cap and time in force', () => {
  // cap 0.0001: bar [1] volume 13666.413 → 1.3666413 → 1.366 BTC; bar [2] 37833.715 → 3.783 BTC
  const config = { volumeShareCap: 0.0001 };

  it('IOC market: fills up to the cap and cancels the remainder', () => {
    const h = new Harness(config);
    h.bar(bar(0));
    const order = h.submit({ side: 'BUY', qty: '2.000', tif: 'IOC' });
    const events = h.bar(bar(1));
    expect(kinds(events)).toEqual(['order.filled:O-1', 'order.canceled:O-1']);
    expect((events[0] as OrderFilledEvent).lastQty.toString()).toBe('1.366');
    expect(cancelReason(events)).toEqual(['SIM.IOC_UNFILLED']);
    expect(order.status).toBe('CANCELED');
    expect(order.filledQty.toString()).toBe('1.366');
    expect(h.venue.position(BTC.id)).toBe(raw('1.366'));
  });

  it('FOK market: cancels the whole order without any fill when the cap is short', () => {
    const h = new Harness(config);
    h.bar(bar(0));
    const order = h.submit({ side: 'BUY', qty: '2.000', tif: 'FOK' });
    const events = h.bar(bar(1));
    expect(kinds(events)).toEqual(['order.canceled:O-1']);
    expect(cancelReason(events)).toEqual(['SIM.FOK_UNFILLABLE']);
    expect(order.filledQty.isZero()).toBe(true);
    expect(h.venue.position(BTC.id)).toBe(0n);
  });

  it('FOK market within the cap fills in full', () => {
    const h = new Harness(config);
    h.bar(bar(0));
    const order = h.submit({ side: 'BUY', qty: '1.366', tif: 'FOK' });
    h.bar(bar(1));
    expect(order.status).toBe('FILLED');
  });

  it('GTC market: fills up to the cap, then the rest at the next bar open', () => {
    const h = new Harness(config);
    h.bar(bar(0));
    const order = h.submit({ side: 'BUY', qty: '2.000' });
    const first = h.bar(bar(1));
    expect(kinds(first)).toEqual(['order.filled:O-1']);
    expect(order.status).toBe('PARTIALLY_FILLED');
    const second = h.bar(bar(2));
    const fill = second[0] as OrderFilledEvent;
    expect(fill.lastQty.toString()).toBe('0.634');
    // bar [2] open 41160.3 × 1.0002 = 41168.53206 → 41168.6
    expect(fill.lastPx.toString()).toBe('41168.6');
    expect(fill.tsEvent).toBe(bar(2).tsOpen);
    expect(fill.tradeId).toBe('SIM-T-2');
    expect(order.status).toBe('FILLED');
    expect(h.venue.position(BTC.id)).toBe(raw('2'));
  });

  it('shares one budget per bar between orders, in submission order', () => {
    const h = new Harness(config);
    h.bar(bar(0));
    const a = h.submit({ side: 'BUY', qty: '1.000' });
    const b = h.submit({ side: 'SELL', qty: '1.000' });
    h.bar(bar(1));
    expect(a.filledQty.toString()).toBe('1.000');
    expect(b.filledQty.toString()).toBe('0.366');
  });
});

describe('SimulatedVenue: reduce-only', () => {
  it('clamps a reduce-only fill to the position and cancels the remainder', () => {
    const h = new Harness();
    h.bar(bar(0));
    h.submit({ side: 'BUY', qty: '0.010' });
    h.bar(bar(1));
    const close = h.submit({ side: 'SELL', qty: '0.030', reduceOnly: true });
    const events = h.bar(bar(2));
    expect(kinds(events)).toEqual(['order.filled:O-2', 'order.canceled:O-2']);
    expect((events[0] as OrderFilledEvent).lastQty.toString()).toBe('0.010');
    expect(cancelReason(events)).toEqual(['SIM.REDUCE_ONLY']);
    expect(close.filledQty.toString()).toBe('0.010');
    expect(h.venue.position(BTC.id)).toBe(0n);
  });

  it('cancels a reduce-only order that could only open or increase the position', () => {
    const h = new Harness();
    h.bar(bar(0));
    const onFlat = h.submit({ side: 'SELL', qty: '0.010', reduceOnly: true });
    h.bar(bar(1));
    expect(onFlat.status).toBe('CANCELED');
    h.submit({ side: 'BUY', qty: '0.010' });
    h.bar(bar(2));
    const sameSide = h.submit({ side: 'BUY', qty: '0.010', reduceOnly: true });
    h.bar(bar(3));
    expect(sameSide.status).toBe('CANCELED');
    expect(sameSide.filledQty.isZero()).toBe(true);
    expect(h.venue.position(BTC.id)).toBe(raw('0.010'));
  });

  it('cancels a reduce-only FOK that cannot fill in full', () => {
    const h = new Harness();
    h.bar(bar(0));
    h.submit({ side: 'BUY', qty: '0.010' });
    h.bar(bar(1));
    const fok = h.submit({ side: 'SELL', qty: '0.020', reduceOnly: true, tif: 'FOK' });
    const events = h.bar(bar(2));
    expect(kinds(events)).toEqual(['order.canceled:O-2']);
    expect(fok.filledQty.isZero()).toBe(true);
  });
});

describe('SimulatedVenue: cancel', () => {
  it('cancels a working order at the current time, and ignores orders it no longer holds', () => {
    const h = new Harness();
    h.bar(bar(0));
    const resting = h.submit({ side: 'BUY', type: 'LIMIT', qty: '0.010', price: '30000.0' });
    const market = h.submit({ side: 'BUY', qty: '0.010' });
    h.bar(bar(1));
    const before = h.reports.length;
    h.venue.cancel(resting);
    expect(kinds(h.reports.slice(before))).toEqual(['order.canceled:O-1']);
    expect(cancelReason(h.reports.slice(before))).toEqual(['SIM.CANCELED_BY_CLIENT']);
    expect(h.reports[h.reports.length - 1]!.tsEvent).toBe(bar(1).tsClose);
    h.venue.cancel(resting);
    h.venue.cancel(market); // already filled
    expect(h.reports.length).toBe(before + 1);
    expect(h.bar(bar(2))).toEqual([]);
  });
});

describe('SimulatedVenue: funding on real Bybit rows', () => {
  it('a long pays a positive rate: −0.010 × 41160.3 × 0.0001 at 2023-12-18 08:00', () => {
    const h = new Harness();
    h.bar(bar(0));
    h.submit({ side: 'BUY', qty: '0.010' });
    h.bar(bar(1)); // closes 08:00 at 41160.3
    const rate = BTC_FUNDING.get(1702886400000)!;
    expect(rate.rateRaw).toBe(100_000n); // 0.0001
    const [event] = h.funding(rate) as [FundingAppliedEvent];
    expect(event).toBeInstanceOf(FundingAppliedEvent);
    expect(event.markPrice.toString()).toBe('41160.3');
    expect(event.positionQty).toBe('0.010');
    // 0.010 × 41160.3 = 411.603; × 0.0001 = 0.0411603 → paid
    expect(event.amount.raw).toBe(-41_160_300n);
    expect(event.amount.currency).toBe('USDT');
    expect(event.tsEvent).toBe(1702886400000);
  });

  it('a short receives a positive rate, rounded half-even: 0.010 × 41278.9 × 0.00010731 at 16:00', () => {
    const h = new Harness();
    h.bar(bar(0));
    h.submit({ side: 'SELL', qty: '0.010' });
    for (let i = 1; i <= 3; i++) h.bar(bar(i)); // [3] closes 16:00 at 41278.9
    const [event] = h.funding(BTC_FUNDING.get(1702915200000)!) as [FundingAppliedEvent];
    expect(event.positionQty).toBe('-0.010');
    expect(event.markPrice.toString()).toBe('41278.9');
    // 0.010 × 41278.9 = 412.789; × 0.00010731 = 0.04429638759 → 9 decimals half-even: 0.044296388 → received
    expect(event.amount.raw).toBe(44_296_388n);
  });

  it('a long receives a negative rate (2024-02-09 00:00, −0.0000288)', () => {
    const h = new Harness();
    const i = barAt(BTC_BARS, 1707422400000); // 20:00 bar, closes at the funding time
    h.bar(BTC_BARS[i - 1]!);
    h.submit({ side: 'BUY', qty: '0.010' });
    h.bar(BTC_BARS[i]!); // close 45260.5
    const [event] = h.funding(BTC_FUNDING.get(1707436800000)!) as [FundingAppliedEvent];
    expect(event.markPrice.toString()).toBe('45260.5');
    // −(0.010 × 45260.5 × −0.0000288) = +0.013035024
    expect(event.amount.raw).toBe(13_035_024n);
  });

  it('reports nothing for a flat position, and fails loudly when a position has no mark price', () => {
    const h = new Harness();
    h.bar(bar(0));
    expect(h.funding(BTC_FUNDING.get(1702886400000)!)).toEqual([]);
    h.submit({ side: 'BUY', qty: '0.010' });
    // The venue sees the bar, the cache does not: a broken pipeline, not a business case.
    h.clock.advanceTo(bar(1).tsClose);
    const bare = new Harness();
    bare.venue.onBar(bar(0));
    bare.submit({ side: 'BUY', qty: '0.010' });
    bare.venue.onBar(bar(1));
    expect(bare.venue.position(BTC.id)).toBe(raw('0.010'));
    expect(() => bare.venue.onFunding(BTC_FUNDING.get(1702886400000)!)).toThrow(/SIM|mark/);
  });
});

describe('SimulatedVenue: determinism', () => {
  /** A scripted session over 60 real bars: market, limit, stop, IOC/FOK, reduce-only, cancels, funding. */
  function session(): string[] {
    const h = new Harness({ slippageBps: 3, volumeShareCap: 0.00005 });
    const start = 0;
    for (let i = start; i < start + 60; i++) {
      const b = BTC_BARS[i]!;
      h.bar(b);
      const funding = BTC_FUNDING.get(b.tsClose);
      if (funding) h.funding(funding);
      const close = b.close.raw;
      const px = (bps: bigint) => Price.fromRaw(((close * (10_000n + bps)) / 10_000n / 100_000_000n) * 100_000_000n, 1).toString();
      switch (i % 6) {
        case 0:
          h.submit({ side: 'BUY', qty: '1.500' });
          break;
        case 1:
          h.submit({ side: 'SELL', type: 'LIMIT', qty: '0.700', price: px(50n) });
          break;
        case 2:
          h.submit({ side: 'SELL', type: 'STOP_MARKET', qty: '0.500', trigger: px(-80n), reduceOnly: true });
          break;
        case 3:
          h.submit({ side: 'BUY', type: 'LIMIT', qty: '0.300', price: px(-40n), tif: 'IOC' });
          break;
        case 4:
          h.submit({ side: 'SELL', qty: '3.000', tif: 'FOK' });
          break;
        case 5: {
          const open = [...h.orders.values()].find((o) => o.isOpen);
          if (open) h.venue.cancel(open);
          break;
        }
      }
    }
    return h.reports.map((e) => JSON.stringify({ type: e.type, ...e.toPayload() }));
  }

  it('produces the identical report sequence for the same inputs', () => {
    const first = session();
    const second = session();
    expect(first.length).toBeGreaterThan(40);
    expect(second).toEqual(first);
    const types = new Set(first.map((line) => (JSON.parse(line) as { type: string }).type));
    for (const t of ['order.accepted', 'order.filled', 'order.canceled', 'order.triggered', 'position.funding_applied']) expect(types).toContain(t);
  });
});
