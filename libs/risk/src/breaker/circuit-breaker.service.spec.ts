import type { EventEnvelope } from '@lib/kernel';
import { Price, SubmitOrderCommand, type Bar } from '@lib/model';
import { configuredInstrument, loadBars } from '../../../../test/support/real-bars.js';
import { marketOrderSpec, tradingKernelPerTest, type TradingKernel } from '../../../../test/support/trading-kernel.js';
import { DEFAULT_CIRCUIT_BREAKER_CONFIG } from './circuit-breaker.js';
import { CircuitBreakerService } from './circuit-breaker.service.js';

const BTC = configuredInstrument('BTCUSDT-PERP.BYBIT');
const HOUR = 3_600_000;

type Payload = Record<string, unknown>;
const payloads = (events: EventEnvelope[], type: string): Payload[] => events.filter((e) => e.type === type).map((e) => JSON.parse(e.payload) as Payload);

/** A copy of a real bar shifted `step` bars later with every price scaled by `factor` (a synthetic crash on real shapes). */
function scaled(bar: Bar, factor: number, step: number): Bar {
  const px = (p: Price) => Price.fromNumber(p.toNumber() * factor, BTC.pricePrecision);
  const shift = step * 4 * HOUR;
  return { ...bar, open: px(bar.open), high: px(bar.high), low: px(bar.low), close: px(bar.close), tsOpen: bar.tsOpen + shift, tsClose: bar.tsClose + shift };
}

describe('CircuitBreakerService on the kernel', () => {
  let k: TradingKernel;
  let breaker: CircuitBreakerService;
  let bars: Bar[];

  beforeAll(() => {
    bars = loadBars('bybit_BTCUSDT_4h.csv', BTC, 60);
  });

  tradingKernelPerTest(
    { instruments: [BTC], streamId: 'breaker', risk: { breaker: { ...DEFAULT_CIRCUIT_BREAKER_CONFIG, enabled: true, coolDownMs: 8 * HOUR, recoveryBars: 2 } } },
    (booted) => {
      k = booted;
      breaker = k.moduleRef.get(CircuitBreakerService);
    },
  );

  /** Buys `qty` BTC at the next bar's open. */
  async function buy(qty: string, at: Bar): Promise<void> {
    k.bus.send(new SubmitOrderCommand(marketOrderSpec(BTC, `BUY-${qty}`, 'BUY', qty)));
    k.closeBar(at);
    await k.bus.settle();
  }

  it('trips on a drawdown at the adverse extreme, stores the transition, flattens at the next open and sets REDUCING', async () => {
    const base = bars[0]!;
    k.closeBar(base);
    await buy('2', scaled(base, 1, 1)); // ~2 BTC ≈ 1.3× of 100k equity at 2021–22 prices? whatever the price, leverage > 1 makes the crash bite
    expect(breaker.state).toBe('CLOSED');
    // A bar whose low is 10% under the entry: equity at the adverse extreme is far below the 5% threshold.
    const crash = scaled(base, 0.9, 2);
    k.closeBar(crash);
    await k.bus.settle();
    expect(breaker.state).toBe('OPEN');
    expect(k.tradingState.current).toBe('REDUCING');
    let events = await k.stream();
    const [trip] = payloads(events, 'risk.breaker_transitioned');
    expect(trip).toMatchObject({ from: 'CLOSED', to: 'OPEN', trigger: 'DRAWDOWN', tradingState: 'REDUCING', sizeMultiplier: '0', instrumentId: BTC.id });
    expect(Number(trip!.drawdown as string)).toBeGreaterThan(0.05);
    expect(Number(trip!.adverseEquity as string)).toBeLessThanOrEqual(Number(trip!.equity as string));
    // the flattening order is reduce-only, from the breaker, and fills at the next bar's open
    const flatten = payloads(events, 'order.initialized').find((p) => p.strategyId === 'RISK-BREAKER');
    expect(flatten).toMatchObject({ side: 'SELL', reduceOnly: true, quantity: '2.000' });
    k.closeBar(scaled(base, 0.9, 3));
    await k.bus.settle();
    expect(k.portfolio.netQuantityRaw(BTC.id)).toBe(0n);
    // while open, a new buy is denied: trading is reducing only
    k.bus.send(new SubmitOrderCommand(marketOrderSpec(BTC, 'AGAIN', 'BUY', '0.1')));
    await k.bus.settle();
    events = await k.stream();
    const denied = payloads(events, 'order.denied').find((p) => p.clientOrderId === 'AGAIN');
    expect(denied?.reason).toBe('RISK.TRADING_REDUCING');
  });

  it('goes HALF_OPEN after the cool-down with half-size limits, and CLOSED after clean bars', async () => {
    const base = bars[0]!;
    k.closeBar(base);
    await buy('2', scaled(base, 1, 1));
    k.closeBar(scaled(base, 0.9, 2));
    await k.bus.settle();
    expect(breaker.state).toBe('OPEN');
    for (let step = 3; step <= 5; step++) k.closeBar(scaled(base, 0.9, step));
    await k.bus.settle();
    expect(breaker.state).toBe('HALF_OPEN');
    expect(breaker.sizeMultiplier).toBe(0.5);
    expect(k.tradingState.current).toBe('ACTIVE');
    // half-open: gross is capped at half of equity, so a buy worth ~all of equity is denied
    const equity = k.portfolio.equityValue();
    const price = scaled(base, 0.9, 5).close.toNumber();
    const fullQty = (Math.floor((equity / price) * 1000) / 1000).toFixed(3);
    k.bus.send(new SubmitOrderCommand(marketOrderSpec(BTC, 'FULL', 'BUY', fullQty)));
    await k.bus.settle();
    const denied = payloads(await k.stream(), 'order.denied').find((p) => p.clientOrderId === 'FULL');
    expect(denied?.reason).toBe('RISK.MAX_GROSS_EXPOSURE');
    expect(denied?.detail).toContain('circuit breaker');
    for (let step = 6; step <= 7; step++) k.closeBar(scaled(base, 0.9, step));
    await k.bus.settle();
    expect(breaker.state).toBe('CLOSED');
    const path = payloads(await k.stream(), 'risk.breaker_transitioned').map((p) => `${p.to}:${p.trigger}`);
    expect(path).toEqual(['OPEN:DRAWDOWN', 'HALF_OPEN:COOL_DOWN', 'CLOSED:RECOVERY']);
  });

  it('lets an operator trip and reset it, each a stored event with the reason', async () => {
    const base = bars[0]!;
    k.closeBar(base);
    await buy('0.5', scaled(base, 1, 1));
    expect(breaker.trip('exchange incident')).toBe(true);
    expect(breaker.trip('again')).toBe(false); // already open: no second transition
    await k.bus.settle();
    k.closeBar(scaled(base, 1, 2));
    await k.bus.settle();
    expect(k.portfolio.netQuantityRaw(BTC.id)).toBe(0n);
    expect(breaker.reset('incident resolved')).toBe(true);
    expect(k.tradingState.current).toBe('ACTIVE');
    const transitions = payloads(await k.stream(), 'risk.breaker_transitioned');
    expect(transitions.map((t) => [t.trigger, t.reason])).toEqual([
      ['OPERATOR_TRIP', 'operator: exchange incident'],
      ['OPERATOR_RESET', 'operator: incident resolved'],
    ]);
    expect(transitions[1]!.reference).toBeNull();
    expect(breaker.status()).toMatchObject({ state: 'CLOSED', trips: 1 });
  });
});
