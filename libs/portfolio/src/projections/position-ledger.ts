import {
  FIXED_PRECISION,
  FIXED_SCALAR,
  Money,
  Price,
  Quantity,
  decimalsOf,
  divRound,
  type CurrencyCode,
  type InstrumentId,
  type OrderSide,
} from '@lib/model';
import { canonicalDecimal } from './canonical-decimal.js';
import type { OpenTradeSnapshot, PositionSnapshot, TradeRecord } from './portfolio.types.js';

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const sign = (v: bigint): bigint => (v < 0n ? -1n : v > 0n ? 1n : 0n);
/** 10^18-scaled product (price × quantity) back to a 10^9 money raw. */
const toMoneyRaw = (raw18: bigint): bigint => divRound(raw18, FIXED_SCALAR, 'HALF_EVEN');

/** The round trip in progress. Notionals are exact 10^18-scaled sums of price × quantity. */
interface OpenTrade {
  readonly side: 'LONG' | 'SHORT';
  readonly entryTs: number;
  entryQty: bigint;
  entryNotional: bigint;
  exitQty: bigint;
  exitNotional: bigint;
  realized: bigint;
  fees: bigint;
  funding: bigint;
  fills: number;
}

/**
 * Netting position of one instrument, in raw fixed point.
 *
 * The cost basis is kept exactly: `cost` = Σ signed qty × price of the fills that opened the
 * current position, at 10^18 scale (no rounding while adding). Rounding happens only where a
 * 10^9 value has to come out, always HALF_EVEN:
 * - a partial reduce releases `cost × closed / qty` of the basis (rounded at 10^18, i.e. to
 *   10^-18 of a unit: negligible); a full close releases the whole basis, so a round trip
 *   without partial exits realizes exactly Σ exit notional − Σ entry notional;
 * - each reducing fill's realized PnL is rounded once to 10^-9 when it is booked into cash;
 * - avgEntryPrice = cost / qty and unrealized PnL = qty × mark − cost are rounded for display
 *   and equity, never fed back into the basis.
 * A flip (a fill larger than the position, opposite side) closes the position at the fill
 * price, then opens the remainder at the same price; its commission is split pro rata by
 * quantity between the closed round trip and the new one (the closing share rounded HALF_EVEN).
 */
export class PositionLedger {
  qty = 0n;
  cost = 0n;
  realized = 0n;
  fees = 0n;
  funding = 0n;
  turnover = 0n;
  fills = 0;
  lastMark: Price | null = null;
  lastFillPrice: Price | null = null;
  private pricePrecision = 0;
  private sizePrecision = 0;
  private open: OpenTrade | null = null;

  constructor(readonly instrumentId: InstrumentId) {}

  mark(price: Price): void {
    this.lastMark = price;
    this.pricePrecision = Math.max(this.pricePrecision, price.precision);
  }

  /** Books one fill; returns the round trip it completed, if any (a fill completes at most one). */
  fill(side: OrderSide, quantity: Quantity, price: Price, commissionRaw: bigint, ts: number, currency: CurrencyCode): TradeRecord | null {
    const filled = side === 'BUY' ? quantity.raw : -quantity.raw;
    const px = price.raw;
    this.pricePrecision = Math.max(this.pricePrecision, price.precision);
    this.sizePrecision = Math.max(this.sizePrecision, quantity.precision);
    this.lastFillPrice = price;
    this.fills++;
    this.fees += commissionRaw;
    this.turnover += toMoneyRaw(px * quantity.raw);
    if (filled === 0n) return null;

    if (this.qty === 0n || sign(filled) === sign(this.qty)) {
      this.increase(filled, px, commissionRaw, ts);
      return null;
    }

    const closing = abs(filled) < abs(this.qty) ? -filled : this.qty; // same sign as qty
    const released = closing === this.qty ? this.cost : divRound(this.cost * closing, this.qty, 'HALF_EVEN');
    const realized = toMoneyRaw(closing * px - released);
    const closingFee = abs(closing) === abs(filled) ? commissionRaw : divRound(commissionRaw * abs(closing), abs(filled), 'HALF_EVEN');
    this.qty -= closing;
    this.cost -= released;
    this.realized += realized;

    const trade = this.open!;
    trade.exitQty += abs(closing);
    trade.exitNotional += abs(closing) * px;
    trade.realized += realized;
    trade.fees += closingFee;
    trade.fills++;
    if (this.qty !== 0n) return null;

    this.open = null;
    const remainder = filled + closing;
    if (remainder !== 0n) this.increase(remainder, px, commissionRaw - closingFee, ts);
    return this.record(trade, ts, currency);
  }

  applyFunding(amountRaw: bigint): void {
    this.funding += amountRaw;
    if (this.open) this.open.funding += amountRaw;
  }

  /** Mark used for unrealized PnL: the last bar close, or the last fill price before the first bar. */
  get markPrice(): Price | null {
    return this.lastMark ?? this.lastFillPrice;
  }

  unrealizedRaw(): bigint {
    const mark = this.markPrice;
    if (this.qty === 0n || mark === null) return 0n;
    return toMoneyRaw(this.qty * mark.raw - this.cost);
  }

  grossExposureRaw(): bigint {
    const mark = this.markPrice;
    if (this.qty === 0n || mark === null) return 0n;
    return toMoneyRaw(abs(this.qty) * abs(mark.raw));
  }

  avgEntryRaw(): bigint | null {
    return this.qty === 0n ? null : divRound(this.cost, this.qty, 'HALF_EVEN');
  }

  avgEntryPrice(): Price | null {
    const raw = this.avgEntryRaw();
    return raw === null ? null : this.price(raw);
  }

  snapshot(): PositionSnapshot {
    const avg = this.avgEntryRaw();
    return {
      instrumentId: this.instrumentId,
      netQty: canonicalDecimal(this.qty),
      costBasis: canonicalDecimal(this.cost, 2 * FIXED_PRECISION),
      avgEntryPrice: avg === null ? null : canonicalDecimal(avg),
      realizedPnl: canonicalDecimal(this.realized),
      unrealizedPnl: canonicalDecimal(this.unrealizedRaw()),
      fees: canonicalDecimal(this.fees),
      funding: canonicalDecimal(this.funding),
      turnover: canonicalDecimal(this.turnover),
      lastMark: this.lastMark === null ? null : canonicalDecimal(this.lastMark.raw),
      lastFillPrice: this.lastFillPrice === null ? null : canonicalDecimal(this.lastFillPrice.raw),
      fills: this.fills,
      openTrade: this.open === null ? null : openTradeSnapshot(this.open),
    };
  }

  private increase(filled: bigint, px: bigint, feeRaw: bigint, ts: number): void {
    if (this.open === null) {
      this.open = {
        side: filled > 0n ? 'LONG' : 'SHORT',
        entryTs: ts,
        entryQty: 0n,
        entryNotional: 0n,
        exitQty: 0n,
        exitNotional: 0n,
        realized: 0n,
        fees: 0n,
        funding: 0n,
        fills: 0,
      };
    }
    this.qty += filled;
    this.cost += filled * px;
    this.open.entryQty += abs(filled);
    this.open.entryNotional += abs(filled) * px;
    this.open.fees += feeRaw;
    this.open.fills++;
  }

  private record(trade: OpenTrade, exitTs: number, currency: CurrencyCode): TradeRecord {
    const money = (raw: bigint) => Money.of(raw, currency);
    return {
      instrumentId: this.instrumentId,
      side: trade.side,
      quantity: Quantity.fromRaw(trade.entryQty, Math.max(this.sizePrecision, decimalsOf(trade.entryQty))),
      entryTs: trade.entryTs,
      exitTs,
      entryPrice: this.price(divRound(trade.entryNotional, trade.entryQty, 'HALF_EVEN')),
      exitPrice: this.price(divRound(trade.exitNotional, trade.exitQty, 'HALF_EVEN')),
      realizedPnl: money(trade.realized),
      fees: money(trade.fees),
      funding: money(trade.funding),
      netPnl: money(trade.realized - trade.fees + trade.funding),
      fills: trade.fills,
    };
  }

  private price(raw: bigint): Price {
    return Price.fromRaw(raw, Math.max(this.pricePrecision, decimalsOf(raw)));
  }
}

function openTradeSnapshot(t: OpenTrade): OpenTradeSnapshot {
  return {
    side: t.side,
    entryTs: t.entryTs,
    entryQty: canonicalDecimal(t.entryQty),
    entryNotional: canonicalDecimal(t.entryNotional, 2 * FIXED_PRECISION),
    exitQty: canonicalDecimal(t.exitQty),
    exitNotional: canonicalDecimal(t.exitNotional, 2 * FIXED_PRECISION),
    realizedPnl: canonicalDecimal(t.realized),
    fees: canonicalDecimal(t.fees),
    funding: canonicalDecimal(t.funding),
    fills: t.fills,
  };
}
