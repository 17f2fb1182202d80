import { createHash } from 'node:crypto';
import {
  BarClosedEvent,
  FundingAppliedEvent,
  Money,
  OrderFilledEvent,
  type Price,
  RunStartedEvent,
  type CurrencyCode,
  type DomainEvent,
  type InstrumentId,
} from '@lib/model';
import type { EventEnvelope } from '@lib/kernel';
import { canonicalDecimal } from './canonical-decimal.js';
import { PositionLedger } from './position-ledger.js';
import type { EquityPoint, PortfolioSnapshot, PositionView, TradeRecord } from './portfolio.types.js';

/** Settlement currency assumed until `run.started` names the real one. */
export const DEFAULT_SETTLEMENT_CURRENCY = 'USDT';

export class PortfolioError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'PortfolioError';
  }
}

/**
 * Positions, cash, PnL and the equity curve, rebuilt from events alone (plain TypeScript: the
 * same class serves the live kernel through PortfolioService and the audit replay).
 *
 * - Idempotent on `envelope.eventId`: an event applied twice changes nothing.
 * - Strictly in `seq` order: an older seq that is not an exact duplicate is an error, never a
 *   silent reorder.
 * - `run.started` sets cash and the settlement currency; fills and funding before it are errors.
 * - Cash = initial capital + realized PnL − commissions + funding; equity = cash + Σ unrealized.
 * - One equity point per bar timestamp, written on every `bar.closed` at that timestamp, so the
 *   last instrument's bar wins and the point holds every mark of that timestamp. A bar older
 *   than the last point only updates its instrument's mark.
 * - Netting and rounding rules: see PositionLedger.
 */
export class PortfolioProjection {
  private currency: CurrencyCode = DEFAULT_SETTLEMENT_CURRENCY;
  private started = false;
  private initialCapitalRaw = 0n;
  private cashRaw = 0n;
  private fills = 0;
  private readonly ledgers = new Map<string, PositionLedger>();
  private readonly closedTrades: TradeRecord[] = [];
  private readonly curve: EquityPoint[] = [];
  /** Peak equity over the points before the last one (the last one may still be overwritten). */
  private committedPeakRaw: bigint | null = null;
  private lastSeq: number | null = null;
  private readonly seqByEventId = new Map<string, number>();

  apply(event: DomainEvent, envelope: EventEnvelope): void {
    const appliedAt = this.seqByEventId.get(envelope.eventId);
    if (appliedAt !== undefined) {
      if (appliedAt === envelope.seq) return;
      throw new PortfolioError(
        'PORTFOLIO.EVENT_ID_REUSED',
        `event ${envelope.eventId} (${envelope.type}) was applied at seq ${appliedAt} and arrives again with seq ${envelope.seq}`,
      );
    }
    if (this.lastSeq !== null && envelope.seq <= this.lastSeq) {
      throw new PortfolioError(
        'PORTFOLIO.OUT_OF_ORDER',
        `event ${envelope.eventId} (${envelope.type}) has seq ${envelope.seq} but seq ${this.lastSeq} is already applied: events must be applied in seq order`,
      );
    }
    this.dispatch(event);
    this.seqByEventId.set(envelope.eventId, envelope.seq);
    this.lastSeq = envelope.seq;
  }

  /** Seq of the last applied event (bookkeeping: not part of the snapshot). */
  get lastAppliedSeq(): number | null {
    return this.lastSeq;
  }

  get settlementCurrency(): CurrencyCode {
    return this.currency;
  }

  get isStarted(): boolean {
    return this.started;
  }

  initialCapital(): Money {
    return this.money(this.initialCapitalRaw);
  }

  cash(): Money {
    return this.money(this.cashRaw);
  }

  equity(): Money {
    return this.money(this.equityRaw());
  }

  grossExposure(): Money {
    let total = 0n;
    for (const ledger of this.ledgers.values()) total += ledger.grossExposureRaw();
    return this.money(total);
  }

  /** Σ fill notional over all instruments. */
  turnover(): Money {
    return this.money(this.sumLedgers((l) => l.turnover));
  }

  realizedPnl(): Money {
    return this.money(this.sumLedgers((l) => l.realized));
  }

  unrealizedPnl(): Money {
    return this.money(this.sumLedgers((l) => l.unrealizedRaw()));
  }

  fees(): Money {
    return this.money(this.sumLedgers((l) => l.fees));
  }

  funding(): Money {
    return this.money(this.sumLedgers((l) => l.funding));
  }

  fillCount(): number {
    return this.fills;
  }

  netQuantityRaw(instrumentId: InstrumentId): bigint {
    return this.ledgers.get(instrumentId)?.qty ?? 0n;
  }

  /** The instrument's position; a flat, empty view for an instrument never seen. */
  position(instrumentId: InstrumentId): PositionView {
    return this.view(this.ledgers.get(instrumentId) ?? new PositionLedger(instrumentId));
  }

  /** Every instrument seen (bars, fills or funding), sorted by instrument id. */
  positions(): PositionView[] {
    return this.sortedLedgers().map((l) => this.view(l));
  }

  equityCurve(): readonly EquityPoint[] {
    return this.curve.slice();
  }

  /**
   * Open positions as raw fixed point, in instrument order, without building views: for per-bar
   * readers (records, metrics) that format only what they keep.
   */
  openPositionsRaw(): Array<{ readonly instrumentId: InstrumentId; readonly qtyRaw: bigint; readonly mark: Price | null; readonly unrealizedRaw: bigint }> {
    const out: Array<{ instrumentId: InstrumentId; qtyRaw: bigint; mark: Price | null; unrealizedRaw: bigint }> = [];
    for (const l of this.sortedLedgers()) if (l.qty !== 0n) out.push({ instrumentId: l.instrumentId, qtyRaw: l.qty, mark: l.markPrice, unrealizedRaw: l.unrealizedRaw() });
    return out;
  }

  /** The latest point of the equity curve (no copy of the curve); null before the first bar. */
  lastPoint(): EquityPoint | null {
    return this.curve.at(-1) ?? null;
  }

  trades(): readonly TradeRecord[] {
    return this.closedTrades.slice();
  }

  snapshot(): PortfolioSnapshot {
    const last = this.curve.at(-1) ?? null;
    return {
      version: 1,
      currency: this.currency,
      started: this.started,
      initialCapital: canonicalDecimal(this.initialCapitalRaw),
      cash: canonicalDecimal(this.cashRaw),
      equity: canonicalDecimal(this.equityRaw()),
      grossExposure: canonicalDecimal(this.grossExposure().raw),
      realizedPnl: canonicalDecimal(this.realizedPnl().raw),
      fees: canonicalDecimal(this.fees().raw),
      funding: canonicalDecimal(this.funding().raw),
      turnover: canonicalDecimal(this.turnover().raw),
      fills: this.fills,
      positions: this.sortedLedgers().map((l) => l.snapshot()),
      trades: { count: this.closedTrades.length, digest: digestLines(this.closedTrades.map(tradeLine)) },
      equityCurve: {
        count: this.curve.length,
        peak: last === null ? null : canonicalDecimal(last.peak.raw),
        last:
          last === null
            ? null
            : { ts: last.ts, equity: canonicalDecimal(last.equity.raw), cash: canonicalDecimal(last.cash.raw), grossExposure: canonicalDecimal(last.grossExposure.raw) },
        digest: digestLines(this.curve.map(pointLine)),
      },
    };
  }

  /** sha256 (hex) of the canonical JSON of `snapshot()`. */
  stateHash(): string {
    return createHash('sha256').update(JSON.stringify(this.snapshot())).digest('hex');
  }

  private dispatch(event: DomainEvent): void {
    if (event instanceof BarClosedEvent) this.onBar(event);
    else if (event instanceof OrderFilledEvent) this.onFill(event);
    else if (event instanceof FundingAppliedEvent) this.onFunding(event);
    else if (event instanceof RunStartedEvent) this.onRunStarted(event);
  }

  private onRunStarted(e: RunStartedEvent): void {
    if (this.started) throw new PortfolioError('PORTFOLIO.ALREADY_STARTED', `run.started at ${e.tsEvent} after the run already started`);
    this.started = true;
    this.currency = e.initialCapital.currency;
    this.initialCapitalRaw = e.initialCapital.raw;
    this.cashRaw = e.initialCapital.raw;
  }

  private onFill(e: OrderFilledEvent): void {
    this.requireStarted(e);
    this.requireCurrency(e.commission, `commission of trade ${e.tradeId}`);
    const ledger = this.ledger(e.instrumentId);
    const realizedBefore = ledger.realized;
    const trade = ledger.fill(e.side, e.lastQty, e.lastPx, e.commission.raw, e.tsEvent, this.currency);
    this.fills++;
    this.cashRaw += ledger.realized - realizedBefore - e.commission.raw;
    if (trade !== null) this.closedTrades.push(trade);
  }

  private onFunding(e: FundingAppliedEvent): void {
    this.requireStarted(e);
    this.requireCurrency(e.amount, `funding of ${e.instrumentId}`);
    this.ledger(e.instrumentId).applyFunding(e.amount.raw);
    this.cashRaw += e.amount.raw;
  }

  private onBar(e: BarClosedEvent): void {
    this.ledger(e.instrumentId).mark(e.close);
    if (this.started) this.recordPoint(e.tsEvent);
  }

  private recordPoint(ts: number): void {
    const last = this.curve.at(-1);
    if (last !== undefined) {
      if (ts < last.ts) return;
      if (ts === last.ts) this.curve.pop();
      else this.committedPeakRaw = last.peak.raw;
    }
    const equity = this.equityRaw();
    const peak = this.committedPeakRaw === null || equity > this.committedPeakRaw ? equity : this.committedPeakRaw;
    let openPositions = 0;
    for (const ledger of this.ledgers.values()) if (ledger.qty !== 0n) openPositions++;
    this.curve.push({
      ts,
      equity: this.money(equity),
      cash: this.money(this.cashRaw),
      grossExposure: this.grossExposure(),
      peak: this.money(peak),
      drawdown: peak > 0n ? Number(peak - equity) / Number(peak) : 0,
      openPositions,
    });
  }

  private equityRaw(): bigint {
    let equity = this.cashRaw;
    for (const ledger of this.ledgers.values()) equity += ledger.unrealizedRaw();
    return equity;
  }

  private ledger(instrumentId: InstrumentId): PositionLedger {
    let ledger = this.ledgers.get(instrumentId);
    if (ledger === undefined) {
      ledger = new PositionLedger(instrumentId);
      this.ledgers.set(instrumentId, ledger);
    }
    return ledger;
  }

  private view(l: PositionLedger): PositionView {
    return {
      instrumentId: l.instrumentId,
      side: l.qty > 0n ? 'LONG' : l.qty < 0n ? 'SHORT' : 'FLAT',
      netQty: canonicalDecimal(l.qty),
      netQtyRaw: l.qty,
      avgEntryPrice: l.avgEntryPrice(),
      realizedPnl: this.money(l.realized),
      unrealizedPnl: this.money(l.unrealizedRaw()),
      fees: this.money(l.fees),
      funding: this.money(l.funding),
      turnover: this.money(l.turnover),
      lastMark: l.lastMark,
      fills: l.fills,
    };
  }

  private sortedLedgers(): PositionLedger[] {
    return [...this.ledgers.values()].sort((a, b) => (a.instrumentId < b.instrumentId ? -1 : a.instrumentId > b.instrumentId ? 1 : 0));
  }

  private sumLedgers(pick: (l: PositionLedger) => bigint): bigint {
    let total = 0n;
    for (const ledger of this.ledgers.values()) total += pick(ledger);
    return total;
  }

  private money(raw: bigint): Money {
    return Money.of(raw, this.currency);
  }

  private requireStarted(e: DomainEvent): void {
    if (!this.started) throw new PortfolioError('PORTFOLIO.NOT_STARTED', `${e.type} at ${e.tsEvent} before run.started: the portfolio has no capital yet`);
  }

  private requireCurrency(amount: Money, what: string): void {
    if (amount.currency !== this.currency) {
      throw new PortfolioError('PORTFOLIO.CURRENCY_MISMATCH', `${what} is in ${amount.currency}, the portfolio settles in ${this.currency}`);
    }
  }
}

function tradeLine(t: TradeRecord): string {
  return [
    t.instrumentId,
    t.side,
    canonicalDecimal(t.quantity.raw),
    t.entryTs,
    t.exitTs,
    canonicalDecimal(t.entryPrice.raw),
    canonicalDecimal(t.exitPrice.raw),
    canonicalDecimal(t.realizedPnl.raw),
    canonicalDecimal(t.fees.raw),
    canonicalDecimal(t.funding.raw),
    t.fills,
  ].join('|');
}

function pointLine(p: EquityPoint): string {
  return `${p.ts}|${canonicalDecimal(p.equity.raw)}|${canonicalDecimal(p.cash.raw)}|${canonicalDecimal(p.grossExposure.raw)}|${p.openPositions}`;
}

function digestLines(lines: readonly string[]): string {
  const hash = createHash('sha256');
  for (const line of lines) hash.update(`${line}\n`);
  return hash.digest('hex');
}
