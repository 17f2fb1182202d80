import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { ofType } from '@nestjs/cqrs';
import { map, type Observable } from 'rxjs';
import { Cache, Clock, MessageBus } from '@lib/kernel';
import { DenyOrderCommand, Money, OrderInitializedEvent, RouteOrderCommand, type ClientOrderId, type DomainEvent, type InstrumentId, type Price } from '@lib/model';
import { PortfolioService } from '@lib/portfolio';
import { PreTradeRiskChecks } from '../checks/pre-trade-risk.checks.js';
import type { RiskContext } from '../checks/risk-context.js';
import { TradingStateService } from '../state/trading-state.service.js';
import { CircuitBreakerService } from '../breaker/circuit-breaker.service.js';
import { PortfolioRiskService } from '../var/portfolio-risk.service.js';

export const PRE_TRADE_RISK_CHECKS = Symbol('PRE_TRADE_RISK_CHECKS');

/**
 * Every initialized order passes the pure pre-trade checks: approved → RouteOrderCommand,
 * refused → DenyOrderCommand with the coded reason (which becomes `order.denied`).
 * It runs on the ordered bus, so it sees the cache and portfolio as of the order's seq. Exposure
 * limits are scaled down while the circuit breaker is HALF_OPEN, capped by the hierarchical
 * allocation, and an order whose post-trade VaR exceeds the limit is denied (RISK.VAR_LIMIT).
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
    @Optional() private readonly breaker?: CircuitBreakerService,
    @Optional() private readonly portfolioRisk?: PortfolioRiskService,
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
    const halfOpen = this.breaker?.state === 'HALF_OPEN';
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
      // OPEN only lets reducing orders through (trading state REDUCING), so scale by the half-open multiplier at most.
      limitScale: halfOpen ? this.breaker!.sizeMultiplier : 1,
      // Half-open trades at most multiplier × equity gross, whatever the static limits allow.
      ...(halfOpen ? { grossCap: Money.fromNumber(Math.max(0, projection.equity().toNumber() * this.breaker!.sizeMultiplier), projection.equity().currency, 'DOWN') } : {}),
      allocationLimit: (id: InstrumentId) => this.portfolioRisk?.allocationLimit(id),
      postTradeVar: (id: InstrumentId, projectedRaw: bigint, mark: Price) => this.portfolioRisk?.postTradeVar(id, projectedRaw, mark) ?? null,
    };
  }
}
