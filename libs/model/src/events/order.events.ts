import type { ClientOrderId, InstrumentId, StrategyId, TradeId, VenueOrderId } from '../identifiers/identifiers.js';
import { LIQUIDITY_SIDES, ORDER_SIDES, ORDER_TYPES, TIME_IN_FORCE } from '../orders/order.types.js';
import { Field } from './codec.js';
import { defineEvent } from './domain-event.js';

const coid = () => Field.string<ClientOrderId>();

export class OrderInitializedEvent extends defineEvent('order.initialized', 1, {
  clientOrderId: coid(),
  strategyId: Field.string<StrategyId>(),
  instrumentId: Field.string<InstrumentId>(),
  side: Field.oneOf(ORDER_SIDES),
  orderType: Field.oneOf(ORDER_TYPES),
  quantity: Field.quantity(),
  price: Field.optional(Field.price()),
  triggerPrice: Field.optional(Field.price()),
  timeInForce: Field.oneOf(TIME_IN_FORCE),
  reduceOnly: Field.bool(),
  tag: Field.optional(Field.string()),
}) {}

export class OrderDeniedEvent extends defineEvent('order.denied', 1, {
  clientOrderId: coid(),
  instrumentId: Field.string<InstrumentId>(),
  reason: Field.string(),
  detail: Field.string(),
}) {}

export class OrderSubmittedEvent extends defineEvent('order.submitted', 1, {
  clientOrderId: coid(),
  instrumentId: Field.string<InstrumentId>(),
}) {}

export class OrderAcceptedEvent extends defineEvent('order.accepted', 1, {
  clientOrderId: coid(),
  instrumentId: Field.string<InstrumentId>(),
  venueOrderId: Field.string<VenueOrderId>(),
}) {}

export class OrderRejectedEvent extends defineEvent('order.rejected', 1, {
  clientOrderId: coid(),
  instrumentId: Field.string<InstrumentId>(),
  reason: Field.string(),
}) {}

export class OrderPendingCancelEvent extends defineEvent('order.pending_cancel', 1, {
  clientOrderId: coid(),
  instrumentId: Field.string<InstrumentId>(),
}) {}

export class OrderCanceledEvent extends defineEvent('order.canceled', 1, {
  clientOrderId: coid(),
  instrumentId: Field.string<InstrumentId>(),
  reason: Field.optional(Field.string()),
}) {}

export class OrderExpiredEvent extends defineEvent('order.expired', 1, {
  clientOrderId: coid(),
  instrumentId: Field.string<InstrumentId>(),
}) {}

export class OrderTriggeredEvent extends defineEvent('order.triggered', 1, {
  clientOrderId: coid(),
  instrumentId: Field.string<InstrumentId>(),
  triggerPrice: Field.price(),
}) {}

export class OrderFilledEvent extends defineEvent('order.filled', 1, {
  clientOrderId: coid(),
  instrumentId: Field.string<InstrumentId>(),
  strategyId: Field.string<StrategyId>(),
  venueOrderId: Field.string<VenueOrderId>(),
  tradeId: Field.string<TradeId>(),
  side: Field.oneOf(ORDER_SIDES),
  lastQty: Field.quantity(),
  lastPx: Field.price(),
  commission: Field.money(),
  liquidity: Field.oneOf(LIQUIDITY_SIDES),
}) {}
