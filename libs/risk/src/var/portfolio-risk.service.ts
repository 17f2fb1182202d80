import { Inject, Injectable, Optional, type OnModuleInit } from '@nestjs/common';
import { Cache, Clock, MessageBus, Stage } from '@lib/kernel';
import { AllocationUpdatedEvent, BarClosedEvent, Money, rawToNumber, type Bar, type InstrumentId, type Price } from '@lib/model';
import { PortfolioService } from '@lib/portfolio';
import { RegimeService } from '@lib/regime';
import { AllocationTracker, type AllocationTrackerOptions } from '../allocation/allocation-tracker.js';
import { PortfolioRiskModel, type PortfolioRiskModelOptions } from './portfolio-risk-model.js';
import { postTradeVarCheck } from './var.js';

export interface PortfolioRiskConfig {
  readonly var: {
    readonly enabled: boolean;
    /** Largest 1-day 99% VaR after an order, as a fraction of equity. */
    readonly limitFraction: number;
    readonly model?: Partial<PortfolioRiskModelOptions>;
  };
  readonly allocation: {
    readonly enabled: boolean;
    readonly options?: Partial<AllocationTrackerOptions>;
  };
}

export const PORTFOLIO_RISK_CONFIG = Symbol('PORTFOLIO_RISK_CONFIG');

export const DISABLED_PORTFOLIO_RISK: PortfolioRiskConfig = { var: { enabled: false, limitFraction: 1 }, allocation: { enabled: false } };

const fmt = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(6)).toString() : '0');

/**
 * Portfolio-level risk models on the ordered bus (ANALYTICS stage, after the regime service by
 * name): a rolling return model for 1-day 99% VaR (historical and GARCH-parametric, the larger
 * wins) and the hierarchical allocation whose per-instrument weights become exposure limits in
 * pre-trade risk. Allocation changes are stored as `risk.allocation_updated`.
 */
@Injectable()
export class PortfolioRiskService implements OnModuleInit {
  private model: PortfolioRiskModel | null = null;
  private allocation: AllocationTracker | null = null;
  private instruments: InstrumentId[] = [];
  private limits: Readonly<Record<string, number>> | null = null;

  constructor(
    private readonly bus: MessageBus,
    private readonly cache: Cache,
    private readonly clock: Clock,
    private readonly portfolio: PortfolioService,
    @Inject(PORTFOLIO_RISK_CONFIG) readonly config: PortfolioRiskConfig,
    @Optional() private readonly regimes?: RegimeService,
  ) {}

  onModuleInit(): void {
    if (!this.config.var.enabled && !this.config.allocation.enabled) return;
    this.bus.subscribe(BarClosedEvent, Stage.ANALYTICS, 'analytics.risk-model', (e) => this.onBar(e.bar));
  }

  /** The instrument's allocation as |fraction of equity|; undefined before the first allocation or when disabled. */
  allocationFraction(id: InstrumentId): number | undefined {
    return this.limits?.[id];
  }

  /** The instrument's allocation limit in money at the current equity. */
  allocationLimit(id: InstrumentId): Money | undefined {
    const fraction = this.allocationFraction(id);
    if (fraction === undefined) return undefined;
    const equity = this.portfolio.projection.equity();
    return Money.fromNumber(Math.max(0, fraction * equity.toNumber()), equity.currency, 'DOWN');
  }

  /** 1-day 99% VaR of the current book (money), or null while the model lacks history. */
  currentVar(): number | null {
    if (!this.model?.ready) return null;
    return this.model.varOf(this.positionsNotional());
  }

  /**
   * Post-trade VaR check for pre-trade risk: the book with `id`'s position replaced by the projected
   * one; null when it passes (or without enough history, or when disabled), otherwise the reason.
   * An order that lowers VaR passes even above the limit, so an over-limit book can de-risk.
   */
  postTradeVar(id: InstrumentId, projectedRaw: bigint, mark: Price): string | null {
    if (!this.config.var.enabled || !this.model?.ready) return null;
    const index = this.instruments.indexOf(id);
    if (index < 0) return null;
    const current = this.positionsNotional();
    const delta = current.map((_, i) => (i === index ? rawToNumber(projectedRaw) * mark.toNumber() - current[i]! : 0));
    const limit = this.config.var.limitFraction * this.portfolio.projection.equity().toNumber();
    const model = this.model;
    const verdict = postTradeVarCheck(current, delta, limit, (p) => model.varOf(p));
    return verdict.ok ? null : `${verdict.detail.message} (${(this.config.var.limitFraction * 100).toFixed(1)}% of equity; 1-day 99%, max of historical and GARCH-parametric)`;
  }

  /** Feeds a bar from before the run (warm-up): the return history grows, nothing is published. */
  prime(bar: Bar): void {
    if (!this.config.var.enabled && !this.config.allocation.enabled) return;
    this.ensureModel().update(bar.instrumentId, bar.tsClose, bar.close.toNumber());
  }

  private ensureModel(): PortfolioRiskModel {
    if (this.model === null) {
      this.instruments = this.cache.instruments().map((i) => i.id).sort();
      // GARCH parameters move slowly: refit once per window turnover (σ itself is filtered every bar).
      this.model = new PortfolioRiskModel(this.instruments, { garchRefitBars: 1080, ...this.config.var.model });
      if (this.config.allocation.enabled) this.allocation = new AllocationTracker(this.instruments, this.model, this.config.allocation.options);
    }
    return this.model;
  }

  private onBar(bar: Bar): void {
    const row = this.ensureModel().update(bar.instrumentId, bar.tsClose, bar.close.toNumber());
    // The allocation moves with complete rows (every instrument's bar of a timestamp), not per bar.
    if (!this.allocation || row !== 'COMPLETED') return;
    const regime = this.regimes?.portfolioRegime() ?? null;
    const result = this.allocation.update(regime);
    if (!result.changed) return;
    this.limits = result.limits;
    this.bus.publish(
      new AllocationUpdatedEvent({
        regime: regime ?? 'Unknown',
        limits: Object.keys(result.limits).sort().map((k) => `${k}=${fmt(result.limits[k]!)}`).join(','),
        gross: fmt(result.gross),
        net: fmt(result.net),
        tsEvent: this.clock.now(),
      }),
    );
  }

  /** Signed position notionals (quantity × last close), in instrument order. */
  private positionsNotional(): number[] {
    return this.instruments.map((id) => {
      const close = this.cache.lastBar(id)?.close.toNumber() ?? 0;
      return rawToNumber(this.portfolio.projection.netQuantityRaw(id)) * close;
    });
  }
}
