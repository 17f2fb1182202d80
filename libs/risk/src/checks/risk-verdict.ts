/** Why pre-trade risk denied an order; stable codes, recorded in `order.denied`. */
export const RISK_DENIAL_REASONS = [
  'RISK.UNKNOWN_INSTRUMENT',
  'RISK.PRICE_PRECISION',
  'RISK.QUANTITY_PRECISION',
  'RISK.MIN_QUANTITY',
  'RISK.MAX_QUANTITY',
  'RISK.MIN_NOTIONAL',
  'RISK.MAX_ORDER_NOTIONAL',
  'RISK.MAX_INSTRUMENT_NOTIONAL',
  'RISK.MAX_GROSS_EXPOSURE',
  'RISK.REDUCE_ONLY_INCREASES',
  'RISK.ORDER_RATE',
  'RISK.TRADING_HALTED',
  'RISK.TRADING_REDUCING',
  'RISK.NO_MARKET_PRICE',
  'RISK.ALLOCATION_LIMIT',
  'RISK.VAR_LIMIT',
] as const;
export type RiskDenialReason = (typeof RISK_DENIAL_REASONS)[number];

export type RiskVerdict = { readonly ok: true } | { readonly ok: false; readonly reason: RiskDenialReason; readonly detail: string };

export const RISK_APPROVED: RiskVerdict = Object.freeze({ ok: true as const });

export function riskDenied(reason: RiskDenialReason, detail: string): RiskVerdict {
  return { ok: false, reason, detail };
}
