import type { FundingAppliedEvent, Order, OrderEvent, OrderInitializedEvent } from '@lib/model';

/** What a venue reports back: order lifecycle events and funding settlements. */
export type ExecutionReport = Exclude<OrderEvent, OrderInitializedEvent> | FundingAppliedEvent;

export interface ExecutionReportSink {
  report(event: ExecutionReport): void;
}

/**
 * The port between the execution engine and a venue: the simulated venue (backtest, paper)
 * or a ccxt venue (live). `submit` is called once per routed order, after `order.submitted`.
 * A venue reports through the sink, synchronously (simulated) or later (live).
 */
export interface ExecutionClient {
  readonly venue: string;
  connect(sink: ExecutionReportSink): void;
  submit(order: Order): void;
  cancel(order: Order): void;
}

export const EXECUTION_CLIENT = Symbol('EXECUTION_CLIENT');
