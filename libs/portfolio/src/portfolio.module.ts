import { Module } from '@nestjs/common';
import { PortfolioService } from './portfolio.service.js';

export const PORTFOLIO_PROVIDERS = [PortfolioService];

/** Needs the kernel's MessageBus (KernelModule is global). */
@Module({ providers: PORTFOLIO_PROVIDERS, exports: PORTFOLIO_PROVIDERS })
export class PortfolioModule {}
