import { assertPrecision, divRound, FIXED_PRECISION } from '../types/fixed-point.js';
import { Money } from '../types/money.js';
import { Price } from '../types/price.js';
import { Quantity } from '../types/quantity.js';
import type { ClientOrderId, InstrumentId, StrategyId, VenueOrderId } from '../identifiers/identifiers.js';
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
} from '../events/order.events.js';
import { nextOrderStatus } from './order-status.table.js';
import { TERMINAL_STATUSES, type OrderSide, type OrderStatus, type OrderStatusEvent, type OrderType, type TimeInForce } from './order.types.js';

export type OrderEvent =
  | OrderInitializedEvent
  | OrderDeniedEvent
  | OrderSubmittedEvent
  | OrderAcceptedEvent
  | OrderRejectedEvent
  | OrderPendingCancelEvent
  | OrderCanceledEvent
  | OrderExpiredEvent
  | OrderTriggeredEvent
  | OrderFilledEvent;

export class OrderInvariantError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'OrderInvariantError';
  }
}

/**
 * An order's state, changed only by applying its events through the transition table.
 * Created from an `order.initialized` event so that replay and live build the same object.
 */
export class Order {
  status: OrderStatus = 'INITIALIZED';
  venueOrderId: VenueOrderId | null = null;
  filledQty: Quantity;
  /** Sum of lastPx.raw × lastQty.raw, kept unrounded at scale 10^18 so that avgPx rounds exactly once. */
  private filledNotional18 = 0n;
  commission: Money | null = null;
  readonly eventCount: { value: number } = { value: 1 };
  tsLast: number;

  private constructor(readonly init: OrderInitializedEvent) {
    this.filledQty = Quantity.zero(init.quantity.precision);
    this.tsLast = init.tsEvent;
  }

  static initialize(event: OrderInitializedEvent): Order {
    if (!event.quantity.isPositive()) {
      throw new OrderInvariantError('ORDER.NON_POSITIVE_QUANTITY', `order ${event.clientOrderId}: quantity must be positive`);
    }
    if (event.orderType === 'LIMIT' && event.price === null) {
      throw new OrderInvariantError('ORDER.MISSING_PRICE', `order ${event.clientOrderId}: LIMIT requires a price`);
    }
    if (event.orderType === 'STOP_MARKET' && event.triggerPrice === null) {
      throw new OrderInvariantError('ORDER.MISSING_TRIGGER', `order ${event.clientOrderId}: STOP_MARKET requires a trigger price`);
    }
    return new Order(event);
  }

  get clientOrderId(): ClientOrderId {
    return this.init.clientOrderId;
  }
  get instrumentId(): InstrumentId {
    return this.init.instrumentId;
  }
  get strategyId(): StrategyId {
    return this.init.strategyId;
  }
  get side(): OrderSide {
    return this.init.side;
  }
  get orderType(): OrderType {
    return this.init.orderType;
  }
  get quantity(): Quantity {
    return this.init.quantity;
  }
  get price(): Price | null {
    return this.init.price;
  }
  get triggerPrice(): Price | null {
    return this.init.triggerPrice;
  }
  get timeInForce(): TimeInForce {
    return this.init.timeInForce;
  }
  get reduceOnly(): boolean {
    return this.init.reduceOnly;
  }
  get leavesQty(): Quantity {
    return this.quantity.minus(this.filledQty);
  }
  get isTerminal(): boolean {
    return TERMINAL_STATUSES.has(this.status);
  }
  /** Open = could still trade at the venue. */
  get isOpen(): boolean {
    return !this.isTerminal && this.status !== 'INITIALIZED';
  }

  /** Volume-weighted average fill price, rounded half-even to `precision` decimals. */
  avgPx(precision: number): Price | null {
    if (this.filledQty.isZero()) return null;
    assertPrecision(precision);
    // notional18 / filledQty.raw is the average at scale 10^9; dividing by the grid step as well
    // rounds straight onto `precision` decimals (rounding to 9 first would round twice).
    const step = 10n ** BigInt(FIXED_PRECISION - precision);
    return Price.fromRaw(divRound(this.filledNotional18, this.filledQty.raw * step, 'HALF_EVEN') * step, precision);
  }

  /** The status `event` would lead to; throws (and changes nothing) when it may not be applied. */
  check(event: OrderEvent): OrderStatus {
    if (event.clientOrderId !== this.clientOrderId) {
      throw new OrderInvariantError('ORDER.WRONG_ORDER', `event for ${event.clientOrderId} applied to ${this.clientOrderId}`);
    }
    if (event instanceof OrderInitializedEvent) {
      throw new OrderInvariantError('ORDER.ALREADY_INITIALIZED', `order ${this.clientOrderId} is already initialized`);
    }
    return nextOrderStatus(this.clientOrderId, this.status, this.statusEventOf(event));
  }

  /** Applies a lifecycle event. An illegal (status, event) pair throws InvalidOrderTransitionError. */
  apply(event: OrderEvent): void {
    if (event.clientOrderId !== this.clientOrderId) {
      throw new OrderInvariantError('ORDER.WRONG_ORDER', `event for ${event.clientOrderId} applied to ${this.clientOrderId}`);
    }
    if (event instanceof OrderInitializedEvent) {
      throw new OrderInvariantError('ORDER.ALREADY_INITIALIZED', `order ${this.clientOrderId} is already initialized`);
    }
    const kind = this.statusEventOf(event);
    const next = nextOrderStatus(this.clientOrderId, this.status, kind);
    if (event instanceof OrderAcceptedEvent) this.venueOrderId = event.venueOrderId;
    if (event instanceof OrderFilledEvent) this.applyFill(event);
    this.status = next;
    this.tsLast = event.tsEvent;
    this.eventCount.value++;
  }

  private statusEventOf(event: Exclude<OrderEvent, OrderInitializedEvent>): OrderStatusEvent {
    if (event instanceof OrderDeniedEvent) return 'DENIED';
    if (event instanceof OrderSubmittedEvent) return 'SUBMITTED';
    if (event instanceof OrderAcceptedEvent) return 'ACCEPTED';
    if (event instanceof OrderRejectedEvent) return 'REJECTED';
    if (event instanceof OrderPendingCancelEvent) return 'PENDING_CANCEL';
    if (event instanceof OrderCanceledEvent) return 'CANCELED';
    if (event instanceof OrderExpiredEvent) return 'EXPIRED';
    if (event instanceof OrderTriggeredEvent) return 'TRIGGERED';
    const total = this.filledQty.raw + event.lastQty.raw;
    if (total > this.quantity.raw) {
      throw new OrderInvariantError('ORDER.OVERFILL', `order ${this.clientOrderId}: fill of ${event.lastQty} exceeds leaves ${this.leavesQty}`);
    }
    return total === this.quantity.raw ? 'FILLED' : 'PARTIALLY_FILLED';
  }

  private applyFill(event: OrderFilledEvent): void {
    if (!event.lastQty.isPositive()) throw new OrderInvariantError('ORDER.EMPTY_FILL', `order ${this.clientOrderId}: fill quantity must be positive`);
    if (event.side !== this.side) throw new OrderInvariantError('ORDER.FILL_SIDE', `order ${this.clientOrderId}: fill side ${event.side} != ${this.side}`);
    // Summed before any field changes: a commission in another currency throws and must leave the order untouched.
    const commission = this.commission ? this.commission.plus(event.commission) : event.commission;
    this.filledQty = this.filledQty.plus(event.lastQty);
    this.filledNotional18 += event.lastPx.raw * event.lastQty.raw;
    this.commission = commission;
  }
}
