import fc from 'fast-check';
import { clientOrderId, instrumentId, strategyId, tradeId, venueOrderId, type ClientOrderId } from '../identifiers/identifiers.js';
import {
  OrderAcceptedEvent,
  OrderCanceledEvent,
  OrderFilledEvent,
  OrderInitializedEvent,
  OrderPendingCancelEvent,
  OrderRejectedEvent,
  OrderSubmittedEvent,
} from '../events/order.events.js';
import { defaultEventRegistry } from '../events/event-registry.js';
import { FIXED_PRECISION } from '../types/fixed-point.js';
import { Money } from '../types/money.js';
import { Price } from '../types/price.js';
import { Quantity } from '../types/quantity.js';
import { InvalidOrderTransitionError } from './order-status.table.js';
import { Order, OrderInvariantError } from './order.js';
import type { OrderSide } from './order.types.js';

const COID = clientOrderId('O-1');
const INSTRUMENT = instrumentId('BTCUSDT-PERP.BYBIT');
const STRATEGY = strategyId('vol-target-trend');

type InitFields = ConstructorParameters<typeof OrderInitializedEvent>[0];

const initialized = (fields: Partial<InitFields> = {}): OrderInitializedEvent =>
  new OrderInitializedEvent({
    clientOrderId: COID,
    strategyId: STRATEGY,
    instrumentId: INSTRUMENT,
    side: 'BUY',
    orderType: 'MARKET',
    quantity: Quantity.parse('1.000'),
    price: null,
    triggerPrice: null,
    timeInForce: 'GTC',
    reduceOnly: false,
    tag: null,
    tsEvent: 1_000,
    ...fields,
  });

const submitted = (ts = 1_001, coid: ClientOrderId = COID) => new OrderSubmittedEvent({ clientOrderId: coid, instrumentId: INSTRUMENT, tsEvent: ts });
const accepted = (ts = 1_002) => new OrderAcceptedEvent({ clientOrderId: COID, instrumentId: INSTRUMENT, venueOrderId: venueOrderId('V-9'), tsEvent: ts });
const canceled = (ts = 2_000) => new OrderCanceledEvent({ clientOrderId: COID, instrumentId: INSTRUMENT, reason: null, tsEvent: ts });

let trades = 0;
const fill = (qty: string, px: string, commission: string, opts: { side?: OrderSide; ts?: number } = {}) =>
  new OrderFilledEvent({
    clientOrderId: COID,
    instrumentId: INSTRUMENT,
    strategyId: STRATEGY,
    venueOrderId: venueOrderId('V-9'),
    tradeId: tradeId(`T-${++trades}`),
    side: opts.side ?? 'BUY',
    lastQty: Quantity.parse(qty),
    lastPx: Price.parse(px),
    commission: Money.fromWire(commission),
    liquidity: 'TAKER',
    tsEvent: opts.ts ?? 1_003 + trades,
  });

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

/** A snapshot of everything apply() may change, to prove a refused event changed nothing. */
const stateOf = (o: Order) => ({
  status: o.status,
  filledQty: o.filledQty.toString(),
  avgPx: o.avgPx(9)?.toString() ?? null,
  commission: o.commission?.toString() ?? null,
  venueOrderId: o.venueOrderId,
  tsLast: o.tsLast,
  events: o.eventCount.value,
});

describe('Order.initialize', () => {
  it('builds the order from its initialized event', () => {
    const o = Order.initialize(initialized({ side: 'SELL', orderType: 'LIMIT', price: Price.parse('42000.5'), reduceOnly: true }));
    expect(o.status).toBe('INITIALIZED');
    expect(o.clientOrderId).toBe(COID);
    expect(o.instrumentId).toBe(INSTRUMENT);
    expect(o.strategyId).toBe(STRATEGY);
    expect(o.side).toBe('SELL');
    expect(o.orderType).toBe('LIMIT');
    expect(o.price?.toString()).toBe('42000.5');
    expect(o.triggerPrice).toBeNull();
    expect(o.timeInForce).toBe('GTC');
    expect(o.reduceOnly).toBe(true);
    expect(o.filledQty.isZero()).toBe(true);
    expect(o.leavesQty.toString()).toBe('1.000');
    expect(o.avgPx(2)).toBeNull();
    expect(o.commission).toBeNull();
    expect(o.isOpen).toBe(false);
    expect(o.isTerminal).toBe(false);
    expect(o.tsLast).toBe(1_000);
  });

  it('builds the same order from an event decoded from the store', () => {
    const event = initialized({ orderType: 'STOP_MARKET', triggerPrice: Price.parse('41000.0') });
    const decoded = defaultEventRegistry().decode(event.type, event.version, JSON.stringify(event.toPayload()));
    expect(decoded).toBeInstanceOf(OrderInitializedEvent);
    const replayed = Order.initialize(decoded as OrderInitializedEvent);
    expect(replayed.triggerPrice).toEqual(Price.parse('41000.0'));
    expect(replayed.quantity).toEqual(Quantity.parse('1.000'));
  });

  it.each([
    ['LIMIT without a price', { orderType: 'LIMIT' as const, price: null }, 'ORDER.MISSING_PRICE'],
    ['STOP_MARKET without a trigger price', { orderType: 'STOP_MARKET' as const, triggerPrice: null }, 'ORDER.MISSING_TRIGGER'],
    ['a zero quantity', { quantity: Quantity.parse('0.000') }, 'ORDER.NON_POSITIVE_QUANTITY'],
  ])('refuses %s', (_what, fields, code) => {
    expect(() => Order.initialize(initialized(fields))).toThrow(OrderInvariantError);
    expect(codeOf(() => Order.initialize(initialized(fields)))).toBe(code);
  });
});

describe('Order lifecycle', () => {
  it('goes MARKET submitted → accepted → partially filled → filled, with an exact average price and summed commission', () => {
    const o = Order.initialize(initialized());

    o.apply(submitted());
    expect(o.status).toBe('SUBMITTED');
    expect(o.isOpen).toBe(true);

    o.apply(accepted());
    expect(o.status).toBe('ACCEPTED');
    expect(o.venueOrderId).toBe('V-9');

    o.apply(fill('0.400', '42000.5', '0.0092401 USDT', { ts: 1_010 }));
    expect(o.status).toBe('PARTIALLY_FILLED');
    expect(o.filledQty.toString()).toBe('0.400');
    expect(o.leavesQty.toString()).toBe('0.600');
    expect(o.avgPx(1)?.toString()).toBe('42000.5');

    o.apply(fill('0.600', '42001.25', '0.01386041 USDT', { ts: 1_020 }));
    expect(o.status).toBe('FILLED');
    expect(o.isTerminal).toBe(true);
    expect(o.isOpen).toBe(false);
    expect(o.filledQty.toString()).toBe('1.000');
    expect(o.leavesQty.isZero()).toBe(true);
    // (0.4 × 42000.5 + 0.6 × 42001.25) / 1 = 16800.2 + 25200.75
    expect(o.avgPx(2)?.toString()).toBe('42000.95');
    expect(o.avgPx(4)?.toString()).toBe('42000.9500');
    expect(o.avgPx(1)?.toString()).toBe('42001.0');
    expect(o.commission?.toString()).toBe('0.02310051 USDT');
    expect(o.tsLast).toBe(1_020);
    expect(o.eventCount.value).toBe(5);
  });

  it('keeps the average exact for tiny prices × small quantities (no rounding per fill)', () => {
    const o = Order.initialize(initialized({ quantity: Quantity.parse('0.003') }));
    o.apply(submitted());
    o.apply(fill('0.001', '0.000123457', '0 USDT'));
    o.apply(fill('0.002', '0.000123457', '0 USDT'));
    expect(o.avgPx(9)?.toString()).toBe('0.000123457');
  });

  it('rounds the average once, straight to the requested precision (no double rounding)', () => {
    const o = Order.initialize(initialized({ quantity: Quantity.parse('3') }));
    o.apply(submitted());
    o.apply(fill('1', '100.005000001', '0 USDT'));
    o.apply(fill('2', '100.005', '0 USDT'));
    // exact average 300.015000001 / 3 = 100.005000000333…: just above the half cent
    expect(o.avgPx(9)?.toString()).toBe('100.005000000');
    expect(o.avgPx(2)?.toString()).toBe('100.01');
  });

  it('rounds the average half-even to the precision, for any fills', () => {
    const fills = fc.array(
      fc.record({ units: fc.bigInt({ min: 1n, max: 10n ** 6n }), px: fc.bigInt({ min: 1n, max: 10n ** 14n }) }),
      { minLength: 1, maxLength: 6 },
    );
    fc.assert(
      fc.property(fills, fc.integer({ min: 0, max: FIXED_PRECISION }), (spec, precision) => {
        const lots = spec.map((f) => ({ qty: Quantity.fromRaw(f.units * 1_000_000n, 3), px: Price.fromRaw(f.px, 9) }));
        const total = lots.reduce((sum, l) => sum + l.qty.raw, 0n);
        const o = Order.initialize(initialized({ quantity: Quantity.fromRaw(total, 3) }));
        o.apply(submitted());
        for (const l of lots) o.apply(fill(l.qty.toString(), l.px.toString(), '0.1 USDT'));
        expect(o.status).toBe('FILLED');

        const avg = o.avgPx(precision)!;
        const step = 10n ** BigInt(FIXED_PRECISION - precision);
        const notional18 = lots.reduce((sum, l) => sum + l.px.raw * l.qty.raw, 0n);
        // |avg − Σpx·qty / Σqty| ≤ step / 2, in integers: 2·|avg·Σqty − Σpx·qty| ≤ step·Σqty
        const gap = avg.raw * total - notional18;
        expect(2n * (gap < 0n ? -gap : gap) <= step * total).toBe(true);
        expect(avg.raw % step).toBe(0n);
        expect(avg.precision).toBe(precision);
        expect(o.commission?.toString()).toBe(`${(lots.length / 10).toFixed(1).replace(/\.0$/, '')} USDT`);
      }),
      { numRuns: 300 },
    );
  });

  it('can be canceled while partially filled, keeping what was filled', () => {
    const o = Order.initialize(initialized({ orderType: 'LIMIT', price: Price.parse('42000.0') }));
    o.apply(submitted());
    o.apply(accepted());
    o.apply(fill('0.250', '42000.0', '0.01 USDT'));
    o.apply(new OrderPendingCancelEvent({ clientOrderId: COID, instrumentId: INSTRUMENT, tsEvent: 1_500 }));
    o.apply(canceled());
    expect(o.status).toBe('CANCELED');
    expect(o.filledQty.toString()).toBe('0.250');
    expect(o.leavesQty.toString()).toBe('0.750');
  });
});

describe('Order refuses what would corrupt it', () => {
  const filledOrder = (): Order => {
    const o = Order.initialize(initialized());
    o.apply(submitted());
    o.apply(accepted());
    o.apply(fill('1.000', '42000.0', '0.02 USDT'));
    return o;
  };
  const partlyFilled = (): Order => {
    const o = Order.initialize(initialized());
    o.apply(submitted());
    o.apply(fill('0.600', '42000.0', '0.01 USDT'));
    return o;
  };

  it('an illegal transition (FILLED, then CANCELED) throws and leaves the status unchanged', () => {
    const o = filledOrder();
    const before = stateOf(o);
    expect(() => o.apply(canceled())).toThrow(InvalidOrderTransitionError);
    expect(o.status).toBe('FILLED');
    expect(stateOf(o)).toEqual(before);
  });

  it('a fill before submission is an illegal transition', () => {
    const o = Order.initialize(initialized());
    expect(() => o.apply(fill('0.100', '42000.0', '0 USDT'))).toThrow(InvalidOrderTransitionError);
    expect(o.filledQty.isZero()).toBe(true);
  });

  it('an overfill throws ORDER.OVERFILL and changes nothing', () => {
    const o = partlyFilled();
    const before = stateOf(o);
    expect(codeOf(() => o.apply(fill('0.500', '42000.0', '0.01 USDT')))).toBe('ORDER.OVERFILL');
    expect(stateOf(o)).toEqual(before);
  });

  it('a fill on the wrong side throws ORDER.FILL_SIDE and changes nothing', () => {
    const o = partlyFilled();
    const before = stateOf(o);
    expect(codeOf(() => o.apply(fill('0.100', '42000.0', '0.01 USDT', { side: 'SELL' })))).toBe('ORDER.FILL_SIDE');
    expect(stateOf(o)).toEqual(before);
  });

  it('an empty fill throws ORDER.EMPTY_FILL', () => {
    const o = partlyFilled();
    expect(codeOf(() => o.apply(fill('0.000', '42000.0', '0 USDT')))).toBe('ORDER.EMPTY_FILL');
    expect(o.filledQty.toString()).toBe('0.600');
  });

  it('a commission in another currency throws and leaves the fill unapplied', () => {
    const o = partlyFilled();
    const before = stateOf(o);
    expect(codeOf(() => o.apply(fill('0.100', '41000.0', '0.0001 BNB')))).toBe('MONEY.CURRENCY_MISMATCH');
    expect(stateOf(o)).toEqual(before);
  });

  it('an event for another order throws ORDER.WRONG_ORDER', () => {
    const o = Order.initialize(initialized());
    expect(codeOf(() => o.apply(submitted(1_001, clientOrderId('O-2'))))).toBe('ORDER.WRONG_ORDER');
    expect(o.status).toBe('INITIALIZED');
  });

  it('a second initialized event throws ORDER.ALREADY_INITIALIZED', () => {
    const o = Order.initialize(initialized());
    expect(codeOf(() => o.apply(initialized()))).toBe('ORDER.ALREADY_INITIALIZED');
  });

  it('a rejection after acceptance ends the order', () => {
    const o = Order.initialize(initialized({ orderType: 'STOP_MARKET', triggerPrice: Price.parse('40000') }));
    o.apply(submitted());
    o.apply(accepted());
    o.apply(new OrderRejectedEvent({ clientOrderId: COID, instrumentId: INSTRUMENT, reason: 'insufficient margin', tsEvent: 3_000 }));
    expect(o.status).toBe('REJECTED');
    expect(() => o.apply(accepted())).toThrow(InvalidOrderTransitionError);
  });
});
