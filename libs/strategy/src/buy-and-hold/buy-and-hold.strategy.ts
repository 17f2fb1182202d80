import { strategyId, type Bar, type Instrument, type InstrumentId } from '@lib/model';
import type { Cache, Clock, MessageBus } from '@lib/kernel';
import { Strategy, type StrategyPortfolio } from '../base/strategy.js';

export interface BuyAndHoldParams {
  /** Position notional per instrument as a multiple of its equity sleeve (equity / N). */
  readonly leverage: number;
  /** Trade only when the position is off target by more than this share of the target. */
  readonly rebalanceThreshold: number;
}

export const DEFAULT_BUY_AND_HOLD_PARAMS: BuyAndHoldParams = { leverage: 1, rebalanceThreshold: 0.25 };

/**
 * The benchmark every strategy is judged against: long each instrument with an equal share of
 * equity, rebalanced only when the position drifts past the threshold. It holds through every
 * crash, which also makes it the natural subject for circuit-breaker tests: whatever the breaker
 * flattens, this strategy tries to buy back, and only risk can stop it.
 */
export class BuyAndHoldStrategy extends Strategy {
  private readonly instrumentsById: ReadonlyMap<InstrumentId, Instrument>;

  constructor(
    bus: MessageBus,
    cache: Cache,
    clock: Clock,
    portfolio: StrategyPortfolio,
    instruments: readonly Instrument[],
    private readonly params: BuyAndHoldParams = DEFAULT_BUY_AND_HOLD_PARAMS,
    id = 'BAH-001',
  ) {
    super(strategyId(id), bus, cache, clock, portfolio);
    if (!(params.leverage > 0 && Number.isFinite(params.leverage))) throw new RangeError(`leverage must be a positive number, got ${params.leverage}`);
    this.instrumentsById = new Map(instruments.map((i) => [i.id, i]));
  }

  protected onBar(bar: Bar): void {
    const instrument = this.instrumentsById.get(bar.instrumentId);
    if (!instrument) return;
    const equity = this.portfolio.equityValue();
    if (!(equity > 0)) return;
    const targetQty = (this.params.leverage * equity) / this.instrumentsById.size / bar.close.toNumber();
    this.rebalanceTo(instrument, bar, targetQty, this.params.rebalanceThreshold, 'hold');
  }
}
