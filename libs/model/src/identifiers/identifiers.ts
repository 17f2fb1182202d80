/** Branded identifier strings: a ClientOrderId cannot be passed where an InstrumentId is expected. */
declare const brand: unique symbol;
type Brand<T, B extends string> = T & { readonly [brand]: B };

export type InstrumentId = Brand<string, 'InstrumentId'>;
export type ClientOrderId = Brand<string, 'ClientOrderId'>;
export type VenueOrderId = Brand<string, 'VenueOrderId'>;
export type TradeId = Brand<string, 'TradeId'>;
export type StrategyId = Brand<string, 'StrategyId'>;
export type RunId = Brand<string, 'RunId'>;

export class IdentifierError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'IdentifierError';
  }
}

const INSTRUMENT_ID = /^([A-Z0-9]+(?:-[A-Z0-9]+)*)\.([A-Z0-9_]+)$/;
const TOKEN = /^[A-Za-z0-9._:\-]{1,64}$/;

/** `BTCUSDT-PERP.BYBIT` → symbol `BTCUSDT-PERP`, venue `BYBIT`. */
export function instrumentId(text: string): InstrumentId {
  if (!INSTRUMENT_ID.test(text)) {
    throw new IdentifierError('ID.INSTRUMENT', `invalid instrument id '${text}' (expected SYMBOL.VENUE, e.g. BTCUSDT-PERP.BYBIT)`);
  }
  return text as InstrumentId;
}

export function parseInstrumentId(id: InstrumentId): { symbol: string; venue: string } {
  const m = INSTRUMENT_ID.exec(id);
  if (!m) throw new IdentifierError('ID.INSTRUMENT', `invalid instrument id '${id}'`);
  return { symbol: m[1]!, venue: m[2]! };
}

function token<T extends string>(kind: string, text: string): T {
  if (!TOKEN.test(text)) throw new IdentifierError(`ID.${kind.toUpperCase()}`, `invalid ${kind} '${text}'`);
  return text as T;
}

export const clientOrderId = (text: string): ClientOrderId => token<ClientOrderId>('client order id', text);
export const venueOrderId = (text: string): VenueOrderId => token<VenueOrderId>('venue order id', text);
export const tradeId = (text: string): TradeId => token<TradeId>('trade id', text);
export const strategyId = (text: string): StrategyId => token<StrategyId>('strategy id', text);
export const runId = (text: string): RunId => token<RunId>('run id', text);
