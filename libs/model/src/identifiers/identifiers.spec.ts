import {
  clientOrderId,
  IdentifierError,
  instrumentId,
  parseInstrumentId,
  runId,
  strategyId,
  tradeId,
  venueOrderId,
  type InstrumentId,
} from './identifiers.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
}

describe('instrumentId', () => {
  it.each([
    ['BTCUSDT-PERP.BYBIT', 'BTCUSDT-PERP', 'BYBIT'],
    ['ETHUSDT.BINANCE', 'ETHUSDT', 'BINANCE'],
    ['BTC-27DEC24-100000-C.DERIBIT', 'BTC-27DEC24-100000-C', 'DERIBIT'],
    ['SOLUSDT-PERP.BINANCE_FUTURES', 'SOLUSDT-PERP', 'BINANCE_FUTURES'],
  ])('accepts %s as symbol %s at venue %s', (text, symbol, venue) => {
    const id = instrumentId(text);
    expect(id).toBe(text);
    expect(parseInstrumentId(id)).toEqual({ symbol, venue });
  });

  it.each(['', 'BTCUSDT', 'BTCUSDT.', '.BYBIT', 'btcusdt-perp.BYBIT', 'BTCUSDT-PERP.bybit', 'BTCUSDT--PERP.BYBIT', '-BTC.BYBIT', 'BTC USDT.BYBIT', 'BTCUSDT.PERP.BYBIT', 'BTC/USDT.BINANCE'])(
    "rejects '%s' with ID.INSTRUMENT",
    (text) => {
      expect(codeOf(() => instrumentId(text))).toBe('ID.INSTRUMENT');
      expect(() => instrumentId(text)).toThrow(IdentifierError);
    },
  );

  it('refuses to parse an id that bypassed validation', () => {
    expect(codeOf(() => parseInstrumentId('nope' as InstrumentId))).toBe('ID.INSTRUMENT');
  });
});

describe('token identifiers', () => {
  it.each([
    ['client order id', clientOrderId, 'O-20240101-000001'],
    ['venue order id', venueOrderId, '1a2b3c4d-5e6f:7'],
    ['trade id', tradeId, 'T.123_456'],
    ['strategy id', strategyId, 'vol-target-trend'],
    ['run id', runId, 'bt-2024-01-01T00:00:00'],
  ])('%s accepts %s and rejects empty, blank and over-long text', (kind, make, ok) => {
    expect(make(ok)).toBe(ok);
    const code = `ID.${kind.toUpperCase()}`;
    expect(codeOf(() => make(''))).toBe(code);
    expect(codeOf(() => make('has space'))).toBe(code);
    expect(codeOf(() => make('x'.repeat(65)))).toBe(code);
    expect(make('x'.repeat(64))).toHaveLength(64);
  });
});
