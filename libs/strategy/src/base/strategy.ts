import { Cache, Clock, MessageBus, Stage } from '@lib/kernel';
import {
  BarClosedEvent,
  SubmitOrderCommand,
  clientOrderId,
  type Bar,
  type InstrumentId,
  type OrderSide,
  type Quantity,
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
 * Base of every strategy: receives `bar.closed` after the cache and the portfolio have taken
 * that bar, and sends SubmitOrderCommands with deterministic client order ids. A strategy
 * reads only the cache (bars up to now) and the portfolio: it cannot see a later bar.
 */
export abstract class Strategy {
  private orderSeq = 0;

  protected constructor(
    readonly id: StrategyId,
    protected readonly bus: MessageBus,
    protected readonly cache: Cache,
    protected readonly clock: Clock,
    protected readonly portfolio: StrategyPortfolio,
  ) {}

  /** Subscribes the strategy to the bars of its instruments. */
  start(): void {
    this.bus.subscribe(BarClosedEvent, Stage.STRATEGY, `strategy.${this.id}`, (e) => this.onBar(e.bar));
  }

  protected abstract onBar(bar: Bar): void;

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
