import { Money, notional, Quantity, type Instrument, type Order, type OrderSide, type Price } from '@lib/model';
import { OrderRateLimiter } from './order-rate-limiter.js';
import type { RiskContext } from './risk-context.js';
import { DEFAULT_RISK_LIMITS, maxInstrumentNotionalFor, type RiskLimits } from './risk-limits.js';
import { RISK_APPROVED, riskDenied, type RiskDenialReason, type RiskVerdict } from './risk-verdict.js';

/**
 * The order in which `PreTradeRiskChecks` checks; the first failing one is the reason.
 * Halted first (nothing passes), then the order's own validity against the instrument, then
 * position rules, then prices and notional, then exposure, and the rate limit last so that an
 * order denied for anything else never spends a slot.
 */
export const RISK_CHECK_ORDER: readonly RiskDenialReason[] = [
  'RISK.TRADING_HALTED',
  'RISK.UNKNOWN_INSTRUMENT',
  'RISK.PRICE_PRECISION',
  'RISK.QUANTITY_PRECISION',
  'RISK.MIN_QUANTITY',
  'RISK.MAX_QUANTITY',
  'RISK.REDUCE_ONLY_INCREASES',
  'RISK.TRADING_REDUCING',
  'RISK.NO_MARKET_PRICE',
  'RISK.MIN_NOTIONAL',
  'RISK.MAX_ORDER_NOTIONAL',
  'RISK.MAX_INSTRUMENT_NOTIONAL',
  'RISK.ALLOCATION_LIMIT',
  'RISK.MAX_GROSS_EXPOSURE',
  'RISK.VAR_LIMIT',
  'RISK.ORDER_RATE',
];

const abs = (raw: bigint): bigint => (raw < 0n ? -raw : raw);
const signed = (side: OrderSide, raw: bigint): bigint => (side === 'BUY' ? raw : -raw);

/**
 * Pure, synchronous pre-trade checks (no Nest, no I/O): everything comes from the order, the
 * context and the limits. Prices: a market order is valued at the reference price (last close), a
 * limit at its limit, a stop at its trigger; positions are marked at the reference price, or at the
 * order's price when there is none yet.
 *
 * An order that only reduces the absolute position is exempt from the notional limits (order,
 * instrument, gross): risk never blocks de-risking. It is reducing when it is reduce-only and
 * opposes the position (the venue clamps its size), or when it opposes the position and its
 * quantity fits in what the other working orders have not already taken off (no flip).
 * Min notional does not apply to reduce-only orders, so a dust position stays closable.
 */
export class PreTradeRiskChecks {
  readonly rateLimiter: OrderRateLimiter;

  constructor(
    readonly limits: RiskLimits = DEFAULT_RISK_LIMITS,
    rateLimiter?: OrderRateLimiter,
  ) {
    this.rateLimiter = rateLimiter ?? new OrderRateLimiter(limits.orderRate.maxOrders, limits.orderRate.windowMs);
  }

  /**
   * Checks the order and, when it passes, records `ctx.now` as a submission with the rate limiter:
   * an approved order is routed at once, so orders checked in one burst see each other.
   * Feed the limiter nowhere else.
   */
  run(order: Order, ctx: RiskContext): RiskVerdict {
    const verdict = this.evaluate(order, ctx);
    if (verdict.ok) this.rateLimiter.record(ctx.now);
    return verdict;
  }

  /** The checks without recording anything (a dry run). */
  evaluate(order: Order, ctx: RiskContext): RiskVerdict {
    const id = order.instrumentId;
    if (ctx.tradingState === 'HALTED') return riskDenied('RISK.TRADING_HALTED', `trading is halted; ${order.clientOrderId} denied`);

    const instrument = ctx.instrument(id);
    if (!instrument) return riskDenied('RISK.UNKNOWN_INSTRUMENT', `instrument ${id} is not known`);

    const priceProblem = this.priceProblem(order, instrument);
    if (priceProblem) return riskDenied('RISK.PRICE_PRECISION', priceProblem);

    const qty = order.quantity;
    if (qty.raw % instrument.lotSize.raw !== 0n) return riskDenied('RISK.QUANTITY_PRECISION', `quantity ${qty} is not a multiple of the lot ${instrument.lotSize}`);
    if (qty.lt(instrument.minQuantity)) return riskDenied('RISK.MIN_QUANTITY', `quantity ${qty} is below the minimum ${instrument.minQuantity}`);
    if (qty.gt(instrument.maxQuantity)) return riskDenied('RISK.MAX_QUANTITY', `quantity ${qty} is above the maximum ${instrument.maxQuantity}`);

    const positionRaw = ctx.netPositionRaw(id);
    const workingRaw = ctx.otherWorkingQtyRaw(id, order.clientOrderId);
    const position = () => this.signedQty(positionRaw, instrument);
    if (order.reduceOnly && opposingRaw(positionRaw, order.side) === 0n) {
      return riskDenied('RISK.REDUCE_ONLY_INCREASES', `reduce-only ${order.side} ${qty} on position ${position()} would open or increase it`);
    }
    const reducing = this.reduces(order, positionRaw, workingRaw);
    if (ctx.tradingState === 'REDUCING' && !reducing) {
      return riskDenied('RISK.TRADING_REDUCING', `trading is reducing only; ${order.side} ${qty} on position ${position()} (other working ${this.signedQty(workingRaw, instrument)}) does not reduce it`);
    }

    const referencePrice = ctx.referencePrice(id);
    const orderPrice = this.orderPrice(order, referencePrice);
    if (!orderPrice) return riskDenied('RISK.NO_MARKET_PRICE', `no reference price for ${id} to value a ${order.orderType} order`);
    const orderNotional = notional(orderPrice, qty, instrument.settlement, 'UP');
    if (!order.reduceOnly && orderNotional.lt(instrument.minNotional)) {
      return riskDenied('RISK.MIN_NOTIONAL', `order notional ${orderNotional} is below the minimum ${instrument.minNotional}`);
    }

    if (!reducing) {
      if (orderNotional.gt(this.limits.maxOrderNotional)) {
        return riskDenied('RISK.MAX_ORDER_NOTIONAL', `order notional ${orderNotional} exceeds ${this.limits.maxOrderNotional}`);
      }
      const mark = referencePrice ?? orderPrice;
      const projectedRaw = positionRaw + workingRaw + signed(order.side, qty.raw);
      const exposure = (raw: bigint) => notional(mark, Quantity.fromRaw(abs(raw), 9), instrument.settlement, 'UP');
      const instrumentAfter = exposure(projectedRaw);
      const scale = ctx.limitScale ?? 1;
      const scaled = (limit: Money) => (scale === 1 ? limit : Money.of((limit.raw * BigInt(Math.round(scale * 1e6))) / 1_000_000n, limit.currency));
      const scaleNote = scale === 1 ? '' : ` (limits scaled ×${scale} by the circuit breaker)`;
      const instrumentLimit = scaled(maxInstrumentNotionalFor(this.limits, id));
      if (instrumentAfter.gt(instrumentLimit)) {
        return riskDenied('RISK.MAX_INSTRUMENT_NOTIONAL', `${id} exposure would be ${instrumentAfter} (position ${position()} + working + order at ${mark}), above ${instrumentLimit}${scaleNote}`);
      }
      const allocation = ctx.allocationLimit?.(id);
      if (allocation !== undefined && instrumentAfter.gt(scaled(allocation))) {
        return riskDenied('RISK.ALLOCATION_LIMIT', `${id} exposure would be ${instrumentAfter}, above its hierarchical allocation ${scaled(allocation)}${scaleNote}`);
      }
      const grossAfter = ctx.grossExposure().minus(exposure(positionRaw)).plus(instrumentAfter);
      const staticGross = scaled(this.limits.maxGrossExposure);
      const grossLimit = ctx.grossCap !== undefined && ctx.grossCap.lt(staticGross) ? ctx.grossCap : staticGross;
      if (grossAfter.gt(grossLimit)) {
        return riskDenied('RISK.MAX_GROSS_EXPOSURE', `gross exposure would be ${grossAfter}, above ${grossLimit}${scaleNote}`);
      }
      const varProblem = ctx.postTradeVar?.(id, projectedRaw, mark) ?? null;
      if (varProblem !== null) return riskDenied('RISK.VAR_LIMIT', varProblem);
    }

    if (!this.rateLimiter.allows(ctx.now)) {
      const { maxOrders, windowMs } = this.rateLimiter;
      return riskDenied('RISK.ORDER_RATE', `${maxOrders} orders in the last ${windowMs} ms; next allowed at ${this.rateLimiter.nextAllowedAt(ctx.now)}`);
    }
    return RISK_APPROVED;
  }

  private priceProblem(order: Order, instrument: Instrument): string | null {
    const prices: Array<[string, Price | null]> = [
      ['price', order.orderType === 'LIMIT' ? order.price : null],
      ['trigger price', order.orderType === 'STOP_MARKET' ? order.triggerPrice : null],
    ];
    for (const [name, price] of prices) {
      if (price === null) continue;
      if (!price.isPositive()) return `${name} ${price} must be positive`;
      if (price.raw % instrument.tickSize.raw !== 0n) return `${name} ${price} is not a multiple of the tick ${instrument.tickSize}`;
    }
    return null;
  }

  private orderPrice(order: Order, referencePrice: Price | undefined): Price | undefined {
    switch (order.orderType) {
      case 'MARKET':
        return referencePrice;
      case 'LIMIT':
        return order.price ?? undefined;
      case 'STOP_MARKET':
        return order.triggerPrice ?? undefined;
    }
  }

  /** Whether the order can only shrink the absolute position (see the class comment). */
  private reduces(order: Order, positionRaw: bigint, workingRaw: bigint): boolean {
    const opposing = opposingRaw(positionRaw, order.side);
    if (opposing === 0n) return false;
    if (order.reduceOnly) return true;
    // What is left to reduce once other working orders fill: never more than the position itself.
    const remaining = opposingRaw(positionRaw + workingRaw, order.side);
    const available = remaining < opposing ? remaining : opposing;
    return order.quantity.raw <= available;
  }

  private signedQty(raw: bigint, instrument: Instrument): string {
    const text = Quantity.fromRaw(abs(raw), 9).withPrecision(instrument.sizePrecision, 'DOWN').toString();
    return raw < 0n ? `-${text}` : text;
  }
}

/** The part of a position an order on `side` opposes: |position| when the order points against it, else 0. */
function opposingRaw(positionRaw: bigint, side: OrderSide): bigint {
  if (side === 'SELL' && positionRaw > 0n) return positionRaw;
  if (side === 'BUY' && positionRaw < 0n) return -positionRaw;
  return 0n;
}
