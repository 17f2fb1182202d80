import { Module, type DynamicModule } from '@nestjs/common';
import { PortfolioModule } from '@lib/portfolio';
import { CIRCUIT_BREAKER_CONFIG, CircuitBreakerService, type CircuitBreakerServiceConfig } from './breaker/circuit-breaker.service.js';
import { DEFAULT_CIRCUIT_BREAKER_CONFIG } from './breaker/circuit-breaker.js';
import { OrderRateLimiter } from './checks/order-rate-limiter.js';
import { PreTradeRiskChecks } from './checks/pre-trade-risk.checks.js';
import { riskLimitsFromSpec, type RiskLimitsSpec } from './checks/risk-limits.js';
import { PRE_TRADE_RISK_CHECKS, PreTradeRiskSaga } from './sagas/pre-trade-risk.saga.js';
import { TradingStateService } from './state/trading-state.service.js';
import { DISABLED_PORTFOLIO_RISK, PORTFOLIO_RISK_CONFIG, PortfolioRiskService, type PortfolioRiskConfig } from './var/portfolio-risk.service.js';

export interface RiskModuleOptions {
  readonly breaker?: CircuitBreakerServiceConfig;
  readonly portfolioRisk?: PortfolioRiskConfig;
}

/** The breaker is off unless configured: the kernel's own tests trade without it. */
const BREAKER_OFF: CircuitBreakerServiceConfig = { ...DEFAULT_CIRCUIT_BREAKER_CONFIG, enabled: false };

@Module({})
export class RiskModule {
  static forRoot(spec: RiskLimitsSpec, options: RiskModuleOptions = {}): DynamicModule {
    const limits = riskLimitsFromSpec(spec);
    return {
      module: RiskModule,
      imports: [PortfolioModule],
      providers: [
        { provide: PRE_TRADE_RISK_CHECKS, useFactory: () => new PreTradeRiskChecks(limits, new OrderRateLimiter(limits.orderRate.maxOrders, limits.orderRate.windowMs)) },
        { provide: CIRCUIT_BREAKER_CONFIG, useValue: options.breaker ?? BREAKER_OFF },
        { provide: PORTFOLIO_RISK_CONFIG, useValue: options.portfolioRisk ?? DISABLED_PORTFOLIO_RISK },
        TradingStateService,
        CircuitBreakerService,
        PortfolioRiskService,
        PreTradeRiskSaga,
      ],
      exports: [TradingStateService, PRE_TRADE_RISK_CHECKS, CircuitBreakerService, PortfolioRiskService],
    };
  }
}
