import type { OrderStatus, OrderStatusEvent } from './order.types.js';

/**
 * The one exhaustive order-status transition table. A (status, event) pair not listed here is
 * an invalid transition: the execution engine raises it, it never overwrites state silently.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, Partial<Record<OrderStatusEvent, OrderStatus>>>> = {
  INITIALIZED: { DENIED: 'DENIED', SUBMITTED: 'SUBMITTED', CANCELED: 'CANCELED', EXPIRED: 'EXPIRED' },
  SUBMITTED: {
    ACCEPTED: 'ACCEPTED',
    REJECTED: 'REJECTED',
    CANCELED: 'CANCELED', // IOC/FOK that the venue kills before acknowledging
    PENDING_CANCEL: 'PENDING_CANCEL',
    PARTIALLY_FILLED: 'PARTIALLY_FILLED',
    FILLED: 'FILLED',
  },
  ACCEPTED: {
    REJECTED: 'REJECTED', // a stop refused by the venue when it triggers, without a separate triggered report
    CANCELED: 'CANCELED',
    PENDING_CANCEL: 'PENDING_CANCEL',
    TRIGGERED: 'TRIGGERED',
    EXPIRED: 'EXPIRED',
    PARTIALLY_FILLED: 'PARTIALLY_FILLED',
    FILLED: 'FILLED',
  },
  TRIGGERED: {
    REJECTED: 'REJECTED',
    CANCELED: 'CANCELED',
    PENDING_CANCEL: 'PENDING_CANCEL',
    EXPIRED: 'EXPIRED',
    PARTIALLY_FILLED: 'PARTIALLY_FILLED',
    FILLED: 'FILLED',
  },
  PENDING_CANCEL: {
    ACCEPTED: 'ACCEPTED', // the venue refused the cancel: the order is working again
    REJECTED: 'REJECTED', // canceled before the venue acknowledged it, then rejected
    PENDING_CANCEL: 'PENDING_CANCEL', // a repeated cancel request
    CANCELED: 'CANCELED',
    EXPIRED: 'EXPIRED',
    PARTIALLY_FILLED: 'PARTIALLY_FILLED',
    FILLED: 'FILLED',
  },
  PARTIALLY_FILLED: {
    CANCELED: 'CANCELED',
    PENDING_CANCEL: 'PENDING_CANCEL',
    EXPIRED: 'EXPIRED',
    PARTIALLY_FILLED: 'PARTIALLY_FILLED',
    FILLED: 'FILLED',
  },
  DENIED: {},
  REJECTED: {},
  CANCELED: {},
  EXPIRED: {},
  FILLED: {},
};

export class InvalidOrderTransitionError extends Error {
  readonly code = 'ORDER.INVALID_TRANSITION';
  constructor(
    readonly clientOrderId: string,
    readonly from: OrderStatus,
    readonly event: OrderStatusEvent,
  ) {
    super(`order ${clientOrderId}: invalid transition ${from} --${event}-->`);
    this.name = 'InvalidOrderTransitionError';
  }
}

export function nextOrderStatus(clientOrderId: string, from: OrderStatus, event: OrderStatusEvent): OrderStatus {
  const to = ORDER_TRANSITIONS[from][event];
  if (to === undefined) throw new InvalidOrderTransitionError(clientOrderId, from, event);
  return to;
}
