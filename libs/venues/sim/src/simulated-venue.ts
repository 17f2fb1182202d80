import type { ExecutionClient, ExecutionReport, ExecutionReportSink } from '@lib/execution';
import type { Cache, Clock, MarketDataSink } from '@lib/kernel';
import {
  formatDecimal,
  FundingAppliedEvent,
  Money,
  OrderAcceptedEvent,
  OrderCanceledEvent,
  OrderFilledEvent,
  OrderRejectedEvent,
  OrderTriggeredEvent,
  Quantity,
  tradeId,
  venueOrderId,
  type Bar,
  type ClientOrderId,
  type FundingRate,
  type Instrument,
  type InstrumentId,
  type LiquiditySide,
  type Order,
  type Price,
  type VenueOrderId,
} from '@lib/model';
import { adverseTick, commissionFor, fundingAmountRaw, reducibleRaw, slippedPrice, volumeBudgetRaw } from './fill-model.js';
import { resolveSimulatedVenueConfig, type ResolvedSimulatedVenueConfig, type SimulatedVenueConfig } from './simulated-venue.config.js';

/** Why the simulated venue refused an order (`order.rejected` reason is `<code>: <detail>`). */
export const SIM_REJECT_REASONS = [
  'SIM.UNKNOWN_INSTRUMENT',
  'SIM.QUANTITY_PRECISION',
  'SIM.MIN_QUANTITY',
  'SIM.MAX_QUANTITY',
  'SIM.PRICE_PRECISION',
  'SIM.INVALID_PRICE',
] as const;
export type SimRejectReason = (typeof SIM_REJECT_REASONS)[number];

/** Why the simulated venue canceled an order (`order.canceled` reason). */
export const SIM_CANCEL_REASONS = ['SIM.CANCELED_BY_CLIENT', 'SIM.IOC_UNFILLED', 'SIM.FOK_UNFILLABLE', 'SIM.REDUCE_ONLY'] as const;
export type SimCancelReason = (typeof SIM_CANCEL_REASONS)[number];

/** Misuse of the venue or broken state: fails loudly, never becomes a report. */
export class SimulatedVenueError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SimulatedVenueError';
  }
}

interface WorkingOrder {
  readonly order: Order;
  readonly instrument: Instrument;
  readonly venueOrderId: VenueOrderId;
  /** Submission sequence: orders are matched in the order they reached the venue. */
  readonly seq: number;
  /** Trades only on bars closing after this time, so never on the bar it was submitted after. */
  readonly afterTs: number;
  leavesRaw: bigint;
  triggered: boolean;
  done: boolean;
}

/** Where in a bar an order can trade. Lower phases happen first (see the class comment). */
const Phase = { OPEN: 0, INTRABAR_STOP: 1, INTRABAR_LIMIT: 2 } as const;
type Phase = (typeof Phase)[keyof typeof Phase];

interface FillChance {
  readonly working: WorkingOrder;
  readonly phase: Phase;
  readonly price: Price;
  readonly ts: number;
  readonly liquidity: LiquiditySide;
  /** The stop triggers on this chance (report `order.triggered` first). */
  readonly triggers: boolean;
}

/**
 * A simulated exchange matching orders against bars: the execution client in backtest and paper.
 *
 * Timing: an order accepted after bar N trades from bar N+1 on, never on N (no look-ahead): it
 * trades only on bars closing after max(clock at submission, last close the venue saw for the
 * instrument), so neither another instrument's bar of the same period in a multi-instrument
 * backtest nor a repeated bar can fill it, while a live bar delivered seconds late still can.
 * `onBar` runs before strategies see the bar, so fills at the bar's open are booked first.
 *
 * Intrabar assumptions (bars carry no path, so the venue assumes the one least kind to the trader):
 * - A limit fills only if the bar trades THROUGH it (buy: low < limit, sell: high > limit); a touch
 *   is not a fill, because the queue ahead of the order may have absorbed it. If the bar opens
 *   through the limit (gap), the order fills at the open, which is the better price, as a taker;
 *   otherwise at the limit, as a maker if GTC (it rested in the book before the bar opened).
 *   IOC/FOK never rest: they are takers and get exactly one bar.
 * - Within one bar, fills at the open come first, then stops, then limits: when a bar's range could
 *   have touched both a stop and a limit, the adverse one (the stop) is assumed to have happened
 *   first. Inside each phase orders go in submission order.
 * - A stop triggers when the bar reaches its trigger (buy: high >= trigger, sell: low <= trigger) and
 *   fills as a market order at max(open, trigger) for a buy, min(open, trigger) for a sell, plus
 *   slippage. Time in force applies after the trigger (an untriggered IOC stop keeps waiting).
 *
 * Volume: with `volumeShareCap`, all orders of an instrument share one budget of
 * cap × bar volume (rounded down to the lot) per bar, spent in the phase order above.
 * A remainder is canceled for IOC, keeps working for GTC (market-like orders at the next bar's
 * open), and a FOK that cannot fill in full is canceled without any fill.
 *
 * Reduce-only: at fill time the quantity is clamped to what reduces the venue's position without
 * flipping it; nothing left to reduce, or a clamped remainder, is canceled ('SIM.REDUCE_ONLY').
 * A reduce-only FOK that cannot fill in full is canceled.
 *
 * Prices: market-like fills at open ± slippage and gap fills at the open are rounded adversely
 * onto the tick grid. Event times: fills at the open carry bar.tsOpen, intrabar ones bar.tsClose.
 * Determinism: no wall clock, no randomness; ids are counters (`SIM-<n>`, `SIM-T-<n>`).
 */
export class SimulatedVenue implements ExecutionClient, MarketDataSink {
  readonly venue = 'SIM';
  private readonly config: ResolvedSimulatedVenueConfig;
  private sink: ExecutionReportSink | null = null;
  private readonly books = new Map<InstrumentId, WorkingOrder[]>();
  private readonly working = new Map<ClientOrderId, WorkingOrder>();
  private readonly submitted = new Set<ClientOrderId>();
  private readonly positionsRaw = new Map<InstrumentId, bigint>();
  private readonly lastBarClose = new Map<InstrumentId, number>();
  private orderSeq = 0;
  private tradeSeq = 0;

  constructor(
    config: Partial<SimulatedVenueConfig>,
    private readonly cache: Cache,
    private readonly clock: Clock,
  ) {
    this.config = resolveSimulatedVenueConfig(config);
  }

  connect(sink: ExecutionReportSink): void {
    this.sink = sink;
  }

  /** The venue's own signed net position (raw, scaled by 10^9) for an instrument, from its fills. */
  position(instrumentId: InstrumentId): bigint {
    return this.positionsRaw.get(instrumentId) ?? 0n;
  }

  /** Whether the venue still holds the order as working. */
  isWorking(clientOrderId: ClientOrderId): boolean {
    return this.working.has(clientOrderId);
  }

  submit(order: Order): void {
    if (this.submitted.has(order.clientOrderId)) {
      throw new SimulatedVenueError('SIM.DUPLICATE_ORDER', `order ${order.clientOrderId} was already submitted`);
    }
    this.submitted.add(order.clientOrderId);
    const now = this.clock.now();
    const instrument = this.cache.instrument(order.instrumentId);
    const refusal = instrument ? this.venueRuleViolation(order, instrument) : `SIM.UNKNOWN_INSTRUMENT: ${order.instrumentId} is not listed`;
    if (!instrument || refusal !== null) {
      this.report(new OrderRejectedEvent({ clientOrderId: order.clientOrderId, instrumentId: order.instrumentId, reason: refusal!, tsEvent: now }));
      return;
    }
    const working: WorkingOrder = {
      order,
      instrument,
      venueOrderId: venueOrderId(`SIM-${++this.orderSeq}`),
      seq: this.orderSeq,
      afterTs: Math.max(now, this.lastBarClose.get(order.instrumentId) ?? Number.NEGATIVE_INFINITY),
      leavesRaw: order.quantity.raw,
      triggered: false,
      done: false,
    };
    // Registered before reporting: a handler reacting to the acceptance may cancel it at once.
    this.working.set(order.clientOrderId, working);
    const book = this.books.get(order.instrumentId);
    if (book) book.push(working);
    else this.books.set(order.instrumentId, [working]);
    this.report(new OrderAcceptedEvent({ clientOrderId: order.clientOrderId, instrumentId: order.instrumentId, venueOrderId: working.venueOrderId, tsEvent: now }));
  }

  /** Cancels a working order. An order the venue no longer holds (filled, canceled, rejected) is left alone: its own report says why. */
  cancel(order: Order): void {
    const working = this.working.get(order.clientOrderId);
    if (!working) return;
    this.finishWithCancel(working, 'SIM.CANCELED_BY_CLIENT', this.clock.now());
  }

  onBar(bar: Bar): void {
    this.lastBarClose.set(bar.instrumentId, Math.max(bar.tsClose, this.lastBarClose.get(bar.instrumentId) ?? Number.NEGATIVE_INFINITY));
    const book = this.books.get(bar.instrumentId);
    if (!book || book.length === 0) return;

    const chances: FillChance[] = [];
    const missed: WorkingOrder[] = [];
    for (const working of book) {
      if (working.done || bar.tsClose <= working.afterTs) continue;
      const chance = this.fillChance(working, bar);
      if (chance) chances.push(chance);
      else if (working.order.orderType === 'LIMIT' && working.order.timeInForce !== 'GTC') missed.push(working);
    }
    chances.sort((a, b) => a.phase - b.phase || a.working.seq - b.working.seq);

    const cap = this.config.volumeShareCapRaw;
    let budget = cap === null ? null : volumeBudgetRaw(bar, cap, book[0]!.instrument.lotSize);
    for (const chance of chances) {
      // A report handler may have canceled it while earlier chances were being filled.
      if (!chance.working.done) budget = this.execute(chance, budget);
    }
    for (const working of missed) {
      if (!working.done) this.finishWithCancel(working, working.order.timeInForce === 'FOK' ? 'SIM.FOK_UNFILLABLE' : 'SIM.IOC_UNFILLED', bar.tsClose);
    }
    // Re-read: orders submitted by report handlers during this bar were appended to the live book.
    const live = this.books.get(bar.instrumentId) ?? [];
    this.books.set(
      bar.instrumentId,
      live.filter((w) => !w.done),
    );
  }

  /** Settles funding on the venue's position at the funding time, marked at the last bar close in the cache. */
  onFunding(rate: FundingRate): void {
    const positionRaw = this.position(rate.instrumentId);
    if (positionRaw === 0n) return;
    const instrument = this.cache.instrumentOrThrow(rate.instrumentId);
    const markPrice = this.cache.lastBar(rate.instrumentId)?.close;
    if (!markPrice) {
      throw new SimulatedVenueError('SIM.NO_MARK_PRICE', `funding for ${rate.instrumentId} at ${rate.ts}: a position exists but the cache holds no bar to mark it`);
    }
    this.report(
      new FundingAppliedEvent({
        instrumentId: rate.instrumentId,
        rate: rate.rateRaw,
        markPrice,
        positionQty: formatDecimal(positionRaw, instrument.sizePrecision),
        amount: Money.of(fundingAmountRaw(positionRaw, markPrice, rate.rateRaw), instrument.settlement),
        tsEvent: rate.ts,
      }),
    );
  }

  private venueRuleViolation(order: Order, instrument: Instrument): string | null {
    const qty = order.quantity;
    if (qty.raw % instrument.lotSize.raw !== 0n) return `SIM.QUANTITY_PRECISION: quantity ${qty} is not a multiple of the lot ${instrument.lotSize}`;
    if (qty.lt(instrument.minQuantity)) return `SIM.MIN_QUANTITY: quantity ${qty} is below the minimum ${instrument.minQuantity}`;
    if (qty.gt(instrument.maxQuantity)) return `SIM.MAX_QUANTITY: quantity ${qty} is above the maximum ${instrument.maxQuantity}`;
    const prices: Array<[string, Price | null]> = [
      ['price', order.orderType === 'LIMIT' ? order.price : null],
      ['trigger price', order.orderType === 'STOP_MARKET' ? order.triggerPrice : null],
    ];
    for (const [name, price] of prices) {
      if (price === null) continue;
      if (!price.isPositive()) return `SIM.INVALID_PRICE: ${name} ${price} must be positive`;
      if (price.raw % instrument.tickSize.raw !== 0n) return `SIM.PRICE_PRECISION: ${name} ${price} is not a multiple of the tick ${instrument.tickSize}`;
    }
    return null;
  }

  /** Where and at what price this bar gives the order a chance to trade, or null if it gives none. */
  private fillChance(working: WorkingOrder, bar: Bar): FillChance | null {
    const { order, instrument } = working;
    const buy = order.side === 'BUY';
    const tick = instrument.tickSize;
    const slip = (base: Price) => slippedPrice(base, order.side, this.config.slippageBpsRaw, tick);
    const atOpen = (price: Price, liquidity: LiquiditySide, triggers = false): FillChance => ({ working, phase: Phase.OPEN, price, ts: bar.tsOpen, liquidity, triggers });

    switch (order.orderType) {
      case 'MARKET':
        return atOpen(slip(bar.open), 'TAKER');
      case 'STOP_MARKET': {
        if (working.triggered) return atOpen(slip(bar.open), 'TAKER');
        const trigger = order.triggerPrice!;
        if (buy ? bar.open.gte(trigger) : bar.open.lte(trigger)) return atOpen(slip(bar.open), 'TAKER', true);
        if (buy ? bar.high.gte(trigger) : bar.low.lte(trigger)) {
          return { working, phase: Phase.INTRABAR_STOP, price: slip(trigger), ts: bar.tsClose, liquidity: 'TAKER', triggers: true };
        }
        return null;
      }
      case 'LIMIT': {
        const limit = order.price!;
        if (buy ? bar.open.lt(limit) : bar.open.gt(limit)) {
          // Gapped through: the open is the better price; on the tick grid, never worse than the limit.
          const px = adverseTick(bar.open, order.side, tick);
          const worseThanLimit = buy ? px.gt(limit) : px.lt(limit);
          return atOpen(worseThanLimit ? limit : px, 'TAKER');
        }
        if (buy ? bar.low.lt(limit) : bar.high.gt(limit)) {
          const liquidity: LiquiditySide = order.timeInForce === 'GTC' ? 'MAKER' : 'TAKER';
          return { working, phase: Phase.INTRABAR_LIMIT, price: limit, ts: bar.tsClose, liquidity, triggers: false };
        }
        return null;
      }
    }
  }

  /** Fills what the volume budget and reduce-only allow, applies time in force to the rest; returns the budget left. */
  private execute(chance: FillChance, budget: bigint | null): bigint | null {
    const { working, price, ts, liquidity } = chance;
    const { order } = working;
    if (chance.triggers) {
      working.triggered = true;
      this.report(new OrderTriggeredEvent({ clientOrderId: order.clientOrderId, instrumentId: order.instrumentId, triggerPrice: order.triggerPrice!, tsEvent: ts }));
    }
    const wanted = working.leavesRaw;
    let qty = wanted;
    let limitedBy: 'VOLUME' | 'REDUCE_ONLY' | null = null;
    if (budget !== null && budget < qty) {
      qty = budget;
      limitedBy = 'VOLUME';
    }
    if (order.reduceOnly) {
      const allowed = reducibleRaw(this.position(order.instrumentId), order.side);
      if (allowed < qty) {
        qty = allowed;
        limitedBy = 'REDUCE_ONLY';
      }
    }
    if (order.timeInForce === 'FOK' && qty < wanted) {
      this.finishWithCancel(working, limitedBy === 'REDUCE_ONLY' ? 'SIM.REDUCE_ONLY' : 'SIM.FOK_UNFILLABLE', ts);
      return budget;
    }
    if (qty > 0n) this.fill(working, qty, price, ts, liquidity);
    if (working.done) return budget === null ? null : budget - qty;
    if (limitedBy === 'REDUCE_ONLY') this.finishWithCancel(working, 'SIM.REDUCE_ONLY', ts);
    else if (order.timeInForce !== 'GTC') this.finishWithCancel(working, 'SIM.IOC_UNFILLED', ts);
    return budget === null ? null : budget - qty;
  }

  private fill(working: WorkingOrder, qtyRaw: bigint, price: Price, ts: number, liquidity: LiquiditySide): void {
    const { order, instrument } = working;
    const lastQty = Quantity.fromRaw(qtyRaw, instrument.sizePrecision);
    // State first, report second: a handler of the fill sees the venue after it.
    working.leavesRaw -= qtyRaw;
    if (working.leavesRaw === 0n) this.retire(working);
    this.positionsRaw.set(order.instrumentId, this.position(order.instrumentId) + (order.side === 'BUY' ? qtyRaw : -qtyRaw));
    this.report(
      new OrderFilledEvent({
        clientOrderId: order.clientOrderId,
        instrumentId: order.instrumentId,
        strategyId: order.strategyId,
        venueOrderId: working.venueOrderId,
        tradeId: tradeId(`SIM-T-${++this.tradeSeq}`),
        side: order.side,
        lastQty,
        lastPx: price,
        commission: commissionFor(price, lastQty, instrument, liquidity),
        liquidity,
        tsEvent: ts,
      }),
    );
  }

  private finishWithCancel(working: WorkingOrder, reason: SimCancelReason, ts: number): void {
    this.retire(working);
    this.report(new OrderCanceledEvent({ clientOrderId: working.order.clientOrderId, instrumentId: working.order.instrumentId, reason, tsEvent: ts }));
  }

  /** Leaves the book lazily: `onBar` drops done orders from the instrument's list. */
  private retire(working: WorkingOrder): void {
    working.done = true;
    this.working.delete(working.order.clientOrderId);
  }

  private report(event: ExecutionReport): void {
    if (!this.sink) throw new SimulatedVenueError('SIM.NOT_CONNECTED', `simulated venue has no report sink: call connect() before trading (${event.type})`);
    this.sink.report(event);
  }
}
