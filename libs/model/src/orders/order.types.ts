export const ORDER_SIDES = ['BUY', 'SELL'] as const;
export type OrderSide = (typeof ORDER_SIDES)[number];

export const ORDER_TYPES = ['MARKET', 'LIMIT', 'STOP_MARKET'] as const;
export type OrderType = (typeof ORDER_TYPES)[number];

export const TIME_IN_FORCE = ['GTC', 'IOC', 'FOK'] as const;
export type TimeInForce = (typeof TIME_IN_FORCE)[number];

export const LIQUIDITY_SIDES = ['MAKER', 'TAKER'] as const;
export type LiquiditySide = (typeof LIQUIDITY_SIDES)[number];

export const ORDER_STATUSES = [
  'INITIALIZED',
  'DENIED',
  'SUBMITTED',
  'ACCEPTED',
  'REJECTED',
  'CANCELED',
  'EXPIRED',
  'TRIGGERED',
  'PENDING_CANCEL',
  'PARTIALLY_FILLED',
  'FILLED',
] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** What happened to an order, as far as its status is concerned (a fill is PARTIALLY_FILLED or FILLED by quantity). */
export const ORDER_STATUS_EVENTS = [
  'DENIED',
  'SUBMITTED',
  'ACCEPTED',
  'REJECTED',
  'CANCELED',
  'EXPIRED',
  'TRIGGERED',
  'PENDING_CANCEL',
  'PARTIALLY_FILLED',
  'FILLED',
] as const;
export type OrderStatusEvent = (typeof ORDER_STATUS_EVENTS)[number];

export const TERMINAL_STATUSES: ReadonlySet<OrderStatus> = new Set(['DENIED', 'REJECTED', 'CANCELED', 'EXPIRED', 'FILLED']);

export function oppositeSide(side: OrderSide): OrderSide {
  return side === 'BUY' ? 'SELL' : 'BUY';
}
