import type { InstrumentId, Money, Price, Quantity } from '@lib/model';

export type PositionSide = 'LONG' | 'SHORT' | 'FLAT';

/** One instrument's netting position as the portfolio sees it. Money is in the settlement currency. */
export interface PositionView {
  readonly instrumentId: InstrumentId;
  readonly side: PositionSide;
  /** Signed decimal: positive long, negative short, "0" flat. */
  readonly netQty: string;
  /** Signed raw fixed point (10^9 scale). */
  readonly netQtyRaw: bigint;
  /** Cost basis / |netQty|, rounded HALF_EVEN to 10^-9; null when flat. */
  readonly avgEntryPrice: Price | null;
  /** Price PnL realized by reducing fills, before fees and funding. */
  readonly realizedPnl: Money;
  /** netQty × (mark − avgEntry) at the last mark (last fill price before the first bar). */
  readonly unrealizedPnl: Money;
  /** Commissions paid (negative for net rebates). */
  readonly fees: Money;
  /** Funding received (positive) or paid (negative). */
  readonly funding: Money;
  /** Sum of fill notionals. */
  readonly turnover: Money;
  /** Close of the instrument's last `bar.closed`; null before its first bar. */
  readonly lastMark: Price | null;
  readonly fills: number;
}

/** The account marked at one bar timestamp (the last bar at that timestamp wins). */
export interface EquityPoint {
  readonly ts: number;
  /** cash + Σ unrealized PnL. */
  readonly equity: Money;
  /** Initial capital + realized PnL − fees + funding. */
  readonly cash: Money;
  /** Σ |netQty| × mark. */
  readonly grossExposure: Money;
  /** Highest equity of the curve up to and including this point. */
  readonly peak: Money;
  /** (peak − equity) / peak, in [0, 1] while equity is positive; 0 when peak ≤ 0. A report number. */
  readonly drawdown: number;
  /** Instruments with a non-zero position at this point. */
  readonly openPositions: number;
}

/** A round trip: from flat (or a flip) back to flat (or the next flip). */
export interface TradeRecord {
  readonly instrumentId: InstrumentId;
  readonly side: 'LONG' | 'SHORT';
  /** Total quantity entered (= total quantity exited). */
  readonly quantity: Quantity;
  readonly entryTs: number;
  readonly exitTs: number;
  /** Quantity-weighted average of the entering fills, HALF_EVEN to 10^-9. */
  readonly entryPrice: Price;
  /** Quantity-weighted average of the exiting fills, HALF_EVEN to 10^-9. */
  readonly exitPrice: Price;
  /** Price PnL of the round trip, before fees and funding. */
  readonly realizedPnl: Money;
  /** Commissions of the round trip's fills (a flip's commission is split pro rata by quantity). */
  readonly fees: Money;
  /** Funding applied while the round trip was open. */
  readonly funding: Money;
  /** realizedPnl − fees + funding: what decides a win or a loss. */
  readonly netPnl: Money;
  readonly fills: number;
}

/** Canonical state of one instrument: decimal strings, fixed key order. */
export interface PositionSnapshot {
  readonly instrumentId: string;
  readonly netQty: string;
  readonly costBasis: string;
  readonly avgEntryPrice: string | null;
  readonly realizedPnl: string;
  readonly unrealizedPnl: string;
  readonly fees: string;
  readonly funding: string;
  readonly turnover: string;
  readonly lastMark: string | null;
  readonly lastFillPrice: string | null;
  readonly fills: number;
  readonly openTrade: OpenTradeSnapshot | null;
}

export interface OpenTradeSnapshot {
  readonly side: 'LONG' | 'SHORT';
  readonly entryTs: number;
  readonly entryQty: string;
  readonly entryNotional: string;
  readonly exitQty: string;
  readonly exitNotional: string;
  readonly realizedPnl: string;
  readonly fees: string;
  readonly funding: string;
  readonly fills: number;
}

/**
 * Canonical, JSON-able portfolio state. Store bookkeeping (seq, event ids) is left out on
 * purpose: two runs of the same input are stored under different seqs and must hash the same.
 * The equity curve and the trade list enter through their count, last element and a digest.
 */
export interface PortfolioSnapshot {
  readonly version: 1;
  readonly currency: string;
  readonly started: boolean;
  readonly initialCapital: string;
  readonly cash: string;
  readonly equity: string;
  readonly grossExposure: string;
  readonly realizedPnl: string;
  readonly fees: string;
  readonly funding: string;
  readonly turnover: string;
  readonly fills: number;
  readonly positions: readonly PositionSnapshot[];
  readonly trades: { readonly count: number; readonly digest: string };
  readonly equityCurve: {
    readonly count: number;
    readonly peak: string | null;
    readonly last: { readonly ts: number; readonly equity: string; readonly cash: string; readonly grossExposure: string } | null;
    readonly digest: string;
  };
}
