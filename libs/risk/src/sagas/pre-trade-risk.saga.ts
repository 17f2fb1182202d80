import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { ofType } from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
import { Cache, Clock, MessageBus } from '@lib/kernel';
import { DenyOrderCommand, OrderInitializedEvent, RouteOrderCommand, type ClientOrderId, type DomainEvent, type InstrumentId } from '@lib/model';
import { PortfolioService } from '@lib/portfolio';
import { PreTradeRiskChecks } from '../checks/pre-trade-risk.checks.js';
import type { RiskContext } from '../checks/risk-context.js';
import { TradingStateService } from '../state/trading-state.service.js';

export const PRE_TRADE_RISK_CHECKS = Symbol('PRE_TRADE_RISK_CHECKS');

/**
 * Every initialized order passes the pure pre-trade checks: approved → RouteOrderCommand,
 * refused → DenyOrderCommand with the coded reason (which becomes `order.denied`).
 * It runs on the ordered bus, so it sees the cache and portfolio as of the order's seq.
 */
@Injectable()
export class PreTradeRiskSaga implements OnModuleInit {
  constructor(
    private readonly bus: MessageBus,
    private readonly cache: Cache,
    private readonly clock: Clock,
    private readonly portfolio: PortfolioService,
    private readonly tradingState: TradingStateService,
    @Inject(PRE_TRADE_RISK_CHECKS) private readonly checks: PreTradeRiskChecks,
  ) {}

  onModuleInit(): void {
    this.bus.registerSaga('pre-trade-risk', this.orderInitialized);
  }

  orderInitialized = (events$: Observable<DomainEvent>): Observable<RouteOrderCommand | DenyOrderCommand> =>
    events$.pipe(
      ofType(OrderInitializedEvent),
      map((e) => {
        const order = this.cache.order(e.clientOrderId);
        if (!order) return new DenyOrderCommand(e.clientOrderId, 'RISK.UNKNOWN_ORDER', 'order is not in the cache');
        const verdict = this.checks.run(order, this.context());
        return verdict.ok ? new RouteOrderCommand(e.clientOrderId) : new DenyOrderCommand(e.clientOrderId, verdict.reason, verdict.detail);
      }),
    );

  private context(): RiskContext {
    const projection = this.portfolio.projection;
    return {
      now: this.clock.now(),
      tradingState: this.tradingState.current,
      instrument: (id: InstrumentId) => this.cache.instrument(id),
      referencePrice: (id: InstrumentId) => this.cache.lastBar(id)?.close,
      netPositionRaw: (id: InstrumentId) => projection.netQuantityRaw(id),
      otherWorkingQtyRaw: (id: InstrumentId, excluding: ClientOrderId) => {
        let sum = 0n;
        for (const o of this.cache.workingOrders(id)) {
          if (o.clientOrderId === excluding) continue;
          sum += o.side === 'BUY' ? o.leavesQty.raw : -o.leavesQty.raw;
        }
        return sum;
      },
      grossExposure: () => projection.grossExposure(),
    };
  }
}
