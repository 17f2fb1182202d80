import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { Cache, Clock, MessageBus, Stage } from '@lib/kernel';
import {
  BarClosedEvent,
  BreakerTransitionedEvent,
  CancelOrderCommand,
  Quantity,
  SubmitOrderCommand,
  clientOrderId,
  rawToNumber,
  strategyId,
  type Bar,
  type InstrumentId,
} from '@lib/model';
import { PortfolioService } from '@lib/portfolio';
import { TradingStateService } from '../state/trading-state.service.js';
import { CircuitBreaker, type BreakerResult, type BreakerState, type BreakerTransition, type CircuitBreakerConfig, type CircuitBreakerSnapshot } from './circuit-breaker.js';

export interface CircuitBreakerServiceConfig extends CircuitBreakerConfig {
  /** When false the breaker never marks and never trips (operator actions still work). */
  readonly enabled: boolean;
}

export const CIRCUIT_BREAKER_CONFIG = Symbol('CIRCUIT_BREAKER_CONFIG');

/** Strategy id of the orders the breaker sends to flatten the book. */
export const BREAKER_STRATEGY_ID = strategyId('RISK-BREAKER');

const fmt = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(12)).toString() : '0');

export interface BreakerStatus {
  readonly state: BreakerState;
  readonly sizeMultiplier: number;
  readonly peak: number | null;
  readonly lastDrawdown: number;
  readonly trips: number;
  readonly enabled: boolean;
}

/**
 * The drawdown circuit breaker on the ordered bus. At the RISK stage of every `bar.closed` (after
 * the portfolio has marked the bar, before strategies see it) it marks equity twice: at the close,
 * and with the bar's instrument valued at its adverse extreme (low for a long, high for a short).
 * A transition is stored as `risk.breaker_transitioned`; OPEN cancels every working order, sends a
 * reduce-only market order closing each position, and sets the trading state to REDUCING, so
 * nothing but de-risking passes pre-trade risk until the cool-down ends.
 */
@Injectable()
export class CircuitBreakerService implements OnModuleInit {
  private readonly logger = new Logger('CircuitBreaker');
  private readonly breaker: CircuitBreaker;
  private flattenSeq = 0;
  private tripCount = 0;
  private lastDrawdown = 0;

  constructor(
    private readonly bus: MessageBus,
    private readonly cache: Cache,
    private readonly clock: Clock,
    private readonly portfolio: PortfolioService,
    private readonly tradingState: TradingStateService,
    @Inject(CIRCUIT_BREAKER_CONFIG) readonly config: CircuitBreakerServiceConfig,
  ) {
    this.breaker = new CircuitBreaker(config);
  }

  onModuleInit(): void {
    if (!this.config.enabled) return;
    this.bus.subscribe(BarClosedEvent, Stage.RISK, 'risk.circuit-breaker', (e) => this.onBar(e.bar));
  }

  get state(): BreakerState {
    return this.breaker.state;
  }

  /** Scale on exposure limits: 1 CLOSED, the half-open multiplier HALF_OPEN, 0 OPEN. */
  get sizeMultiplier(): number {
    return this.breaker.sizeMultiplier;
  }

  status(): BreakerStatus {
    return { state: this.breaker.state, sizeMultiplier: this.breaker.sizeMultiplier, peak: this.breaker.currentPeak, lastDrawdown: this.lastDrawdown, trips: this.tripCount, enabled: this.config.enabled };
  }

  snapshot(): CircuitBreakerSnapshot {
    return this.breaker.snapshot();
  }

  /** Operator trip: OPEN now (flatten, REDUCING). Returns false when already OPEN. */
  trip(reason: string): boolean {
    const equity = this.equity();
    return this.apply(this.breaker.trip(`operator: ${reason}`, this.clock.now()), equity, equity, null);
  }

  /** Operator reset: CLOSED now, trading ACTIVE, the peak re-initialised at the next bar. */
  reset(reason: string): boolean {
    const equity = this.equity();
    return this.apply(this.breaker.reset(`operator: ${reason}`, this.clock.now()), equity, equity, null);
  }

  private onBar(bar: Bar): void {
    const projection = this.portfolio.projection;
    if (!projection.isStarted) return;
    const equity = projection.equity().toNumber();
    const qty = rawToNumber(projection.netQuantityRaw(bar.instrumentId));
    const adversePrice = qty > 0 ? bar.low.toNumber() : qty < 0 ? bar.high.toNumber() : bar.close.toNumber();
    const adverseEquity = equity + qty * (adversePrice - bar.close.toNumber());
    const result = this.breaker.mark({ ts: bar.tsClose, equity, adverseEquity });
    this.lastDrawdown = result.drawdown;
    this.apply(result, equity, adverseEquity, bar.instrumentId);
  }

  private equity(): number {
    const projection = this.portfolio.projection;
    return projection.isStarted ? projection.equity().toNumber() : 0;
  }

  private apply(result: BreakerResult, equity: number, adverseEquity: number, instrumentId: InstrumentId | null): boolean {
    const t = result.transition;
    if (!t) return false;
    this.record(t, equity, adverseEquity, instrumentId);
    if (t.to === 'OPEN') this.tripCount++;
    for (const action of t.actions) {
      if (action.type === 'FLATTEN_ALL') this.flattenAll();
      else if (action.type === 'SET_TRADING_STATE') this.tradingState.set(action.state, `circuit breaker ${t.from} → ${t.to}: ${t.reason}`);
    }
    return true;
  }

  private record(t: BreakerTransition, equity: number, adverseEquity: number, instrumentId: InstrumentId | null): void {
    const reference = t.trigger === 'OPERATOR_RESET' ? null : this.referenceFor(t, equity, adverseEquity);
    this.logger.warn(`${t.from} → ${t.to} (${t.trigger}): ${t.reason}`);
    this.bus.publish(
      new BreakerTransitionedEvent({
        from: t.from,
        to: t.to,
        trigger: t.trigger,
        reason: t.reason,
        drawdown: fmt(t.drawdown),
        equity: fmt(equity),
        adverseEquity: fmt(adverseEquity),
        reference: reference === null ? null : fmt(reference),
        tradingState: t.tradingState,
        sizeMultiplier: fmt(t.sizeMultiplier),
        instrumentId,
        tsEvent: this.clock.now(),
      }),
    );
  }

  /** The equity the drawdown was measured from: adverse / (1 − drawdown). */
  private referenceFor(t: BreakerTransition, equity: number, adverseEquity: number): number | null {
    if (t.drawdown <= 0 || t.drawdown >= 1) return this.breaker.currentPeak ?? equity;
    return adverseEquity / (1 - t.drawdown);
  }

  /** Cancels every working order and closes every position with reduce-only market orders. */
  private flattenAll(): void {
    for (const order of this.cache.workingOrders()) this.bus.send(new CancelOrderCommand(order.clientOrderId));
    for (const position of this.portfolio.projection.positions()) {
      const raw = this.portfolio.projection.netQuantityRaw(position.instrumentId);
      if (raw === 0n) continue;
      const instrument = this.cache.instrument(position.instrumentId);
      if (!instrument) continue;
      let left = raw < 0n ? -raw : raw;
      const chunk = instrument.maxQuantity.raw;
      while (left > 0n) {
        const size = left > chunk ? chunk : left;
        left -= size;
        this.bus.send(
          new SubmitOrderCommand({
            clientOrderId: clientOrderId(`${BREAKER_STRATEGY_ID}-${++this.flattenSeq}`),
            strategyId: BREAKER_STRATEGY_ID,
            instrumentId: position.instrumentId,
            side: raw > 0n ? 'SELL' : 'BUY',
            orderType: 'MARKET',
            quantity: Quantity.fromRaw(size, instrument.sizePrecision),
            price: null,
            triggerPrice: null,
            timeInForce: 'GTC',
            reduceOnly: true,
            tag: 'breaker:flatten',
          }),
        );
      }
    }
  }
}
