import { instrumentFromSpec, type InstrumentSpec } from './instrument.js';

const spec: InstrumentSpec = {
  id: 'BTCUSDT-PERP.BYBIT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.10',
  lotSize: '0.001',
  minQuantity: '0.001',
  maxQuantity: '100',
  minNotional: '5',
  makerFee: '0.0002',
  takerFee: '0.00055',
};

describe('instrumentFromSpec', () => {
  it('reads venue rules exactly, taking precisions from the tick and lot as written', () => {
    const i = instrumentFromSpec(spec);
    expect(i.symbol).toBe('BTCUSDT-PERP');
    expect(i.kind).toBe('PERPETUAL');
    expect(i.settlement).toBe('USDT');
    expect(i.pricePrecision).toBe(2); // Bybit writes a 0.1 tick as "0.10" for a 2-decimal price scale
    expect(i.sizePrecision).toBe(3);
    expect(i.tickSize.toString()).toBe('0.10');
    expect(i.maxQuantity.toString()).toBe('100.000');
    expect(i.minNotional.toString()).toBe('5 USDT');
    expect(i.makerFeeRaw).toBe(200_000n);
    expect(i.takerFeeRaw).toBe(550_000n);
    expect(i.fundingIntervalHours).toBe(8);
  });

  it('refuses a bad id, a zero tick or lot, and a minimum finer than the lot', () => {
    expect(() => instrumentFromSpec({ ...spec, id: 'BTCUSDT' })).toThrow(expect.objectContaining({ code: 'ID.INSTRUMENT' }));
    expect(() => instrumentFromSpec({ ...spec, tickSize: '0' })).toThrow(/tickSize must be positive/);
    expect(() => instrumentFromSpec({ ...spec, lotSize: '0.000' })).toThrow(/lotSize must be positive/);
    expect(() => instrumentFromSpec({ ...spec, minQuantity: '0.0005' })).toThrow(expect.objectContaining({ code: 'QUANTITY.PRECISION' }));
  });
});
