import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Cache, MessageBus, Stage } from '@lib/kernel';
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

type OrderStatusEvent = OrderInitializedEvent | OrderDeniedEvent | OrderSubmittedEvent | OrderAcceptedEvent | OrderRejectedEvent | OrderCanceledEvent | OrderFilledEvent;

/**
 * Records trading metrics from the ordered bus, last of all handlers (Stage.RECORDER). A metrics
 * failure is logged and never stops or reorders trading.
 */
@Injectable()
export class MetricsRecorder implements OnModuleInit {
  private readonly logger = new Logger(MetricsRecorder.name);
  private readonly metrics = TradingMetrics.shared();

  constructor(
    private readonly bus: MessageBus,
    private readonly cache: Cache,
  ) {}

  onModuleInit(): void {
    this.bus.subscribe(BarClosedEvent, Stage.RECORDER, 'metrics', (e) => this.safely(() => this.metrics.barsProcessed.inc({ instrument: e.instrumentId })));
    this.bus.subscribe(BarRejectedEvent, Stage.RECORDER, 'metrics', (e) =>
      this.safely(() => this.metrics.barsRejected.inc({ instrument: e.instrumentId, reason: e.reason })),
    );
    this.bus.subscribe(OrderDeniedEvent, Stage.RECORDER, 'metrics', (e) =>
      this.safely(() => {
        this.metrics.denials.inc({ instrument: e.instrumentId, reason: e.reason });
        this.countStatus(e);
      }),
    );
    this.bus.subscribe(OrderFilledEvent, Stage.RECORDER, 'metrics', (e) =>
      this.safely(() => {
        this.metrics.fills.inc({ instrument: e.instrumentId, side: e.side });
        this.countStatus(e);
      }),
    );
    for (const cls of [OrderInitializedEvent, OrderSubmittedEvent, OrderAcceptedEvent, OrderRejectedEvent, OrderCanceledEvent]) {
      this.bus.subscribe(cls, Stage.RECORDER, 'metrics', (e) => this.safely(() => this.countStatus(e)));
    }
  }

  private countStatus(event: OrderStatusEvent): void {
    const order = this.cache.order(event.clientOrderId);
    if (order) this.metrics.orders.inc({ instrument: event.instrumentId, strategy: order.strategyId, status: order.status });
  }

  private safely(record: () => void): void {
    try {
      record();
    } catch (err) {
      this.logger.warn(`metrics not recorded: ${(err as Error).message}`);
    }
  }
}
