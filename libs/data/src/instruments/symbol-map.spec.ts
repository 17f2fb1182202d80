import { instrumentFromSpec } from '@lib/model';
import { BTC, ETH, SOL } from '../testing/instruments.js';
import { SymbolMap, UnknownSymbolError, fileSymbolOf, instrumentForSymbol } from './symbol-map.js';

describe('SymbolMap', () => {
  const map = new SymbolMap([BTC, ETH, SOL]);

  it('maps file symbols to the configured perpetuals by symbol without -PERP', () => {
    expect(map.resolve('BTCUSDT')).toBe(BTC);
    expect(map.resolve('ETHUSDT').id).toBe('ETHUSDT-PERP.BYBIT');
    expect(instrumentForSymbol([SOL], 'SOLUSDT')).toBe(SOL);
    expect(map.fileSymbol(ETH.id)).toBe('ETHUSDT');
    expect(fileSymbolOf(BTC)).toBe('BTCUSDT');
    expect(map.symbols).toEqual(['BTCUSDT', 'ETHUSDT', 'SOLUSDT']);
  });

  it('refuses an unknown symbol with the list of known ones', () => {
    expect(() => map.resolve('DOGEUSDT')).toThrow(UnknownSymbolError);
    expect(() => map.resolve('DOGEUSDT')).toThrow("no configured instrument for file symbol 'DOGEUSDT'; known symbols: BTCUSDT, ETHUSDT, SOLUSDT");
    expect(map.find('DOGEUSDT')).toBeUndefined();
  });

  it('refuses two instruments claiming the same file symbol', () => {
    const spot = instrumentFromSpec({ id: 'BTCUSDT.BYBIT', kind: 'SPOT', base: 'BTC', quote: 'USDT', tickSize: '0.01', lotSize: '0.000001', minQuantity: '0.000001', maxQuantity: '100', minNotional: '1', makerFee: '0.001', takerFee: '0.001' });
    expect(fileSymbolOf(spot)).toBe('BTCUSDT');
    expect(() => new SymbolMap([BTC, spot])).toThrow(/ambiguous/);
  });
});
