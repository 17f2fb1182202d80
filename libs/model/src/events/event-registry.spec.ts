import { clientOrderId, instrumentId, strategyId, tradeId, venueOrderId } from '../identifiers/identifiers.js';
import { Money } from '../types/money.js';
import { Price } from '../types/price.js';
import { Quantity } from '../types/quantity.js';
import { FundingAppliedEvent, TradingStateChangedEvent } from './account.events.js';
import { CodecError, Field, type JsonObject, type JsonValue } from './codec.js';
import { defineEvent, type DomainEvent, type EventClass } from './domain-event.js';
import { DOMAIN_EVENT_CLASSES, defaultEventRegistry, EventRegistry, UnknownEventTypeError } from './event-registry.js';
import { BarClosedEvent, BarGapDetectedEvent, BarRejectedEvent, FundingRateEvent } from './market.events.js';
import {
  OrderAcceptedEvent,
  OrderCanceledEvent,
  OrderDeniedEvent,
  OrderExpiredEvent,
  OrderFilledEvent,
  OrderInitializedEvent,
  OrderPendingCancelEvent,
  OrderRejectedEvent,
  OrderSubmittedEvent,
  OrderTriggeredEvent,
} from './order.events.js';
import { RunCompletedEvent, RunStartedEvent } from './run.events.js';
import { ModelTierChangedEvent, SignalPredictedEvent } from './signal.events.js';
import { AllocationUpdatedEvent, BreakerTransitionedEvent, RegimeChangedEvent, SizingDecidedEvent, SizingTierChangedEvent } from './risk.events.js';

const INSTRUMENT = instrumentId('BTCUSDT-PERP.BYBIT');
const COID = clientOrderId('O-1');
const ids = { clientOrderId: COID, instrumentId: INSTRUMENT };

const filled = new OrderFilledEvent({
  ...ids,
  strategyId: strategyId('vol-target-trend'),
  venueOrderId: venueOrderId('V-9'),
  tradeId: tradeId('T-1'),
  side: 'BUY',
  lastQty: Quantity.parse('0.400'),
  lastPx: Price.parse('42000.50'),
  commission: Money.parse('0.0092401', 'USDT'),
  liquidity: 'TAKER',
  tsEvent: 1_010,
});

/**
 * Representative instances, chosen to exercise what a codec gets wrong: trailing zeros in
 * prices and quantities, negative amounts and rates, optional fields both set and null,
 * nested JSON.
 */
const SAMPLES: readonly DomainEvent[] = [
  new BarClosedEvent({
    instrumentId: INSTRUMENT,
    interval: '4h',
    tsOpen: 1_702_857_600_000,
    open: Price.parse('41395.20'),
    high: Price.parse('41482.00'),
    low: Price.parse('40810.0'),
    close: Price.parse('41107.5'),
    volume: Quantity.parse('23819.8170'),
    tsEvent: 1_702_872_000_000,
  }),
  new BarRejectedEvent({ instrumentId: 'BTCUSDT-PERP.BYBIT', source: 'bybit_BTCUSDT_4h.csv', line: 17, tsOpen: 1_702_857_600_000, reason: 'BAR.HIGH_BELOW_LOW', detail: 'high 40000 < low 40810', tsEvent: 5 }),
  new BarRejectedEvent({ instrumentId: 'BTCUSDT-PERP.BYBIT', source: 'ws', line: null, tsOpen: null, reason: 'BAR.MALFORMED', detail: 'no close', tsEvent: 6 }),
  new BarGapDetectedEvent({ instrumentId: INSTRUMENT, interval: '1h', fromTsOpen: 3_600_000, toTsOpen: 18_000_000, missingBars: 3, tsEvent: 18_000_000 }),
  new FundingRateEvent({ instrumentId: INSTRUMENT, rate: -125_000n, tsEvent: 28_800_000 }),
  new FundingAppliedEvent({
    instrumentId: INSTRUMENT,
    rate: 100_000n,
    markPrice: Price.parse('42000.00'),
    positionQty: '-0.500',
    amount: Money.parse('-2.1', 'USDT'),
    tsEvent: 28_800_000,
  }),
  new TradingStateChangedEvent({ from: 'ACTIVE', to: 'HALTED', reason: 'daily loss limit', tsEvent: 7 }),
  new OrderInitializedEvent({
    ...ids,
    strategyId: strategyId('vol-target-trend'),
    side: 'SELL',
    orderType: 'LIMIT',
    quantity: Quantity.parse('1.000'),
    price: Price.parse('42100.0'),
    triggerPrice: null,
    timeInForce: 'GTC',
    reduceOnly: true,
    tag: 'exit',
    tsEvent: 1_000,
  }),
  new OrderInitializedEvent({
    ...ids,
    strategyId: strategyId('vol-target-trend'),
    side: 'BUY',
    orderType: 'STOP_MARKET',
    quantity: Quantity.parse('0.5'),
    price: null,
    triggerPrice: Price.parse('43000.10'),
    timeInForce: 'IOC',
    reduceOnly: false,
    tag: null,
    tsEvent: 1_000,
  }),
  new OrderDeniedEvent({ ...ids, reason: 'ORDER.DENIED_NOTIONAL', detail: 'notional 5 USDT < min 10 USDT', tsEvent: 1_001 }),
  new OrderSubmittedEvent({ ...ids, tsEvent: 1_001 }),
  new OrderAcceptedEvent({ ...ids, venueOrderId: venueOrderId('V-9'), tsEvent: 1_002 }),
  new OrderRejectedEvent({ ...ids, reason: 'insufficient margin', tsEvent: 1_002 }),
  new OrderPendingCancelEvent({ ...ids, tsEvent: 1_003 }),
  new OrderCanceledEvent({ ...ids, reason: 'strategy exit', tsEvent: 1_004 }),
  new OrderCanceledEvent({ ...ids, reason: null, tsEvent: 1_004 }),
  new OrderExpiredEvent({ ...ids, tsEvent: 1_005 }),
  new OrderTriggeredEvent({ ...ids, triggerPrice: Price.parse('43000.10'), tsEvent: 1_006 }),
  filled,
  new RunStartedEvent({
    mode: 'backtest',
    strategy: 'vol-target-trend',
    instruments: ['BTCUSDT-PERP.BYBIT', 'ETHUSDT-PERP.BYBIT'],
    initialCapital: Money.parse('10000.00', 'USDT'),
    config: { riskPerTrade: '0.01', lookbacks: [20, 50], nested: { on: true, none: null } },
    tsEvent: 0,
  }),
  new RunCompletedEvent({ bars: 2190, barsRejected: 2, finalEquity: Money.parse('10523.456789', 'USDT'), stateHash: 'ab12cd', tsEvent: 9_999 }),
  new SignalPredictedEvent({
    instrumentId: instrumentId('BTCUSDT-PERP.BYBIT'),
    strategyId: 'ML-001',
    model: 'signal-BTCUSDT-PERP',
    modelVersion: 3,
    tier: 'PRODUCTION',
    prediction: '0.00123456789012',
    confidence: '0.42',
    targetWeight: '-0.25',
    tsEvent: 10_000,
  }),
  new ModelTierChangedEvent({ model: 'signal-BTCUSDT-PERP', from: 'PRODUCTION', to: 'CACHED', modelVersion: 3, reason: 'registry unreachable', tsEvent: 10_001 }),
  new BreakerTransitionedEvent({
    from: 'CLOSED', to: 'OPEN', trigger: 'DRAWDOWN', reason: 'drawdown 5.2% > 5%', drawdown: '0.052', equity: '95100.5', adverseEquity: '94800',
    reference: '100000', tradingState: 'REDUCING', sizeMultiplier: '0', instrumentId: INSTRUMENT, tsEvent: 10_002,
  }),
  new RegimeChangedEvent({ instrumentId: INSTRUMENT, from: 'Bull', to: 'Crisis', probabilities: '0.01,0.02,0.07,0.9', modelVersion: 2, tsEvent: 10_003 }),
  new AllocationUpdatedEvent({ regime: 'Neutral', limits: 'BTCUSDT-PERP.BYBIT=0.4', gross: '0.4', net: '0.4', tsEvent: 10_004 }),
  new SizingDecidedEvent({
    instrumentId: INSTRUMENT, strategyId: 'ML-001', prediction: '0.004', signal: '1.2', confidence: '0.6', regime: 'Bull', regimeProbabilities: '0.1,0.2,0.6,0.1',
    volatility: '0.011', recentIc: '0.06', tier: 'FULL_RL', tierReason: 'FULL_CONFIDENCE_AND_IC', kellyFraction: '0.5', rlFraction: '0.4', rawFraction: '0.4',
    allocationLimit: '0.35', finalFraction: '0.35', cuts: 'ALLOCATION_LIMIT', tsEvent: 10_005,
  }),
  new SizingTierChangedEvent({ instrumentId: INSTRUMENT, strategyId: 'ML-001', from: 'PURE_KELLY', to: 'FULL_RL', reason: 'FULL_CONFIDENCE_AND_IC', tsEvent: 10_006 }),
];

/** Fields a payload may omit (decoded as null). */
const OPTIONAL = new Set(['bar.rejected.line', 'bar.rejected.tsOpen', 'order.initialized.price', 'order.initialized.triggerPrice', 'order.initialized.tag', 'order.canceled.reason', 'signal.predicted.modelVersion', 'signal.model_tier_changed.from', 'signal.model_tier_changed.modelVersion', 'risk.breaker_transitioned.reference', 'risk.breaker_transitioned.instrumentId', 'regime.changed.from', 'sizing.decided.prediction', 'sizing.decided.recentIc', 'sizing.decided.rlFraction', 'sizing.decided.allocationLimit', 'sizing.tier_changed.from']);
/** Free-form JSON fields: any JSON value is valid, only absence is an error. */
const FREE_JSON = new Set(['run.started.instruments', 'run.started.config']);

const classOf = (event: DomainEvent): EventClass => event.constructor as EventClass;
const encode = (event: DomainEvent): string => JSON.stringify(event.toPayload());
/** `order.initialized`, or `order.initialized #2` for a second sample of the same type. */
const CASES = SAMPLES.map((e, i) => {
  const nth = SAMPLES.slice(0, i + 1).filter((s) => s.type === e.type).length;
  return [nth === 1 ? e.type : `${e.type} #${nth}`, e] as const;
});

function errorOf(fn: () => unknown): Error | undefined {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  return undefined;
}

describe('event registry: every domain event class', () => {
  it('has a representative sample here (a new event class needs one)', () => {
    const missing = DOMAIN_EVENT_CLASSES.filter((cls) => !SAMPLES.some((s) => classOf(s) === cls)).map((cls) => cls.type);
    expect(missing).toEqual([]);
    expect(new Set(DOMAIN_EVENT_CLASSES.map((cls) => cls.type)).size).toBe(DOMAIN_EVENT_CLASSES.length);
  });

  it.each(CASES)('%s: decodes to the same class with equal fields, and re-encodes byte-identically', (_name, event) => {
    const registry = defaultEventRegistry();
    const json = encode(event);
    const decoded = registry.decode(event.type, event.version, json);
    expect(decoded).toBeInstanceOf(classOf(event));
    expect(decoded.type).toBe(event.type);
    expect(decoded).toStrictEqual(event);
    expect(encode(decoded)).toBe(json);
    expect(registry.decode(event.type, event.version, JSON.parse(json) as JsonValue)).toStrictEqual(event);
  });

  it.each(CASES)('%s: payload keys are in schema order, then tsEvent', (_name, event) => {
    const keys = Object.keys(JSON.parse(encode(event)) as JsonObject);
    expect(keys).toEqual([...Object.keys(classOf(event).schema), 'tsEvent']);
  });

  it.each(CASES)('%s: amounts are decimal strings, never JSON numbers', (_name, event) => {
    const payload = event.toPayload();
    const fields = event as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(fields)) {
      if (value instanceof Price || value instanceof Quantity || typeof value === 'bigint') {
        expect([key, payload[key]]).toEqual([key, expect.stringMatching(/^-?\d+(\.\d+)?$/)]);
      }
      if (value instanceof Money) {
        expect([key, payload[key]]).toEqual([key, expect.stringMatching(/^-?\d+(\.\d+)? [A-Z]+$/)]);
      }
      if (typeof payload[key] === 'number') expect([key, Number.isSafeInteger(payload[key])]).toEqual([key, true]);
    }
  });

  it('writes an order.filled payload exactly so', () => {
    expect(encode(filled)).toBe(
      '{"clientOrderId":"O-1","instrumentId":"BTCUSDT-PERP.BYBIT","strategyId":"vol-target-trend","venueOrderId":"V-9",' +
        '"tradeId":"T-1","side":"BUY","lastQty":"0.400","lastPx":"42000.50","commission":"0.0092401 USDT","liquidity":"TAKER","tsEvent":1010}',
    );
    expect(encode(new FundingRateEvent({ instrumentId: INSTRUMENT, rate: -125_000n, tsEvent: 1 }))).toBe(
      '{"instrumentId":"BTCUSDT-PERP.BYBIT","rate":"-0.000125","tsEvent":1}',
    );
  });
});

describe('event decoding refuses bad payloads', () => {
  const registry = defaultEventRegistry();
  const decodeWith = (event: DomainEvent, change: (payload: Record<string, JsonValue | undefined>) => void): DomainEvent => {
    const payload: Record<string, JsonValue | undefined> = event.toPayload();
    change(payload);
    return registry.decode(event.type, event.version, JSON.stringify(payload));
  };

  it.each(CASES)('%s: a missing field is a CodecError naming its path (optional fields decode as null)', (_name, event) => {
    for (const key of [...Object.keys(classOf(event).schema), 'tsEvent']) {
      const path = `${event.type}.${key}`;
      if (OPTIONAL.has(path)) {
        const decoded = decodeWith(event, (p) => delete p[key]) as unknown as Record<string, unknown>;
        expect([path, decoded[key]]).toEqual([path, null]);
        continue;
      }
      const err = errorOf(() => decodeWith(event, (p) => delete p[key]));
      expect([path, err]).toEqual([path, expect.any(CodecError)]);
      expect(err?.message.startsWith(`${path}:`)).toBe(true);
    }
  });

  it.each(CASES)('%s: a field of the wrong shape is a CodecError naming its path', (_name, event) => {
    for (const key of [...Object.keys(classOf(event).schema), 'tsEvent']) {
      const path = `${event.type}.${key}`;
      if (FREE_JSON.has(path)) continue;
      const err = errorOf(() => decodeWith(event, (p) => (p[key] = { not: 'this' })));
      expect([path, err]).toEqual([path, expect.any(CodecError)]);
      expect(err?.message.startsWith(`${path}:`)).toBe(true);
    }
  });

  it.each([
    ['lastPx', 42000.5, 'order.filled.lastPx: expected a string, got 42000.5'],
    ['lastPx', '4.2e4', "order.filled.lastPx: not a decimal number: '4.2e4'"],
    ['lastQty', '-0.1', 'order.filled.lastQty: quantity cannot be negative'],
    ['lastQty', '0.0000000001', 'order.filled.lastQty: '],
    ['commission', '0.5', "order.filled.commission: money must be '<amount> <CURRENCY>'"],
    ['side', 'LONG', "order.filled.side: 'LONG' is not one of BUY, SELL"],
    ['tsEvent', 1.5, 'order.filled.tsEvent: expected an integer'],
  ])('order.filled with %s = %j fails with "%s…"', (key, value, message) => {
    const err = errorOf(() => decodeWith(filled, (p) => (p[key] = value)));
    expect(err).toBeInstanceOf(CodecError);
    expect(err?.message.startsWith(message)).toBe(true);
  });

  it('refuses a payload that is not an object', () => {
    expect(() => registry.decode('order.filled', 1, '[1,2]')).toThrow(CodecError);
    expect(() => registry.decode('order.filled', 1, 'null')).toThrow(CodecError);
  });

  it('refuses an unknown type, or a known type at an unknown version', () => {
    const unknown = errorOf(() => registry.decode('order.exploded', 1, '{}'));
    expect(unknown).toBeInstanceOf(UnknownEventTypeError);
    expect(unknown).toMatchObject({ code: 'EVENT.UNKNOWN_TYPE' });
    expect(() => registry.decode('order.filled', 2, encode(filled))).toThrow(UnknownEventTypeError);
    expect(registry.has('order.filled', 1)).toBe(true);
    expect(registry.has('order.filled', 2)).toBe(false);
  });
});

describe('event renames', () => {
  class NoteTakenEvent extends defineEvent('test.note_taken', 1, { note: Field.string(), amount: Field.money() }, ['test.note_written', 'test.memo']) {}

  it('decodes old wire names into the renamed class, which then encodes under its new name', () => {
    const registry = defaultEventRegistry();
    registry.register(NoteTakenEvent as unknown as EventClass);
    const json = '{"note":"hello","amount":"1.5 USDT","tsEvent":3}';
    for (const name of ['test.note_taken', 'test.note_written', 'test.memo']) {
      const decoded = registry.decode(name, 1, json);
      expect(decoded).toBeInstanceOf(NoteTakenEvent);
      expect(decoded.type).toBe('test.note_taken');
      expect(encode(decoded)).toBe(json);
    }
  });

  it('refuses two classes under one wire name, but tolerates registering the same class twice', () => {
    class Impostor extends defineEvent('test.other', 1, {}, ['test.memo']) {}
    const registry = new EventRegistry([NoteTakenEvent as unknown as EventClass]);
    expect(() => registry.register(NoteTakenEvent as unknown as EventClass)).not.toThrow();
    expect(() => registry.register(Impostor as unknown as EventClass)).toThrow('event type test.memo@1 registered twice');
  });
});

describe('BarClosedEvent', () => {
  it('carries a bar and gives it back, with the close time as event time', () => {
    const event = SAMPLES[0] as BarClosedEvent;
    const again = BarClosedEvent.of(event.bar);
    expect(event.bar.tsClose).toBe(event.tsEvent);
    expect(again).toStrictEqual(event);
  });
});
