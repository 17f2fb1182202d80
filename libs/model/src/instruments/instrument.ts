import { parseDecimal } from '../types/fixed-point.js';
import { Money, type CurrencyCode } from '../types/money.js';
import { Price } from '../types/price.js';
import { Quantity } from '../types/quantity.js';
import { instrumentId, type InstrumentId } from '../identifiers/identifiers.js';

/** A tradable contract and its venue rules. Fee rates are raw fixed-point fractions (0.00055 → 550000n). */
export interface Instrument {
  readonly id: InstrumentId;
  readonly symbol: string;
  readonly kind: 'PERPETUAL' | 'SPOT';
  readonly base: CurrencyCode;
  readonly quote: CurrencyCode;
  readonly settlement: CurrencyCode;
  readonly pricePrecision: number;
  readonly sizePrecision: number;
  readonly tickSize: Price;
  readonly lotSize: Quantity;
  readonly minQuantity: Quantity;
  readonly maxQuantity: Quantity;
  readonly minNotional: Money;
  readonly makerFeeRaw: bigint;
  readonly takerFeeRaw: bigint;
  readonly fundingIntervalHours: number;
}

/** The JSON shape of an instrument in config (decimal strings throughout). */
export interface InstrumentSpec {
  id: string;
  kind?: 'PERPETUAL' | 'SPOT';
  base: string;
  quote: string;
  settlement?: string;
  tickSize: string;
  lotSize: string;
  minQuantity: string;
  maxQuantity: string;
  minNotional: string;
  makerFee: string;
  takerFee: string;
  fundingIntervalHours?: number;
}

export function instrumentFromSpec(spec: InstrumentSpec): Instrument {
  const id = instrumentId(spec.id);
  const tickSize = Price.parse(spec.tickSize);
  const lotSize = Quantity.parse(spec.lotSize);
  if (!tickSize.isPositive()) throw new Error(`instrument ${spec.id}: tickSize must be positive`);
  if (!lotSize.isPositive()) throw new Error(`instrument ${spec.id}: lotSize must be positive`);
  const settlement = spec.settlement ?? spec.quote;
  return {
    id,
    symbol: id.slice(0, id.lastIndexOf('.')),
    kind: spec.kind ?? 'PERPETUAL',
    base: spec.base,
    quote: spec.quote,
    settlement,
    pricePrecision: tickSize.precision,
    sizePrecision: lotSize.precision,
    tickSize,
    lotSize,
    minQuantity: Quantity.parse(spec.minQuantity, lotSize.precision),
    maxQuantity: Quantity.parse(spec.maxQuantity, lotSize.precision),
    minNotional: Money.parse(spec.minNotional, settlement),
    makerFeeRaw: parseDecimal(spec.makerFee).raw,
    takerFeeRaw: parseDecimal(spec.takerFee).raw,
    fundingIntervalHours: spec.fundingIntervalHours ?? 8,
  };
}
