import { instrumentFromSpec, type Instrument, type InstrumentSpec } from '@lib/model';

/** The three perpetuals the platform trades (as in config/instruments.json), for specs. */
const SPECS: InstrumentSpec[] = [
  { id: 'BTCUSDT-PERP.BYBIT', base: 'BTC', quote: 'USDT', tickSize: '0.1', lotSize: '0.001', minQuantity: '0.001', maxQuantity: '1190', minNotional: '5', makerFee: '0.0002', takerFee: '0.00055' },
  { id: 'ETHUSDT-PERP.BYBIT', base: 'ETH', quote: 'USDT', tickSize: '0.01', lotSize: '0.01', minQuantity: '0.01', maxQuantity: '7240', minNotional: '5', makerFee: '0.0002', takerFee: '0.00055' },
  { id: 'SOLUSDT-PERP.BYBIT', base: 'SOL', quote: 'USDT', tickSize: '0.01', lotSize: '0.1', minQuantity: '0.1', maxQuantity: '79770', minNotional: '5', makerFee: '0.0002', takerFee: '0.00055' },
];

export const testInstruments = (): Instrument[] => SPECS.map((s) => instrumentFromSpec(s));
export const [BTC, ETH, SOL] = testInstruments() as [Instrument, Instrument, Instrument];
