import type { EventEnvelope } from '@lib/kernel';
import { Quantity, type Bar } from '@lib/model';
import { FOUR_HOURS, configuredInstrument, loadBars } from '../../../../test/support/real-bars.js';
import { bootTradingKernel } from '../../../../test/support/trading-kernel.js';
import type { StrategyPortfolio } from '../base/strategy.js';
import { VolTargetTrendStrategy, type VolTargetTrendParams } from './vol-target-trend.strategy.js';

// Real Bybit BTC perpetual 4h bars, as the trader is configured to trade them.
const BARS_PER_YEAR = (365 * 86_400_000) / FOUR_HOURS;
const EQUITY = 100_000;

const BTC = configuredInstrument('BTCUSDT-PERP.BYBIT');

const PARAMS: VolTargetTrendParams = { fastEma: 30, slowEma: 120, volLookback: 60, targetAnnualVol: 0.35, maxLeverage: 1.5, rebalanceThreshold: 0.25 };

/** Fixed equity, never a position: what the strategy sizes against is known exactly. */
const flatPortfolio: StrategyPortfolio = { equityValue: () => EQUITY, netQuantityRaw: () => 0n };

interface OrderSeen {
  readonly envelope: EventEnvelope;
  readonly clientOrderId: string;
  readonly side: 'BUY' | 'SELL';
  readonly orderType: string;
  readonly quantity: string;
  readonly reduceOnly: boolean;
  readonly tag: string | null;
}

/** Runs the strategy in the kernel over `bars` and returns the orders it initialized, in stream order. */
async function runStrategy(bars: readonly Bar[], params: VolTargetTrendParams = PARAMS): Promise<OrderSeen[]> {
  const k = await bootTradingKernel({ instruments: [BTC], streamId: 'vtt', strategy: 'vol-target-trend', initialCapital: String(EQUITY), startAt: bars[0]!.tsOpen });
  try {
    new VolTargetTrendStrategy(k.bus, k.cache, k.clock, flatPortfolio, [BTC], params).start();
    for (const bar of bars) k.closeBar(bar);
    return (await k.stream())
      .filter((e) => e.type === 'order.initialized')
      .map((envelope) => {
        const p = JSON.parse(envelope.payload) as Omit<OrderSeen, 'envelope'>;
        return { envelope, clientOrderId: p.clientOrderId, side: p.side, orderType: p.orderType, quantity: p.quantity, reduceOnly: p.reduceOnly, tag: p.tag };
      });
  } finally {
    await k.close();
  }
}

/** EMA seeded with the simple mean of its first `period` values, at every index (NaN before). */
function emaSeries(values: readonly number[], period: number): number[] {
  const alpha = 2 / (period + 1);
  const out: number[] = [];
  let current = Number.NaN;
  for (let t = 0; t < values.length; t++) {
    if (t === period - 1) current = values.slice(0, period).reduce((a, b) => a + b, 0) / period;
    else if (t >= period) current = current + alpha * (values[t]! - current);
    out.push(current);
  }
  return out;
}

/** Sample std of the `window` log returns ending at index t. */
function volatilityAt(values: readonly number[], window: number, t: number): number {
  const r: number[] = [];
  for (let i = t - window + 1; i <= t; i++) r.push(Math.log(values[i]! / values[i - 1]!));
  const mean = r.reduce((a, b) => a + b, 0) / window;
  return Math.sqrt(r.reduce((a, x) => a + (x - mean) ** 2, 0) / (window - 1));
}

describe('VolTargetTrendStrategy on real BTC 4h bars', () => {
  const N = 400;
  let bars: Bar[];
  let closes: number[];
  let orders: OrderSeen[];

  beforeAll(async () => {
    bars = loadBars('bybit_BTCUSDT_4h.csv', BTC, N);
    closes = bars.map((b) => Number(b.close.toString()));
    orders = await runStrategy(bars);
  }, 30_000);

  it('sends no order before slowEma bars have closed, then its first one on bar slowEma', () => {
    expect(orders.length).toBeGreaterThan(0);
    const firstAt = bars.findIndex((b) => b.tsClose === orders[0]!.envelope.tsEvent);
    expect(firstAt).toBe(PARAMS.slowEma - 1);
    expect(orders.every((o) => o.envelope.tsEvent >= bars[PARAMS.slowEma - 1]!.tsClose)).toBe(true);
  });

  it('waits for the volatility window too when it is longer than the slow EMA', async () => {
    const params: VolTargetTrendParams = { ...PARAMS, fastEma: 5, slowEma: 10, volLookback: 40 };
    const early = await runStrategy(bars.slice(0, 60), params);
    expect(early.length).toBeGreaterThan(0);
    // volLookback returns need volLookback + 1 closes
    expect(early[0]!.envelope.tsEvent).toBe(bars[params.volLookback]!.tsClose);
  });

  it('with a flat portfolio, sends one MARKET order per bar whose side is sign(EMA_fast − EMA_slow) and whose size is the vol target on the lot grid', () => {
    const fast = emaSeries(closes, PARAMS.fastEma);
    const slow = emaSeries(closes, PARAMS.slowEma);
    // each order is filled (or denied) before the next bar closes, so nothing is working and it trades every bar
    expect(orders).toHaveLength(N - (PARAMS.slowEma - 1));
    let buys = 0;
    let sells = 0;
    for (const order of orders) {
      const t = bars.findIndex((b) => b.tsClose === order.envelope.tsEvent);
      expect(t).toBeGreaterThanOrEqual(PARAMS.slowEma - 1);
      const close = closes[t]!;
      expect(order.orderType).toBe('MARKET');
      expect(order.reduceOnly).toBe(false);
      expect(order.side).toBe(fast[t]! > slow[t]! ? 'BUY' : 'SELL');
      if (order.side === 'BUY') buys++;
      else sells++;

      const sigmaAnnual = volatilityAt(closes, PARAMS.volLookback, t) * Math.sqrt(BARS_PER_YEAR);
      const leverage = Math.min(PARAMS.maxLeverage, PARAMS.targetAnnualVol / sigmaAnnual);
      const target = (leverage * EQUITY) / close;
      const qty = Quantity.parse(order.quantity);
      expect(qty.raw % BTC.lotSize.raw).toBe(0n);
      expect(qty.gte(BTC.minQuantity)).toBe(true);
      expect(qty.toNumber()).toBeLessThanOrEqual(target + 1e-9);
      // rounded down to the lot, not further
      expect(qty.toNumber()).toBeGreaterThan(target - BTC.lotSize.toNumber() - 1e-9);
    }
    // the real series trends both ways over these bars, so both sides are exercised
    expect(buys).toBeGreaterThan(0);
    expect(sells).toBeGreaterThan(0);
  });

  it('sends the same orders up to bar t whatever bars come after t (no look-ahead)', async () => {
    const t = 250;
    // after t: the same real bars in reverse order, on the original timestamps
    const tail = bars.slice(t + 1).reverse();
    const altered = bars.map((bar, i) => (i <= t ? bar : { ...tail[i - t - 1]!, tsOpen: bar.tsOpen, tsClose: bar.tsClose }));
    expect(altered.slice(t + 1).some((b, i) => !b.close.eq(bars[t + 1 + i]!.close))).toBe(true);

    const other = await runStrategy(altered);
    const cut = bars[t]!.tsClose;
    const upTo = (list: OrderSeen[]) => list.filter((o) => o.envelope.tsEvent <= cut).map((o) => ({ ...o, envelope: o.envelope.payload }));
    expect(upTo(orders).length).toBeGreaterThan(100);
    expect(upTo(other)).toEqual(upTo(orders));
    // and the bars after t did change what it sent afterwards
    const after = (list: OrderSeen[]) => list.filter((o) => o.envelope.tsEvent > cut).map((o) => `${o.side}|${o.quantity}`);
    expect(after(other)).not.toEqual(after(orders));
  }, 30_000);
});
