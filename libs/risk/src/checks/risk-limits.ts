import { Money, type InstrumentId } from '@lib/model';

/** Pre-trade limits. Amounts are Money in the settlement currency of the traded instruments (USDT). */
export interface RiskLimits {
  /** Largest notional of one order that increases exposure (fat-finger guard). */
  readonly maxOrderNotional: Money;
  /** Largest |projected position| × mark per instrument: `byInstrument[id]`, else `default`. */
  readonly maxInstrumentNotional: { readonly default: Money; readonly byInstrument: Readonly<Record<string, Money>> };
  /** Largest sum over instruments of |position| × mark after the order. */
  readonly maxGrossExposure: Money;
  /** At most `maxOrders` approved orders in any rolling `windowMs`. */
  readonly orderRate: { readonly maxOrders: number; readonly windowMs: number };
}

/** The shape in trader config (`risk`): decimal strings, as config/config.schema.ts validates them. */
export interface RiskLimitsSpec {
  readonly maxOrderNotional: string;
  readonly maxInstrumentNotional: string;
  readonly maxInstrumentNotionalById?: Readonly<Record<string, string>>;
  readonly maxGrossExposure: string;
  readonly maxOrdersPerWindow: number;
  readonly orderWindowMs: number;
}

export const DEFAULT_RISK_LIMITS_SPEC: RiskLimitsSpec = Object.freeze({
  maxOrderNotional: '250000',
  maxInstrumentNotional: '300000',
  maxGrossExposure: '600000',
  maxOrdersPerWindow: 30,
  orderWindowMs: 60_000,
});

export class RiskLimitsError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`risk limit '${key}': ${message}`);
    this.name = 'RiskLimitsError';
  }
}

/** Validates the spec and converts it to Money; a bad value throws with the key and the reason. */
export function riskLimitsFromSpec(spec: RiskLimitsSpec, currency = 'USDT'): RiskLimits {
  const amount = (key: string, text: string): Money => {
    let money: Money;
    try {
      money = Money.parse(text, currency);
    } catch (err) {
      throw new RiskLimitsError(key, (err as Error).message);
    }
    if (money.raw <= 0n) throw new RiskLimitsError(key, `must be positive, got ${text}`);
    return money;
  };
  const count = (key: string, value: number): number => {
    if (!Number.isSafeInteger(value) || value <= 0) throw new RiskLimitsError(key, `must be a positive integer, got ${value}`);
    return value;
  };
  const byInstrument: Record<string, Money> = {};
  for (const [id, text] of Object.entries(spec.maxInstrumentNotionalById ?? {})) byInstrument[id] = amount(`maxInstrumentNotionalById.${id}`, text);
  return {
    maxOrderNotional: amount('maxOrderNotional', spec.maxOrderNotional),
    maxInstrumentNotional: { default: amount('maxInstrumentNotional', spec.maxInstrumentNotional), byInstrument: Object.freeze(byInstrument) },
    maxGrossExposure: amount('maxGrossExposure', spec.maxGrossExposure),
    orderRate: { maxOrders: count('maxOrdersPerWindow', spec.maxOrdersPerWindow), windowMs: count('orderWindowMs', spec.orderWindowMs) },
  };
}

/** 250k USDT per order, 300k per instrument, 600k gross, 30 orders a minute (the trader's config defaults). */
export const DEFAULT_RISK_LIMITS: RiskLimits = riskLimitsFromSpec(DEFAULT_RISK_LIMITS_SPEC);

export function maxInstrumentNotionalFor(limits: RiskLimits, id: InstrumentId): Money {
  return limits.maxInstrumentNotional.byInstrument[id] ?? limits.maxInstrumentNotional.default;
}
