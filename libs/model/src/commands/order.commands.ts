import type { ClientOrderId, InstrumentId, StrategyId } from '../identifiers/identifiers.js';
import type { OrderSide, OrderType, TimeInForce } from '../orders/order.types.js';
import type { Price } from '../types/price.js';
import type { Quantity } from '../types/quantity.js';

export interface SubmitOrderSpec {
  readonly clientOrderId: ClientOrderId;
  readonly strategyId: StrategyId;
  readonly instrumentId: InstrumentId;
  readonly side: OrderSide;
  readonly orderType: OrderType;
  readonly quantity: Quantity;
  readonly price: Price | null;
  readonly triggerPrice: Price | null;
  readonly timeInForce: TimeInForce;
  readonly reduceOnly: boolean;
  readonly tag: string | null;
}

/** A strategy asks for an order. The execution engine initializes it; risk decides whether it is routed. */
export class SubmitOrderCommand {
  static readonly type = 'command.submit_order';
  constructor(readonly spec: SubmitOrderSpec) {
  }
}

/** Sent by the pre-trade risk saga for an order that passed every check. */
export class RouteOrderCommand {
  static readonly type = 'command.route_order';
  constructor(readonly clientOrderId: ClientOrderId) {
  }
}

/** Sent by the pre-trade risk saga for an order that failed a check: becomes `order.denied`. */
export class DenyOrderCommand {
  static readonly type = 'command.deny_order';
  constructor(
    readonly clientOrderId: ClientOrderId,
    readonly reason: string,
    readonly detail: string,
  ) {
  }
}

export class CancelOrderCommand {
  static readonly type = 'command.cancel_order';
  constructor(readonly clientOrderId: ClientOrderId) {
  }
}
