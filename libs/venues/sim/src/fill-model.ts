import {
  divRound,
  FIXED_SCALAR,
  notional,
  Price,
  roundToIncrement,
  type Bar,
  type Instrument,
  type LiquiditySide,
  type Money,
  type OrderSide,
  type Quantity,
} from '@lib/model';

/**
 * The simulated venue's price, fee and volume arithmetic: bigint fixed point only, every
 * rounding explicit and adverse to the trader where the venue has a choice.
 */

/** 10 000 basis points, with basis points scaled by 10^9 like every other raw value. */
const BPS_DENOMINATOR = 10_000n * FIXED_SCALAR;

/** A price moved against the trader by `slippageBpsRaw` and rounded adversely onto the tick grid (buy up, sell down). */
export function slippedPrice(base: Price, side: OrderSide, slippageBpsRaw: bigint, tick: Price): Price {
  const factor = side === 'BUY' ? BPS_DENOMINATOR + slippageBpsRaw : BPS_DENOMINATOR - slippageBpsRaw;
  const ticks = divRound(base.raw * factor, BPS_DENOMINATOR * tick.raw, side === 'BUY' ? 'CEIL' : 'FLOOR');
  return Price.fromRaw(ticks * tick.raw, tick.precision);
}

/** A price rounded adversely onto the tick grid without slippage (bar data may be finer than the venue's tick). */
export function adverseTick(price: Price, side: OrderSide, tick: Price): Price {
  return Price.fromRaw(roundToIncrement(price.raw, tick.raw, side === 'BUY' ? 'CEIL' : 'FLOOR'), tick.precision);
}

/** commission = notional(px, qty) × fee rate, rounded up, in the settlement currency. */
export function commissionFor(price: Price, quantity: Quantity, instrument: Instrument, liquidity: LiquiditySide): Money {
  const rateRaw = liquidity === 'MAKER' ? instrument.makerFeeRaw : instrument.takerFeeRaw;
  return notional(price, quantity, instrument.settlement, 'UP').times(rateRaw, 'UP');
}

/** Quantity (raw) the venue may fill on this bar under a volume share cap, rounded down to the lot. */
export function volumeBudgetRaw(bar: Bar, volumeShareCapRaw: bigint, lot: Quantity): bigint {
  const share = divRound(bar.volume.raw * volumeShareCapRaw, FIXED_SCALAR, 'DOWN');
  return roundToIncrement(share, lot.raw, 'DOWN');
}

/** Funding cash flow for a signed position: −sign(qty) × |qty| × mark × rate (longs pay a positive rate), rounded half-even. */
export function fundingAmountRaw(positionRaw: bigint, markPrice: Price, rateRaw: bigint): bigint {
  return divRound(-positionRaw * markPrice.raw * rateRaw, FIXED_SCALAR * FIXED_SCALAR, 'HALF_EVEN');
}

/** How much of a position an order on `side` can take away without increasing or flipping it. */
export function reducibleRaw(positionRaw: bigint, side: OrderSide): bigint {
  if (side === 'SELL' && positionRaw > 0n) return positionRaw;
  if (side === 'BUY' && positionRaw < 0n) return -positionRaw;
  return 0n;
}
