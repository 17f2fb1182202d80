import { Cache, Clock, MessageBus, Stage } from '@lib/kernel';
import {
  BarClosedEvent,
  SubmitOrderCommand,
  clientOrderId,
  Quantity,
  rawToNumber,
  type Bar,
  type Instrument,
  type InstrumentId,
  type OrderSide,
  type StrategyId,
} from '@lib/model';

/** What a strategy may read of the portfolio: marked at the current bar, never ahead of it. */
export interface StrategyPortfolio {
  /** Account equity marked at the latest bar close, as a float for sizing maths. */
  equityValue(): number;
  /** Signed net position in raw fixed point (10^9 scale). */
  netQuantityRaw(instrumentId: InstrumentId): bigint;
}

export const STRATEGY_PORTFOLIO = Symbol('STRATEGY_PORTFOLIO');

/**
 * What a strategy may read of risk, so it sizes inside the limits instead of collecting denials:
 * pre-trade risk still enforces every limit; this only keeps strategies from asking for more.
 */
export interface StrategyRiskView {
  /** Largest |position notional| / equity the instrument may hold now (allocation × breaker); Infinity: none. */
  exposureLimit(instrumentId: InstrumentId): number;
  /** False while risk lets only reducing orders through (breaker open, trading REDUCING or HALTED). */
  canIncrease(): boolean;
}

/**
 * Base of every strategy: receives `bar.closed` after the cache and the portfolio have taken
 * that bar, and sends SubmitOrderCommands with deterministic client order ids. A strategy
 * reads only the cache (bars up to now) and the portfolio: it cannot see a later bar.
 */
export abstract class Strategy {
  private orderSeq = 0;
  private risk: StrategyRiskView | null = null;

  protected constructor(
    readonly id: StrategyId,
    protected readonly bus: MessageBus,
    protected readonly cache: Cache,
    protected readonly clock: Clock,
    protected readonly portfolio: StrategyPortfolio,
  ) {}

  /** Subscribes the strategy to the bars of its instruments. */
  start(): void {
    this.bus.subscribe(BarClosedEvent, Stage.STRATEGY, `strategy.${this.id}`, (e) => {
      const work = this.onBar(e.bar);
      // Asynchronous work (model inference) is tracked: drivers settle it before the next input.
      if (work) this.bus.track(work);
    });
  }

  protected abstract onBar(bar: Bar): void | Promise<void>;

  /** Lets the strategy read risk limits (see StrategyRiskView); without one it sizes unconstrained. */
  useRisk(view: StrategyRiskView): this {
    this.risk = view;
    return this;
  }

  /** The target clamped to what risk allows now: the exposure limit, and no increase while reducing only. */
  protected withinRisk(instrumentId: InstrumentId, targetQty: number, currentQty: number, price: number, equity: number): number {
    if (this.risk === null) return targetQty;
    let target = targetQty;
    const limit = this.risk.exposureLimit(instrumentId);
    if (Number.isFinite(limit) && price > 0 && equity > 0) {
      const maxQty = Math.max(0, (limit * equity) / price);
      target = Math.max(-maxQty, Math.min(maxQty, target));
    }
    if (!this.risk.canIncrease()) {
      if (currentQty === 0 || Math.sign(target) !== Math.sign(currentQty)) target = 0;
      else if (Math.abs(target) > Math.abs(currentQty)) target = currentQty;
    }
    return target;
  }

  /**
   * Trades the instrument toward `targetQty` (signed, in base units) with one market order, when
   * the gap is worth it: more than `threshold` of the target, or a change of direction. Sizes are
   * rounded down to the lot; orders under the venue minimums are not sent. Never stacks orders:
   * while one is working for the instrument, nothing new is sent. This is the one place where a
   * float target becomes a fixed-point order quantity.
   */
  protected rebalanceTo(instrument: Instrument, bar: Bar, targetQty: number, threshold: number, tag: string): boolean {
    if (!Number.isFinite(targetQty)) throw new RangeError(`${this.id}: target quantity for ${instrument.id} is not finite (${targetQty})`);
    if (this.cache.hasWorkingOrders(instrument.id)) return false;
    const currentQty = rawToNumber(this.portfolio.netQuantityRaw(instrument.id));
    targetQty = this.withinRisk(instrument.id, targetQty, currentQty, bar.close.toNumber(), this.portfolio.equityValue());
    if (targetQty === currentQty) return false;
    const flips = currentQty !== 0 && targetQty !== 0 && Math.sign(currentQty) !== Math.sign(targetQty);
    const gap = Math.abs(targetQty - currentQty);
    const closing = targetQty === 0 && currentQty !== 0;
    if (!flips && !closing && gap < threshold * Math.abs(targetQty)) return false;
    const deltaQty = targetQty - currentQty;
    const quantity = Quantity.fromNumber(Math.abs(deltaQty), instrument.sizePrecision, 'DOWN').roundToLot(instrument.lotSize, 'DOWN');
    if (quantity.lt(instrument.minQuantity)) return false;
    const reducing = !flips && Math.abs(targetQty) < Math.abs(currentQty);
    // The venue minimum notional does not bind an order that only reduces (risk lets it through).
    if (!reducing && quantity.toNumber() * bar.close.toNumber() < instrument.minNotional.toNumber()) return false;
    this.submitMarket(instrument.id, deltaQty > 0 ? 'BUY' : 'SELL', quantity, reducing, reducing ? `${tag}:reduce` : flips ? `${tag}:flip` : `${tag}:add`);
    return true;
  }

  protected submitMarket(instrumentId: InstrumentId, side: OrderSide, quantity: Quantity, reduceOnly: boolean, tag: string | null): void {
    this.bus.send(
      new SubmitOrderCommand({
        clientOrderId: clientOrderId(`${this.id}-${++this.orderSeq}`),
        strategyId: this.id,
        instrumentId,
        side,
        orderType: 'MARKET',
        quantity,
        price: null,
        triggerPrice: null,
        timeInForce: 'GTC',
        reduceOnly,
        tag,
      }),
    );
  }
}
