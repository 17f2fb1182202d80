import type { EventEnvelope } from '@lib/kernel';
import { Price, Quantity, SubmitOrderCommand, clientOrderId, instrumentId, type Bar, type OrderSide, type SubmitOrderSpec } from '@lib/model';
import { configuredInstrument, loadBars } from '../../../../test/support/real-bars.js';
import { marketOrderSpec, tradingKernelPerTest, type TradingKernel } from '../../../../test/support/trading-kernel.js';

// Real Bybit BTC perpetual bars (decimals, not floats) and the instrument the trader is configured with.
const BTC = configuredInstrument('BTCUSDT-PERP.BYBIT');

const order = (id: string, side: OrderSide, qty: string, change: Partial<SubmitOrderSpec> = {}): SubmitOrderCommand =>
  new SubmitOrderCommand(marketOrderSpec(BTC, id, side, qty, change));

type Payload = { clientOrderId?: string; reason?: string; detail?: string; from?: string; to?: string };
const payload = (e: EventEnvelope): Payload => JSON.parse(e.payload) as Payload;
const ofOrder = (events: EventEnvelope[], id: string) => events.filter((e) => e.type.startsWith('order.') && payload(e).clientOrderId === id);
const typesOf = (events: EventEnvelope[], id: string) => ofOrder(events, id).map((e) => e.type);

describe('PreTradeRiskSaga', () => {
  let k: TradingKernel;
  let bars: Bar[];

  beforeAll(() => {
    bars = loadBars('bybit_BTCUSDT_4h.csv', BTC, 3);
  });

  // a fresh kernel with this saga, the portfolio and the simulated venue for each test; the run has started on stream 'risk-saga'
  tradingKernelPerTest({ instruments: [BTC], streamId: 'risk-saga' }, (booted) => (k = booted));

  beforeEach(() => {
    k.closeBar(bars[0]!); // given: a reference price for BTC
  });

  /** The order was denied with `reason`, as a consequence of its initialization, and the venue never saw it. */
  async function expectDenied(id: string, reason: string): Promise<void> {
    const events = await k.stream();
    expect(typesOf(events, id)).toEqual(['order.initialized', 'order.denied']);
    const [initialized, denied] = ofOrder(events, id) as [EventEnvelope, EventEnvelope];
    expect(payload(denied).reason).toBe(reason);
    expect(payload(denied).detail).not.toBe('');
    expect(denied.causationId).toBe(initialized.eventId);
    expect(denied.streamSeq).toBe(initialized.streamSeq + 1);
    expect(k.cache.order(clientOrderId(id))?.status).toBe('DENIED');
    expect(k.venue.isWorking(clientOrderId(id))).toBe(false);
    // not even on the next bar: nothing was submitted, so nothing can fill
    k.closeBar(bars[1]!);
    const after = await k.stream();
    expect(typesOf(after, id)).toEqual(['order.initialized', 'order.denied']);
    expect(after.some((e) => e.type === 'order.submitted' || e.type === 'order.accepted' || e.type === 'order.filled')).toBe(false);
    expect(k.venue.position(BTC.id)).toBe(0n);
  }

  it('given an order below the minimum notional, when it is submitted, then it is denied with RISK.MIN_NOTIONAL', async () => {
    // a limit valued at its price: 0.001 BTC × 100.0 = 0.1 USDT, below the 5 USDT minimum
    k.bus.send(order('MIN-1', 'BUY', '0.001', { orderType: 'LIMIT', price: Price.parse('100.0', BTC.pricePrecision) }));
    await expectDenied('MIN-1', 'RISK.MIN_NOTIONAL');
  });

  it('given an instrument that is not in the cache, when an order for it is submitted, then it is denied with RISK.UNKNOWN_INSTRUMENT', async () => {
    k.bus.send(order('UNK-1', 'BUY', '1', { instrumentId: instrumentId('DOGEUSDT-PERP.BYBIT'), quantity: Quantity.parse('1', 0) }));
    await expectDenied('UNK-1', 'RISK.UNKNOWN_INSTRUMENT');
  });

  it('given trading is HALTED, when a valid order is submitted, then it is denied with RISK.TRADING_HALTED', async () => {
    k.tradingState.set('HALTED', 'operator kill switch');
    k.bus.send(order('HALT-1', 'BUY', '0.01'));
    await expectDenied('HALT-1', 'RISK.TRADING_HALTED');
  });

  it('given trading is ACTIVE, when a valid order is submitted, then it is routed to the venue and fills on the next bar', async () => {
    k.bus.send(order('OK-1', 'BUY', '0.01'));
    let events = await k.stream();
    expect(typesOf(events, 'OK-1')).toEqual(['order.initialized', 'order.submitted', 'order.accepted']);
    const [initialized, submitted] = ofOrder(events, 'OK-1') as [EventEnvelope, EventEnvelope];
    expect(submitted.causationId).toBe(initialized.eventId);
    expect(k.venue.isWorking(clientOrderId('OK-1'))).toBe(true);
    k.closeBar(bars[1]!);
    events = await k.stream();
    expect(typesOf(events, 'OK-1')).toEqual(['order.initialized', 'order.submitted', 'order.accepted', 'order.filled']);
    expect(k.portfolio.netQuantityRaw(BTC.id)).toBe(10_000_000n);
  });

  describe('given a long position and trading REDUCING', () => {
    beforeEach(async () => {
      k.bus.send(order('OPEN-1', 'BUY', '0.02'));
      k.closeBar(bars[1]!);
      expect(k.portfolio.netQuantityRaw(BTC.id)).toBe(20_000_000n);
      k.tradingState.set('REDUCING', 'drawdown limit');
    });

    it('when a reduce-only close is submitted, then it is routed', async () => {
      k.bus.send(order('CLOSE-1', 'SELL', '0.02', { reduceOnly: true }));
      expect(typesOf(await k.stream(), 'CLOSE-1')).toEqual(['order.initialized', 'order.submitted', 'order.accepted']);
      k.closeBar(bars[2]!);
      expect(typesOf(await k.stream(), 'CLOSE-1')).toContain('order.filled');
      expect(k.portfolio.netQuantityRaw(BTC.id)).toBe(0n);
    });

    it('when an order that increases the position is submitted, then it is denied with RISK.TRADING_REDUCING', async () => {
      k.bus.send(order('MORE-1', 'BUY', '0.01'));
      const events = await k.stream();
      expect(typesOf(events, 'MORE-1')).toEqual(['order.initialized', 'order.denied']);
      expect(payload(ofOrder(events, 'MORE-1')[1]!).reason).toBe('RISK.TRADING_REDUCING');
      expect(k.venue.isWorking(clientOrderId('MORE-1'))).toBe(false);
      expect(k.cache.order(clientOrderId('MORE-1'))?.status).toBe('DENIED');
    });
  });

  it('records every trading-state change as a stored risk.trading_state_changed event, and a repeated state as nothing', async () => {
    k.tradingState.set('REDUCING', 'drawdown limit');
    k.tradingState.set('REDUCING', 'drawdown limit again');
    k.tradingState.set('HALTED', 'operator kill switch');
    k.tradingState.set('ACTIVE', 'resumed');
    const changes = (await k.stream()).filter((e) => e.type === 'risk.trading_state_changed');
    expect(changes.map((e) => [payload(e).from, payload(e).to, JSON.parse(e.payload).reason as string])).toEqual([
      ['ACTIVE', 'REDUCING', 'drawdown limit'],
      ['REDUCING', 'HALTED', 'operator kill switch'],
      ['HALTED', 'ACTIVE', 'resumed'],
    ]);
    expect(changes.every((e) => e.tsEvent === k.clock.now())).toBe(true);
    expect(k.tradingState.current).toBe('ACTIVE');
    // back to ACTIVE: orders flow again
    k.bus.send(order('AFTER-1', 'BUY', '0.01'));
    expect(typesOf(await k.stream(), 'AFTER-1')).toEqual(['order.initialized', 'order.submitted', 'order.accepted']);
  });
});
