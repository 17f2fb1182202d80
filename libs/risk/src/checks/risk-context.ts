import type { ClientOrderId, Instrument, InstrumentId, Money, Price, TradingState } from '@lib/model';

/**
 * What the pre-trade checks may know about the world, read synchronously. The saga adapts the
 * cache and the portfolio to it; tests use `fixedRiskContext`.
 */
export interface RiskContext {
  /** Decision time (ms), from the injected clock; feeds the order rate limit. */
  readonly now: number;
  readonly tradingState: TradingState;
  instrument(id: InstrumentId): Instrument | undefined;
  /** Last close of the instrument: the price of market orders and the mark for positions. */
  referencePrice(id: InstrumentId): Price | undefined;
  /** Signed net position (raw, 10^9 scale): long positive, short negative. */
  netPositionRaw(id: InstrumentId): bigint;
  /** Signed leaves quantity (raw) of the instrument's other working orders (buys +, sells −), without `excluding`. */
  otherWorkingQtyRaw(id: InstrumentId, excluding: ClientOrderId): bigint;
  /** Sum over instruments of |position| × mark, in the limits' currency. */
  grossExposure(): Money;
  /**
   * Scale on the exposure limits (instrument, gross, allocation) from the circuit breaker:
   * 1 when CLOSED, its half-open multiplier when HALF_OPEN. Absent: 1.
   */
  readonly limitScale?: number;
  /** An extra cap on gross exposure (e.g. equity × the half-open multiplier); absent: none. */
  readonly grossCap?: Money;
  /** The instrument's limit from the hierarchical allocation (weight × equity); absent or undefined: none. */
  allocationLimit?(id: InstrumentId): Money | undefined;
  /**
   * Post-trade portfolio VaR of the book with `id`'s position replaced by `projectedRaw` (signed raw
   * quantity) valued at `mark`; absent: no VaR model. Returns null when the order passes.
   */
  postTradeVar?(id: InstrumentId, projectedRaw: bigint, mark: Price): string | null;
}

/** A context from plain values, keyed by instrument id. */
export interface RiskContextSnapshot {
  readonly now: number;
  readonly tradingState?: TradingState;
  readonly instruments: readonly Instrument[];
  readonly referencePrices?: Readonly<Record<string, Price>>;
  readonly positionsRaw?: Readonly<Record<string, bigint>>;
  readonly otherWorkingQtyRaw?: Readonly<Record<string, bigint>>;
  readonly grossExposure: Money;
}

export function fixedRiskContext(snapshot: RiskContextSnapshot): RiskContext {
  const byId = new Map<string, Instrument>(snapshot.instruments.map((i) => [i.id, i]));
  return {
    now: snapshot.now,
    tradingState: snapshot.tradingState ?? 'ACTIVE',
    instrument: (id) => byId.get(id),
    referencePrice: (id) => snapshot.referencePrices?.[id],
    netPositionRaw: (id) => snapshot.positionsRaw?.[id] ?? 0n,
    otherWorkingQtyRaw: (id) => snapshot.otherWorkingQtyRaw?.[id] ?? 0n,
    grossExposure: () => snapshot.grossExposure,
  };
}
