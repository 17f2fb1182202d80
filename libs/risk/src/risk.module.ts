import { Module, type DynamicModule } from '@nestjs/common';
import { PortfolioModule } from '@lib/portfolio';
import { OrderRateLimiter } from './checks/order-rate-limiter.js';
import { PreTradeRiskChecks } from './checks/pre-trade-risk.checks.js';
import { riskLimitsFromSpec, type RiskLimitsSpec } from './checks/risk-limits.js';
import { PRE_TRADE_RISK_CHECKS, PreTradeRiskSaga } from './sagas/pre-trade-risk.saga.js';
import { TradingStateService } from './state/trading-state.service.js';

@Module({})
export class RiskModule {
  static forRoot(spec: RiskLimitsSpec): DynamicModule {
    const limits = riskLimitsFromSpec(spec);
    return {
      module: RiskModule,
      imports: [PortfolioModule],
      providers: [
        { provide: PRE_TRADE_RISK_CHECKS, useFactory: () => new PreTradeRiskChecks(limits, new OrderRateLimiter(limits.orderRate.maxOrders, limits.orderRate.windowMs)) },
        TradingStateService,
        PreTradeRiskSaga,
      ],
      exports: [TradingStateService, PRE_TRADE_RISK_CHECKS],
    };
  }
}
