import { Injectable, type OnModuleInit } from '@nestjs/common';
import { MessageBus, Stage } from '@lib/kernel';
import { BarClosedEvent, FundingAppliedEvent, OrderFilledEvent, RunStartedEvent, type InstrumentId } from '@lib/model';
import { PortfolioProjection } from './projections/portfolio.projection.js';

/**
 * Wires the projection into the ordered bus at the PORTFOLIO stage: after execution has
 * updated the orders, before risk and strategies read equity and positions for the same event.
 * Also what a strategy may read of the portfolio (StrategyPortfolio in @lib/strategy).
 */
@Injectable()
export class PortfolioService implements OnModuleInit {
  readonly projection = new PortfolioProjection();

  constructor(private readonly bus: MessageBus) {}

  onModuleInit(): void {
    const name = 'portfolio.projection';
    this.bus.subscribe(RunStartedEvent, Stage.PORTFOLIO, name, (e, env) => this.projection.apply(e, env));
    this.bus.subscribe(OrderFilledEvent, Stage.PORTFOLIO, name, (e, env) => this.projection.apply(e, env));
    this.bus.subscribe(FundingAppliedEvent, Stage.PORTFOLIO, name, (e, env) => this.projection.apply(e, env));
    this.bus.subscribe(BarClosedEvent, Stage.PORTFOLIO, name, (e, env) => this.projection.apply(e, env));
  }

  /** Equity marked at the latest bar close, as a float for sizing maths. */
  equityValue(): number {
    return this.projection.equity().toNumber();
  }

  netQuantityRaw(instrumentId: InstrumentId): bigint {
    return this.projection.netQuantityRaw(instrumentId);
  }
}
