import type { EventEnvelope } from '@lib/kernel';
import {
  InvalidOrderTransitionError,
  OrderAcceptedEvent,
  OrderFilledEvent,
  SubmitOrderCommand,
  clientOrderId,
  defaultEventRegistry,
  type Bar,
  type OrderSide,
  type SubmitOrderSpec,
} from '@lib/model';
import { configuredInstrument, loadBars } from '../../../../test/support/real-bars.js';
import { marketOrderSpec, tradingKernelPerTest, type TradingKernel } from '../../../../test/support/trading-kernel.js';
import { ExecutionError } from './execution-engine.js';

// Real Bybit BTC perpetual bars, parsed as decimals; the instrument is the one the trader is configured with.
const BTC = configuredInstrument('BTCUSDT-PERP.BYBIT');

const marketOrder = (id: string, side: OrderSide, qty: string): SubmitOrderSpec => marketOrderSpec(BTC, id, side, qty);

const ofOrder = (events: EventEnvelope[], id: string) => events.filter((e) => e.type.startsWith('order.') && (JSON.parse(e.payload) as { clientOrderId: string }).clientOrderId === id);
const decode = (env: EventEnvelope) => defaultEventRegistry().decode(env.type, env.version, env.payload);

describe('ExecutionEngine (kernel, pre-trade risk, simulated venue)', () => {
  let k: TradingKernel;
  let bars: Bar[];

  beforeAll(() => {
    bars = loadBars('bybit_BTCUSDT_4h.csv', BTC, 3);
  });

  // a fresh kernel with pre-trade risk and the simulated venue for each test; the run has started on stream 't'
  tradingKernelPerTest({ instruments: [BTC], streamId: 't' }, (booted) => (k = booted));

  describe('given a bar in the cache, when a MARKET SubmitOrderCommand is sent', () => {
    beforeEach(() => {
      k.closeBar(bars[0]!);
      k.bus.send(new SubmitOrderCommand(marketOrder('O-1', 'BUY', '0.01')));
    });

    it('then the stream holds order.initialized → order.submitted → order.accepted, in seq order, causally linked', async () => {
      const events = await k.stream();
      const order = ofOrder(events, 'O-1');
      expect(order.map((e) => e.type)).toEqual(['order.initialized', 'order.submitted', 'order.accepted']);
      const [initialized, submitted, accepted] = order as [EventEnvelope, EventEnvelope, EventEnvelope];

      // consecutive positions, right after the bar, and seq increasing with the stream position
      const barClosed = events.find((e) => e.type === 'bar.closed')!;
      expect(order.map((e) => e.streamSeq)).toEqual([barClosed.streamSeq + 1, barClosed.streamSeq + 2, barClosed.streamSeq + 3]);
      expect(initialized.seq).toBeLessThan(submitted.seq);
      expect(submitted.seq).toBeLessThan(accepted.seq);

      // the command came from outside the bus: the initialized event starts a new chain
      expect(initialized.causationId).toBeNull();
      expect(initialized.correlationId).toBe(initialized.eventId);
      // routing was caused by the initialized event (through the risk saga), the venue's ack belongs to the same chain
      expect(submitted.causationId).toBe(initialized.eventId);
      expect([initialized.eventId, submitted.eventId]).toContain(accepted.causationId);
      expect(new Set(order.map((e) => e.correlationId))).toEqual(new Set([initialized.eventId]));

      expect(events.some((e) => e.type === 'order.denied')).toBe(false);
      expect(k.cache.order(clientOrderId('O-1'))?.status).toBe('ACCEPTED');
      expect(k.venue.isWorking(clientOrderId('O-1'))).toBe(true);
    });

    it('then, when the venue processes the next bar, order.filled follows at that bar and the cached order is FILLED', async () => {
      k.closeBar(bars[1]!);
      const events = await k.stream();
      const order = ofOrder(events, 'O-1');
      expect(order.map((e) => e.type)).toEqual(['order.initialized', 'order.submitted', 'order.accepted', 'order.filled']);
      const filled = order[3]!;
      const barClosed = events.filter((e) => e.type === 'bar.closed');
      // booked by the venue before the next bar is published, and after the order was accepted
      expect(filled.seq).toBeGreaterThan(order[2]!.seq);
      expect(filled.seq).toBeLessThan(barClosed[1]!.seq);

      const fill = decode(filled) as OrderFilledEvent;
      expect(fill.lastQty.toString()).toBe('0.010');
      expect(fill.side).toBe('BUY');
      expect(fill.tsEvent).toBe(bars[1]!.tsOpen);
      // market buy at the next open, moved against the buyer by 2 bps and rounded up to the tick
      const open = bars[1]!.open;
      const expectedRaw = ((open.raw * 10_002n + 10_000n * BTC.tickSize.raw - 1n) / (10_000n * BTC.tickSize.raw)) * BTC.tickSize.raw;
      expect(fill.lastPx.raw).toBe(expectedRaw);

      const cached = k.cache.order(clientOrderId('O-1'))!;
      expect(cached.status).toBe('FILLED');
      expect(cached.filledQty.toString()).toBe('0.010');
      expect(cached.leavesQty.isZero()).toBe(true);
      expect(k.venue.isWorking(clientOrderId('O-1'))).toBe(false);
    });
  });

  it('given an order exists, when the same SubmitOrderCommand is sent twice, then one order is created and routed once', async () => {
    k.closeBar(bars[0]!);
    const command = new SubmitOrderCommand(marketOrder('O-2', 'SELL', '0.02'));
    k.bus.send(command);
    expect(() => k.bus.send(command)).not.toThrow();
    const events = await k.stream();
    expect(ofOrder(events, 'O-2').map((e) => e.type)).toEqual(['order.initialized', 'order.submitted', 'order.accepted']);
    expect(k.cache.orders().map((o) => o.clientOrderId)).toEqual(['O-2']);

    k.closeBar(bars[1]!);
    const fills = (await k.stream()).filter((e) => e.type === 'order.filled');
    expect(fills).toHaveLength(1);
    expect(k.venue.position(BTC.id)).toBe(-20_000_000n);
  });

  describe('given a filled order', () => {
    let fill: OrderFilledEvent;

    beforeEach(async () => {
      k.closeBar(bars[0]!);
      k.bus.send(new SubmitOrderCommand(marketOrder('O-3', 'BUY', '0.01')));
      k.closeBar(bars[1]!);
      const filled = (await k.stream()).find((e) => e.type === 'order.filled')!;
      fill = decode(filled) as OrderFilledEvent;
      expect(k.cache.order(clientOrderId('O-3'))?.status).toBe('FILLED');
    });

    it('when the venue reports the same fill again (same tradeId), then it is ignored', async () => {
      const before = (await k.stream()).length;
      expect(() => k.engine.report(fill)).not.toThrow();
      // a copy with the same trade id, as a venue resending its report would deliver it
      const resent = new OrderFilledEvent({ ...fill, tsEvent: fill.tsEvent });
      expect(() => k.engine.report(resent)).not.toThrow();
      const after = await k.stream();
      expect(after).toHaveLength(before);
      expect(after.filter((e) => e.type === 'order.filled')).toHaveLength(1);
      const order = k.cache.order(clientOrderId('O-3'))!;
      expect(order.status).toBe('FILLED');
      expect(order.filledQty.toString()).toBe('0.010');
    });

    it('when the venue reports an event for an unknown order, then report throws EXECUTION.UNKNOWN_ORDER and nothing is stored', async () => {
      const before = (await k.stream()).length;
      const report = () =>
        k.engine.report(new OrderAcceptedEvent({ clientOrderId: clientOrderId('NOPE-1'), instrumentId: BTC.id, venueOrderId: fill.venueOrderId, tsEvent: k.clock.now() }));
      expect(report).toThrow(ExecutionError);
      expect(report).toThrow(expect.objectContaining({ code: 'EXECUTION.UNKNOWN_ORDER' }) as unknown as Error);
      expect(() => k.engine.report(new OrderFilledEvent({ ...fill, clientOrderId: clientOrderId('NOPE-2') }))).toThrow(
        expect.objectContaining({ code: 'EXECUTION.UNKNOWN_ORDER' }) as unknown as Error,
      );
      expect(await k.stream()).toHaveLength(before);
      expect(k.cache.order(clientOrderId('NOPE-1'))).toBeUndefined();
    });

    it('when the venue reports order.accepted again, then report throws InvalidOrderTransitionError and the order stays FILLED', () => {
      const again = new OrderAcceptedEvent({ clientOrderId: clientOrderId('O-3'), instrumentId: BTC.id, venueOrderId: fill.venueOrderId, tsEvent: k.clock.now() });
      let thrown: unknown = null;
      try {
        k.engine.report(again);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InvalidOrderTransitionError);
      expect(thrown).toMatchObject({ code: 'ORDER.INVALID_TRANSITION', from: 'FILLED', event: 'ACCEPTED', clientOrderId: 'O-3' });
      const order = k.cache.order(clientOrderId('O-3'))!;
      expect(order.status).toBe('FILLED');
      expect(order.filledQty.toString()).toBe('0.010');
    });
  });
});
