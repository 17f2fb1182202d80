import fc from 'fast-check';
import { instrumentFromSpec, instrumentId, Price, Quantity, type Bar } from '@lib/model';
import { adverseTick, commissionFor, fundingAmountRaw, reducibleRaw, slippedPrice, volumeBudgetRaw } from './fill-model.js';
import { DEFAULT_SIMULATED_VENUE_CONFIG, resolveSimulatedVenueConfig } from './simulated-venue.config.js';

const BTC = instrumentFromSpec({
  id: 'BTCUSDT-PERP.BYBIT',
  base: 'BTC',
  quote: 'USDT',
  tickSize: '0.1',
  lotSize: '0.001',
  minQuantity: '0.001',
  maxQuantity: '1190',
  minNotional: '5',
  makerFee: '0.0002',
  takerFee: '0.00055',
});
const TICK = BTC.tickSize;
const TWO_BPS = 2_000_000_000n; // 2 bps, raw

describe('fill model', () => {
  it('slips against the trader and lands on the tick grid, never better than the exact slipped price', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 16n }), fc.integer({ min: 0, max: 500 }), (raw, bps) => {
        const base = Price.fromRaw(raw * 100_000_000n, 1); // on the 0.1 grid
        const bpsRaw = BigInt(bps) * 1_000_000_000n;
        const buy = slippedPrice(base, 'BUY', bpsRaw, TICK);
        const sell = slippedPrice(base, 'SELL', bpsRaw, TICK);
        // exact × 10^4·10^9 comparisons, no division
        const scale = 10_000n * 1_000_000_000n;
        expect(buy.raw * scale >= base.raw * (scale + bpsRaw)).toBe(true);
        expect(sell.raw * scale <= base.raw * (scale - bpsRaw)).toBe(true);
        expect((buy.raw - TICK.raw) * scale < base.raw * (scale + bpsRaw)).toBe(true);
        expect(buy.raw % TICK.raw).toBe(0n);
        expect(sell.raw % TICK.raw).toBe(0n);
      }),
    );
  });

  it('keeps an on-grid price unchanged at zero slippage and rounds off-grid prices adversely', () => {
    expect(slippedPrice(Price.parse('41107.5'), 'BUY', 0n, TICK).toString()).toBe('41107.5');
    expect(adverseTick(Price.parse('41107.51'), 'BUY', TICK).toString()).toBe('41107.6');
    expect(adverseTick(Price.parse('41107.59'), 'SELL', TICK).toString()).toBe('41107.5');
    expect(slippedPrice(Price.parse('41107.5'), 'BUY', TWO_BPS, TICK).toString()).toBe('41115.8');
  });

  it('charges taker and maker rates from the instrument, rounded up', () => {
    const px = Price.parse('41115.8');
    const qty = Quantity.parse('0.010');
    expect(commissionFor(px, qty, BTC, 'TAKER').raw).toBe(226_136_900n); // 411.158 × 0.00055
    expect(commissionFor(px, qty, BTC, 'MAKER').raw).toBe(82_231_600n); // 411.158 × 0.0002
  });

  it('caps a bar to a share of its volume, rounded down to the lot', () => {
    const bar: Bar = {
      instrumentId: instrumentId('BTCUSDT-PERP.BYBIT'),
      interval: '4h',
      tsOpen: 0,
      tsClose: 14_400_000,
      open: Price.parse('1'),
      high: Price.parse('1'),
      low: Price.parse('1'),
      close: Price.parse('1'),
      volume: Quantity.parse('13666.413'),
    };
    expect(volumeBudgetRaw(bar, 100_000_000n, BTC.lotSize)).toBe(1_366_641_000_000n); // 10% → 1366.641
    expect(volumeBudgetRaw(bar, 100_000n, BTC.lotSize)).toBe(1_366_000_000n); // 0.01% → 1.3666413 → 1.366
  });

  it('signs funding against the position: longs pay a positive rate, shorts receive it', () => {
    const mark = Price.parse('41160.3');
    expect(fundingAmountRaw(10_000_000n, mark, 100_000n)).toBe(-41_160_300n);
    expect(fundingAmountRaw(-10_000_000n, mark, 100_000n)).toBe(41_160_300n);
    expect(fundingAmountRaw(10_000_000n, mark, -100_000n)).toBe(41_160_300n);
  });

  it('lets an order reduce only what opposes it', () => {
    expect(reducibleRaw(5n, 'SELL')).toBe(5n);
    expect(reducibleRaw(5n, 'BUY')).toBe(0n);
    expect(reducibleRaw(-5n, 'BUY')).toBe(5n);
    expect(reducibleRaw(0n, 'SELL')).toBe(0n);
  });

  it('resolves the default config: 2 bps, no volume cap', () => {
    expect(DEFAULT_SIMULATED_VENUE_CONFIG).toEqual({ slippageBps: 2, volumeShareCap: null });
    expect(resolveSimulatedVenueConfig()).toEqual({ slippageBpsRaw: TWO_BPS, volumeShareCapRaw: null });
    expect(resolveSimulatedVenueConfig({ slippageBps: 0.5, volumeShareCap: 0.1 })).toEqual({ slippageBpsRaw: 500_000_000n, volumeShareCapRaw: 100_000_000n });
  });
});
