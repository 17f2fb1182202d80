import { InvalidOrderTransitionError, nextOrderStatus } from './order-status.table.js';
import { ORDER_STATUS_EVENTS, ORDER_STATUSES, TERMINAL_STATUSES, type OrderStatus, type OrderStatusEvent } from './order.types.js';

/**
 * The expected table, written out here rather than read back from ORDER_TRANSITIONS, and reviewed
 * against NautilusTrader's `OrderStatus::transition` (crates/model/src/orders/mod.rs), with the
 * project's deliberate differences:
 * - no external or emulated orders, so INITIALIZED does not take ACCEPTED, REJECTED or TRIGGERED;
 * - terminal statuses accept nothing (NautilusTrader lets a late fill reopen CANCELED or EXPIRED);
 * - a fill is PARTIALLY_FILLED or FILLED by quantity, so both events follow Nautilus' `Filled` row;
 * - no PENDING_UPDATE / modify events yet.
 * Every pair not listed must be an InvalidOrderTransitionError.
 */
const EXPECTED: Record<OrderStatus, Partial<Record<OrderStatusEvent, OrderStatus>>> = {
  INITIALIZED: {
    DENIED: 'DENIED', // pre-trade risk refused it
    SUBMITTED: 'SUBMITTED',
    CANCELED: 'CANCELED', // canceled before it left
    EXPIRED: 'EXPIRED',
  },
  SUBMITTED: {
    ACCEPTED: 'ACCEPTED',
    REJECTED: 'REJECTED',
    CANCELED: 'CANCELED', // IOC / FOK killed before the ack
    PENDING_CANCEL: 'PENDING_CANCEL',
    PARTIALLY_FILLED: 'PARTIALLY_FILLED', // fill report overtaking the ack
    FILLED: 'FILLED',
  },
  ACCEPTED: {
    REJECTED: 'REJECTED', // a stop refused when it triggers
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
    ACCEPTED: 'ACCEPTED', // cancel refused: working again
    REJECTED: 'REJECTED', // canceled before the ack, then rejected
    PENDING_CANCEL: 'PENDING_CANCEL', // cancel requested again
    CANCELED: 'CANCELED',
    EXPIRED: 'EXPIRED',
    PARTIALLY_FILLED: 'PARTIALLY_FILLED', // fills racing the cancel
    FILLED: 'FILLED',
  },
  PARTIALLY_FILLED: {
    PENDING_CANCEL: 'PENDING_CANCEL',
    CANCELED: 'CANCELED',
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

const PAIRS = ORDER_STATUSES.flatMap((from) => ORDER_STATUS_EVENTS.map((event) => [from, event, EXPECTED[from][event] ?? null] as const));

describe('order status transition table', () => {
  it('covers every (status, event) pair: 11 × 10', () => {
    expect(PAIRS).toHaveLength(110);
    expect(Object.keys(EXPECTED).sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it.each(PAIRS)('%s --%s--> %s', (from, event, expected) => {
    if (expected === null) {
      let thrown: unknown;
      try {
        nextOrderStatus('O-1', from, event);
      } catch (err) {
        thrown = err;
      }
      expect(thrown).toBeInstanceOf(InvalidOrderTransitionError);
      expect(thrown).toMatchObject({ code: 'ORDER.INVALID_TRANSITION', clientOrderId: 'O-1', from, event });
    } else {
      expect(nextOrderStatus('O-1', from, event)).toBe(expected);
    }
  });

  it('leaves terminal statuses with no way out', () => {
    for (const status of TERMINAL_STATUSES) {
      expect(EXPECTED[status]).toEqual({});
      for (const event of ORDER_STATUS_EVENTS) {
        expect(() => nextOrderStatus('O-1', status, event)).toThrow(InvalidOrderTransitionError);
      }
    }
    expect([...TERMINAL_STATUSES].sort()).toEqual(['CANCELED', 'DENIED', 'EXPIRED', 'FILLED', 'REJECTED']);
  });

  it('reaches every status from INITIALIZED', () => {
    const seen = new Set<OrderStatus>(['INITIALIZED']);
    const queue: OrderStatus[] = ['INITIALIZED'];
    while (queue.length > 0) {
      const from = queue.shift()!;
      for (const event of ORDER_STATUS_EVENTS) {
        try {
          const to = nextOrderStatus('O-1', from, event);
          if (!seen.has(to)) {
            seen.add(to);
            queue.push(to);
          }
        } catch {
          // not a transition from here
        }
      }
    }
    expect([...seen].sort()).toEqual([...ORDER_STATUSES].sort());
  });

  it('names the order and the pair in the message', () => {
    expect(() => nextOrderStatus('O-42', 'FILLED', 'CANCELED')).toThrow('order O-42: invalid transition FILLED --CANCELED-->');
  });
});
