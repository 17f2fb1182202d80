import { EventsHandler, type IEventHandler } from '@nestjs/cqrs';
import { Cache } from '@lib/kernel';
import {
  BarClosedEvent,
  BarRejectedEvent,
  OrderAcceptedEvent,
  OrderCanceledEvent,
  OrderDeniedEvent,
  OrderFilledEvent,
  OrderInitializedEvent,
  OrderRejectedEvent,
  OrderSubmittedEvent,
} from '@lib/model';
import { TradingMetrics } from './trading-metrics.js';

type ObservedEvent =
  | BarClosedEvent
  | BarRejectedEvent
  | OrderInitializedEvent
  | OrderDeniedEvent
  | OrderSubmittedEvent
  | OrderAcceptedEvent
  | OrderRejectedEvent
  | OrderCanceledEvent
  | OrderFilledEvent;

/**
 * An observer on the CQRS EventBus: the ordered bus forwards every event here after the
 * trading path has handled it, so a metrics problem can never stop or reorder trading.
 */
@EventsHandler(
  BarClosedEvent,
  BarRejectedEvent,
  OrderInitializedEvent,
  OrderDeniedEvent,
  OrderSubmittedEvent,
  OrderAcceptedEvent,
  OrderRejectedEvent,
  OrderCanceledEvent,
  OrderFilledEvent,
)
export class MetricsRecorder implements IEventHandler<ObservedEvent> {
  private readonly metrics = TradingMetrics.shared();

  constructor(private readonly cache: Cache) {}

  handle(event: ObservedEvent): void {
    this.metrics.eventsStored.inc({ mode: 'backtest' });
    if (event instanceof BarClosedEvent) {
      this.metrics.barsProcessed.inc({ instrument: event.instrumentId });
      return;
    }
    if (event instanceof BarRejectedEvent) {
      this.metrics.barsRejected.inc({ instrument: event.instrumentId, reason: event.reason });
      return;
    }
    if (event instanceof OrderDeniedEvent) this.metrics.denials.inc({ instrument: event.instrumentId, reason: event.reason });
    if (event instanceof OrderFilledEvent) this.metrics.fills.inc({ instrument: event.instrumentId, side: event.side });
    this.countStatus(event);
  }

  private countStatus(event: Exclude<ObservedEvent, BarClosedEvent | BarRejectedEvent>): void {
    const order = this.cache.order(event.clientOrderId);
    if (!order) return;
    this.metrics.orders.inc({ instrument: event.instrumentId, strategy: order.strategyId, status: order.status });
  }
}
