import { BAR_INTERVALS, strategyId, type Bar, type Instrument, type InstrumentId } from '@lib/model';
import type { Cache, Clock, MessageBus } from '@lib/kernel';
import { Ema } from '../indicators/ema.js';
import { RollingVolatility } from '../indicators/rolling-volatility.js';
import { Strategy, type StrategyPortfolio } from '../base/strategy.js';

export interface VolTargetTrendParams {
  readonly fastEma: number;
  readonly slowEma: number;
  readonly volLookback: number;
  /** Annualized volatility each instrument's position aims for. */
  readonly targetAnnualVol: number;
  /** Cap on |position notional| / (equity share of the instrument). */
  readonly maxLeverage: number;
  /** Trade only when the position is off target by more than this share of the target. */
  readonly rebalanceThreshold: number;
}

interface InstrumentState {
  readonly fast: Ema;
  readonly slow: Ema;
  readonly vol: RollingVolatility;
}

const DAYS_PER_YEAR = 365;

/**
 * Baseline trend follower with volatility targeting, one sleeve per instrument:
 * direction = sign(EMA_fast − EMA_slow); size = equity/N × min(maxLeverage, targetVol / realizedVol).
 * Orders are market orders filled at the next bar's open by the venue; it rebalances only when
 * the gap to target exceeds `rebalanceThreshold` (to keep turnover and fees down) or the
 * direction flips. Indicators update from the closed bar only: no look-ahead.
 */
export class VolTargetTrendStrategy extends Strategy {
  private readonly states = new Map<InstrumentId, InstrumentState>();
  private readonly instrumentsById: ReadonlyMap<InstrumentId, Instrument>;

  constructor(
    bus: MessageBus,
    cache: Cache,
    clock: Clock,
    portfolio: StrategyPortfolio,
    instruments: readonly Instrument[],
    private readonly params: VolTargetTrendParams,
    id = 'VTT-001',
  ) {
    super(strategyId(id), bus, cache, clock, portfolio);
    if (params.fastEma >= params.slowEma) throw new RangeError('fastEma must be smaller than slowEma');
    this.instrumentsById = new Map(instruments.map((i) => [i.id, i]));
    for (const i of instruments) {
      this.states.set(i.id, { fast: new Ema(params.fastEma), slow: new Ema(params.slowEma), vol: new RollingVolatility(params.volLookback) });
    }
  }

  protected onBar(bar: Bar): void {
    const state = this.states.get(bar.instrumentId);
    const instrument = this.instrumentsById.get(bar.instrumentId);
    if (!state || !instrument) return;
    const close = bar.close.toNumber();
    const fast = state.fast.update(close);
    const slow = state.slow.update(close);
    const sigmaBar = state.vol.update(close);
    if (!state.slow.ready || Number.isNaN(sigmaBar) || sigmaBar <= 0) return;
    const periodsPerYear = (DAYS_PER_YEAR * 86_400_000) / BAR_INTERVALS[bar.interval];
    const sigmaAnnual = sigmaBar * Math.sqrt(periodsPerYear);
    const direction = fast > slow ? 1 : -1;
    const leverage = Math.min(this.params.maxLeverage, this.params.targetAnnualVol / sigmaAnnual);
    const equity = this.portfolio.equityValue();
    if (!(equity > 0)) return;
    const targetQty = (direction * leverage * equity) / this.states.size / close;
    this.rebalanceTo(instrument, bar, targetQty, this.params.rebalanceThreshold, 'trend');
  }
}
