import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Cache, MessageBus, Stage } from '@lib/kernel';
import {
  FundingAppliedEvent,
  Order,
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
  type OrderEvent,
} from '@lib/model';
import { EXECUTION_CLIENT, type ExecutionClient, type ExecutionReport, type ExecutionReportSink } from '../ports/execution-client.port.js';

export class ExecutionError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ExecutionError';
  }
}

const ORDER_EVENT_CLASSES = [
  OrderDeniedEvent,
  OrderSubmittedEvent,
  OrderAcceptedEvent,
  OrderRejectedEvent,
  OrderPendingCancelEvent,
  OrderCanceledEvent,
  OrderExpiredEvent,
  OrderTriggeredEvent,
  OrderFilledEvent,
] as const;

/**
 * NautilusTrader's ExecutionEngine: owns order state in the Cache, routes approved orders to
 * the ExecutionClient and turns venue reports into stored events. Order state changes only
 * when an order event is dispatched, so a replay of the stream rebuilds the same orders.
 */
@Injectable()
export class ExecutionEngine implements ExecutionReportSink, OnModuleInit {
  private readonly logger = new Logger(ExecutionEngine.name);
  private readonly seenTrades = new Set<string>();

  constructor(
    private readonly bus: MessageBus,
    private readonly cache: Cache,
    @Inject(EXECUTION_CLIENT) private readonly client: ExecutionClient,
  ) {}

  onModuleInit(): void {
    this.client.connect(this);
    this.bus.subscribe(OrderInitializedEvent, Stage.EXECUTION, 'execution.orders', (e) => this.cache.addOrder(Order.initialize(e)));
    for (const cls of ORDER_EVENT_CLASSES) {
      this.bus.subscribe(cls, Stage.EXECUTION, 'execution.orders', (e) => this.applyToOrder(e));
    }
  }

  /** Routes an order that risk approved: `order.submitted`, then the venue. */
  route(order: Order, tsEvent: number): void {
    if (order.status !== 'INITIALIZED') {
      throw new ExecutionError('EXECUTION.NOT_ROUTABLE', `order ${order.clientOrderId} is ${order.status}, cannot route`);
    }
    this.bus.publish(new OrderSubmittedEvent({ clientOrderId: order.clientOrderId, instrumentId: order.instrumentId, tsEvent }));
    this.client.submit(order);
  }

  cancel(order: Order): void {
    if (order.isTerminal) return;
    this.client.cancel(order);
  }

  /** Venue reports. Idempotent: a repeated trade id is ignored, an unknown order is an error. */
  report(event: ExecutionReport): void {
    if (event instanceof FundingAppliedEvent) {
      this.bus.publish(event);
      return;
    }
    const order = this.cache.order(event.clientOrderId);
    if (!order) {
      throw new ExecutionError('EXECUTION.UNKNOWN_ORDER', `venue reported ${event.type} for unknown order ${event.clientOrderId}`);
    }
    if (event instanceof OrderFilledEvent) {
      const key = `${event.clientOrderId}/${event.tradeId}`;
      if (this.seenTrades.has(key)) {
        this.logger.warn(`duplicate fill ${key} ignored`);
        return;
      }
      this.seenTrades.add(key);
    }
    // Refuse an illegal report before it is stamped and stored: the stream must stay replayable.
    // Reports queued behind this one (same dispatch) are checked again when applied.
    if (!this.bus.isDispatching) order.check(event);
    this.bus.publish(event);
  }

  private applyToOrder(event: Exclude<OrderEvent, OrderInitializedEvent>): void {
    const order = this.cache.order(event.clientOrderId);
    if (!order) throw new ExecutionError('EXECUTION.UNKNOWN_ORDER', `${event.type} for unknown order ${event.clientOrderId}`);
    order.apply(event);
    this.cache.orderUpdated(order);
  }
}
