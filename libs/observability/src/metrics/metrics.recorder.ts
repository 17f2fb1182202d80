import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Gauge, LabelValues } from 'prom-client';
import type { DataSource } from 'typeorm';
import { Cache, MessageBus, Stage } from '@lib/kernel';
import {
  AllocationUpdatedEvent,
  BarClosedEvent,
  BarRejectedEvent,
  BreakerTransitionedEvent,
  FundingAppliedEvent,
  OrderAcceptedEvent,
  OrderCanceledEvent,
  OrderDeniedEvent,
  OrderExpiredEvent,
  OrderFilledEvent,
  OrderInitializedEvent,
  OrderPendingCancelEvent,
  OrderRejectedEvent,
  OrderSubmittedEvent,
  OrderTriggeredEvent,
  RegimeChangedEvent,
  RunCompletedEvent,
  RunStartedEvent,
  SignalPredictedEvent,
  SizingDecidedEvent,
  SizingTierChangedEvent,
  TradingStateChangedEvent,
  type InstrumentId,
} from '@lib/model';
import { PortfolioService } from '@lib/portfolio';
import { CircuitBreakerService, PortfolioRiskService } from '@lib/risk';
import { DATA_SOURCE, observeDataSource } from '@lib/persistence';
import { BREAKER_STATE_INDEX, REGIME_STATE_INDEX, SIZING_TIER_INDEX, TRADING_STATE_INDEX, TradingMetrics, type RunMode } from './trading-metrics.js';
import { dbObserver } from './operation-observers.js';

type OrderEvent =
  | OrderInitializedEvent
  | OrderDeniedEvent
  | OrderSubmittedEvent
  | OrderAcceptedEvent
  | OrderRejectedEvent
  | OrderPendingCancelEvent
  | OrderCanceledEvent
  | OrderExpiredEvent
  | OrderTriggeredEvent
  | OrderFilledEvent;

/** Regime probabilities travel in this order (RegimeChangedEvent.probabilities). */
const REGIME_ORDER = ['Bear', 'Neutral', 'Bull', 'Crisis'] as const;
/** Reason codes are label values: only short upper-case codes pass, anything else is 'OTHER'. */
const CODE = /^[A-Z][A-Z0-9_.]{0,47}$/;
const code = (reason: string): string => (CODE.test(reason) ? reason : 'OTHER');
const num = (text: string | null | undefined): number | null => {
  if (text === null || text === undefined || text === '') return null;
  const value = Number(text);
  return Number.isFinite(value) ? value : null;
};

/**
 * Records trading metrics from the ordered bus, last of all handlers (Stage.RECORDER), and from
 * what the run's context holds (portfolio projection, breaker, risk model). A metrics failure is
 * logged once per kind and never stops or reorders trading: every handler is wrapped.
 *
 * Per bar the work is a handful of gauge sets for the bar's instrument; VaR and market-data age
 * are computed at scrape time instead, so the backtest hot path stays cheap.
 */
/** How often, in wall time, a backtest refreshes the mark-to-market gauges (see barClosed). */
const MARK_EVERY_MS = 100;

@Injectable()
export class MetricsRecorder implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(MetricsRecorder.name);
  private readonly metrics = TradingMetrics.shared();
  private readonly warned = new Set<string>();
  private mode: RunMode = 'backtest';
  private running = false;
  private peakEquity = 0;
  private instruments: InstrumentId[] = [];
  private lastMarkAt = Number.NEGATIVE_INFINITY;
  private storedSeen = 0;
  private releaseVar: (() => void) | null = null;
  /** (instrument → strategies) seen with working orders, so a strategy whose last order ended drops to 0. */
  private readonly openOrderKeys = new Map<string, Set<string>>();

  constructor(
    private readonly bus: MessageBus,
    private readonly cache: Cache,
    @Optional() private readonly portfolio?: PortfolioService,
    @Optional() private readonly breaker?: CircuitBreakerService,
    @Optional() private readonly portfolioRisk?: PortfolioRiskService,
    @Optional() @Inject(DATA_SOURCE) private readonly dataSource?: DataSource,
  ) {}

  onModuleInit(): void {
    if (this.dataSource) observeDataSource(this.dataSource, dbObserver(this.metrics));
    const on = <E extends { type: string }>(cls: Parameters<MessageBus['subscribe']>[0], what: string, fn: (e: E) => void) =>
      this.bus.subscribe(cls, Stage.RECORDER, 'metrics', (e) => this.safely(what, () => fn(e as unknown as E)));

    on<RunStartedEvent>(RunStartedEvent, 'run', (e) => this.runStarted(e));
    on<RunCompletedEvent>(RunCompletedEvent, 'run', () => this.runEnded());
    on<BarClosedEvent>(BarClosedEvent, 'bar', (e) => this.barClosed(e));
    on<BarRejectedEvent>(BarRejectedEvent, 'bar', (e) => this.metrics.barsRejected.inc({ instrument: e.instrumentId, reason: code(e.reason) }));
    for (const cls of [OrderInitializedEvent, OrderSubmittedEvent, OrderAcceptedEvent, OrderRejectedEvent, OrderPendingCancelEvent, OrderCanceledEvent, OrderExpiredEvent, OrderTriggeredEvent]) {
      on<OrderEvent>(cls, 'order', (e) => this.orderChanged(e));
    }
    on<OrderDeniedEvent>(OrderDeniedEvent, 'order', (e) => {
      const strategy = this.cache.order(e.clientOrderId)?.strategyId ?? 'unknown';
      this.metrics.denials.inc({ instrument: e.instrumentId, strategy, reason: code(e.reason) });
      this.orderChanged(e);
    });
    on<OrderFilledEvent>(OrderFilledEvent, 'fill', (e) => this.filled(e));
    on<FundingAppliedEvent>(FundingAppliedEvent, 'funding', (e) => this.positionOf(e.instrumentId));
    on<SignalPredictedEvent>(SignalPredictedEvent, 'signal', (e) => {
      const labels = { instrument: e.instrumentId, strategy: e.strategyId };
      this.setIfNumber(this.metrics.prediction, labels, num(e.prediction));
      this.setIfNumber(this.metrics.signalConfidence, labels, num(e.confidence));
      if (e.modelVersion !== null) this.metrics.modelServed(e.model, e.modelVersion, e.tier);
    });
    on<SizingDecidedEvent>(SizingDecidedEvent, 'sizing', (e) => this.sized(e));
    on<SizingTierChangedEvent>(SizingTierChangedEvent, 'sizing', (e) => {
      this.metrics.sizingTierChanges.inc({ instrument: e.instrumentId, strategy: e.strategyId, tier: e.to });
      this.metrics.sizingTier.set({ instrument: e.instrumentId, strategy: e.strategyId }, SIZING_TIER_INDEX[e.to] ?? -1);
    });
    on<RegimeChangedEvent>(RegimeChangedEvent, 'regime', (e) => {
      this.metrics.regimeState.set({ instrument: e.instrumentId }, REGIME_STATE_INDEX[e.to] ?? -1);
      this.metrics.regimeChanges.inc({ instrument: e.instrumentId, regime: e.to });
      const probabilities = e.probabilities.split(',').map((p) => num(p.trim()));
      REGIME_ORDER.forEach((regime, i) => this.setIfNumber(this.metrics.regimeProbability, { instrument: e.instrumentId, regime }, probabilities[i] ?? null));
    });
    on<AllocationUpdatedEvent>(AllocationUpdatedEvent, 'allocation', (e) => {
      for (const pair of e.limits.split(',')) {
        const [instrument, limit] = pair.split('=');
        if (instrument && this.cache.instrument(instrument as InstrumentId)) this.setIfNumber(this.metrics.allocationLimit, { instrument }, num(limit));
      }
    });
    on<BreakerTransitionedEvent>(BreakerTransitionedEvent, 'breaker', (e) => {
      this.metrics.breakerState.set({ mode: this.mode }, BREAKER_STATE_INDEX[e.to] ?? -1);
      if (e.to === 'OPEN') this.metrics.breakerTrips.inc({ mode: this.mode });
      this.metrics.tradingState.set({ mode: this.mode }, TRADING_STATE_INDEX[e.tradingState] ?? -1);
    });
    on<TradingStateChangedEvent>(TradingStateChangedEvent, 'trading-state', (e) => this.metrics.tradingState.set({ mode: this.mode }, TRADING_STATE_INDEX[e.to] ?? -1));
  }

  /** The context is closing (the run ended or failed): final store figures, and the run is no longer active. */
  onModuleDestroy(): void {
    this.safely('run', () => {
      this.storeProgress();
      this.runEnded();
    });
  }

  private runStarted(e: RunStartedEvent): void {
    this.mode = e.mode;
    this.peakEquity = e.initialCapital.toNumber();
    if (!this.running) {
      this.running = true;
      this.metrics.runsActive.inc({ mode: this.mode });
    }
    const mode = { mode: this.mode };
    this.metrics.equity.set(mode, this.peakEquity);
    this.metrics.drawdown.set(mode, 0);
    this.metrics.grossExposure.set(mode, 0);
    this.metrics.tradingState.set(mode, TRADING_STATE_INDEX.ACTIVE!);
    this.metrics.breakerState.set(mode, BREAKER_STATE_INDEX[this.breaker?.state ?? 'CLOSED'] ?? 0);
    this.instruments = [...e.instruments] as InstrumentId[];
    for (const instrument of e.instruments) {
      // Per-run gauges restart with the run; counters keep counting across runs.
      for (const gauge of [this.metrics.positionQuantity, this.metrics.positionNotional, this.metrics.unrealizedPnl, this.metrics.realizedPnl, this.metrics.fundingPaid]) gauge.set({ instrument }, 0);
    }
    const risk = this.portfolioRisk;
    const portfolio = this.portfolio;
    if (risk && portfolio && (risk.config.var.enabled || risk.config.allocation.enabled)) {
      this.releaseVar?.();
      this.releaseVar = this.metrics.bindVar(this.mode, () => {
        const value = risk.currentVar();
        const equity = portfolio.equityValue();
        return value === null || equity <= 0 ? null : value / equity;
      });
    }
  }

  private runEnded(): void {
    this.markAll();
    this.releaseVar?.();
    this.releaseVar = null;
    if (this.running) {
      this.running = false;
      this.metrics.runsActive.dec({ mode: this.mode });
    }
  }

  private barClosed(e: BarClosedEvent): void {
    this.metrics.barsProcessed.inc({ instrument: e.instrumentId });
    this.metrics.barClosed(e.instrumentId, e.tsEvent);
    // Mark-to-market gauges move with every bar, and Prometheus reads them every few seconds. A
    // backtest replays thousands of bars a second, so there they are refreshed at most every
    // MARK_EVERY_MS of wall time (and at every fill and at the end of the run); live and paper
    // bars are hours apart and refresh every time. Wall time only decides when a gauge is written,
    // never what: trading and the event stream do not see it.
    if (this.mode !== 'backtest' || performance.now() - this.lastMarkAt >= MARK_EVERY_MS) this.markAll();
  }

  private markAll(): void {
    this.lastMarkAt = performance.now();
    for (const instrument of this.instruments) this.positionOf(instrument);
    this.account();
    this.storeProgress();
  }

  private orderChanged(e: OrderEvent): void {
    const order = this.cache.order(e.clientOrderId);
    if (order) this.metrics.orders.inc({ instrument: e.instrumentId, strategy: order.strategyId, status: order.status });
    this.openOrders(e.instrumentId);
  }

  private filled(e: OrderFilledEvent): void {
    this.metrics.fills.inc({ instrument: e.instrumentId, strategy: e.strategyId, side: e.side });
    const notional = e.lastQty.toNumber() * e.lastPx.toNumber();
    if (notional > 0) this.metrics.fillNotional.inc({ instrument: e.instrumentId, side: e.side }, notional);
    const fee = e.commission.toNumber();
    // Counters only go up: a maker rebate (negative commission) is not subtracted.
    this.metrics.fees.inc({ instrument: e.instrumentId }, fee > 0 ? fee : 0);
    this.orderChanged(e);
    this.positionOf(e.instrumentId);
    this.account();
  }

  private sized(e: SizingDecidedEvent): void {
    const labels = { instrument: e.instrumentId, strategy: e.strategyId };
    this.setIfNumber(this.metrics.signalValue, labels, num(e.signal));
    this.setIfNumber(this.metrics.signalConfidence, labels, num(e.confidence));
    this.setIfNumber(this.metrics.rollingIc, labels, num(e.recentIc));
    this.setIfNumber(this.metrics.prediction, labels, num(e.prediction));
    this.metrics.sizingTier.set(labels, SIZING_TIER_INDEX[e.tier] ?? -1);
    this.setIfNumber(this.metrics.sizingFraction, { ...labels, kind: 'kelly' }, num(e.kellyFraction));
    this.setIfNumber(this.metrics.sizingFraction, { ...labels, kind: 'rl' }, num(e.rlFraction));
    this.setIfNumber(this.metrics.sizingFraction, { ...labels, kind: 'final' }, num(e.finalFraction));
    for (const cut of e.cuts.split(',')) if (cut.trim() !== '') this.metrics.sizingCuts.inc({ ...labels, reason: code(cut.trim()) });
  }

  private positionOf(instrumentId: InstrumentId): void {
    if (!this.portfolio?.projection.isStarted) return;
    const position = this.portfolio.projection.position(instrumentId);
    const instrument = { instrument: instrumentId };
    const qty = Number(position.netQty);
    this.metrics.positionQuantity.set(instrument, Number.isFinite(qty) ? qty : 0);
    const mark = position.lastMark?.toNumber() ?? 0;
    this.metrics.positionNotional.set(instrument, Math.abs(qty * mark) || 0);
    this.metrics.unrealizedPnl.set(instrument, position.unrealizedPnl.toNumber());
    this.metrics.realizedPnl.set(instrument, position.realizedPnl.toNumber());
    this.metrics.fundingPaid.set(instrument, -position.funding.toNumber());
  }

  private account(): void {
    if (!this.portfolio?.projection.isStarted) return;
    const projection = this.portfolio.projection;
    const equity = projection.equity().toNumber();
    const mode = { mode: this.mode };
    this.metrics.equity.set(mode, equity);
    if (equity > this.peakEquity) this.peakEquity = equity;
    this.metrics.drawdown.set(mode, this.peakEquity > 0 ? Math.max(0, (this.peakEquity - equity) / this.peakEquity) : 0);
    this.metrics.grossExposure.set(mode, equity > 0 ? projection.grossExposure().toNumber() / equity : 0);
  }

  /** Stored = published minus still buffered: the bus knows both, the store needs no hook. */
  private storeProgress(): void {
    const pending = this.bus.pendingWrites;
    const stored = this.bus.publishedCount - pending;
    if (stored > this.storedSeen) {
      this.metrics.eventsStored.inc(stored - this.storedSeen);
      this.storedSeen = stored;
    }
    this.metrics.eventStoreLag.set(pending);
  }

  private openOrders(instrumentId: InstrumentId): void {
    const counts = new Map<string, number>();
    for (const order of this.cache.workingOrders(instrumentId)) counts.set(order.strategyId, (counts.get(order.strategyId) ?? 0) + 1);
    const seen = this.openOrderKeys.get(instrumentId) ?? new Set<string>();
    for (const strategy of counts.keys()) seen.add(strategy);
    this.openOrderKeys.set(instrumentId, seen);
    for (const strategy of seen) this.metrics.openOrders.set({ instrument: instrumentId, strategy }, counts.get(strategy) ?? 0);
  }

  private setIfNumber<L extends string>(gauge: Gauge<L>, labels: LabelValues<L>, value: number | null): void {
    if (value !== null) gauge.set(labels, value);
  }

  private safely(what: string, record: () => void): void {
    try {
      record();
    } catch (err) {
      // One warning per kind: a broken metric on every bar would flood the log.
      if (this.warned.has(what)) return;
      this.warned.add(what);
      this.logger.warn(`${what} metrics not recorded: ${(err as Error).message}`);
    }
  }
}
