import { DEFAULTS } from '@config';
import type { EventEnvelope } from '@lib/kernel';
import { DATA_DIR, tempSqlite } from '../support/databases.js';
import { readRunEvents } from '../support/read-events.js';
import { runBacktest, type TestRun } from '../support/run-backtest.js';

/**
 * The drawdown circuit breaker on real data (Binance 4h BTC, ETH, SOL), through the full kernel:
 * a fully invested buy-and-hold book across the three crashes the issue names. In each window the
 * breaker must open, flatten every position at the next bar's open, keep the book flat while open,
 * and the drawdown from the peak in force must not exceed the 5% threshold by more than the move
 * of the bar in which it tripped (that bar's loss plus the gap to the flattening fill).
 */

const THRESHOLD = DEFAULTS.breaker.threshold;
const DAY = 86_400_000;

const WINDOWS = [
  { name: 'LUNA, May 2022', from: '2022-04-20', to: '2022-06-01' },
  { name: 'FTX, Nov 2022', from: '2022-10-25', to: '2022-11-30' },
  { name: 'yen carry unwind, Aug 2024', from: '2024-07-20', to: '2024-08-20' },
] as const;

interface Transition {
  from: string;
  to: string;
  trigger: string;
  drawdown: string;
}

interface Fill {
  instrumentId: string;
  strategyId: string;
  side: 'BUY' | 'SELL';
  lastQty: string;
}

const OVERRIDES = {
  strategy: { ...DEFAULTS.strategy, name: 'buy-and-hold' as const, maxLeverage: 1 },
  // Exposure is the subject here: VaR and allocation would keep the book from being fully invested.
  portfolioRisk: { ...DEFAULTS.portfolioRisk, varEnabled: false, allocationEnabled: false },
  regime: { ...DEFAULTS.regime, enabled: false },
};

describe.each(WINDOWS)('acceptance: circuit breaker on real data, $name', ({ from, to }) => {
  const store = tempSqlite();
  let run: TestRun;
  let events: EventEnvelope[];

  beforeAll(async () => {
    run = await runBacktest(store.url, { dataDir: DATA_DIR, from: Date.parse(`${from}T00:00:00Z`), to: Date.parse(`${to}T00:00:00Z`) }, OVERRIDES);
    events = await readRunEvents(store.url, run.outcome.summary.runId);
  }, 120_000);
  afterAll(() => store.dispose());

  const transitions = () => events.filter((e) => e.type === 'risk.breaker_transitioned').map((e) => ({ e, t: JSON.parse(e.payload) as Transition }));
  const fills = () => events.filter((e) => e.type === 'order.filled').map((e) => ({ e, f: JSON.parse(e.payload) as Fill }));

  it('opens on drawdown, and every transition is a stored event that replays', () => {
    const trips = transitions().filter(({ t }) => t.to === 'OPEN');
    expect(trips.length).toBeGreaterThanOrEqual(1);
    expect(trips[0]!.t).toMatchObject({ from: 'CLOSED', trigger: 'DRAWDOWN' });
    expect(Number(trips[0]!.t.drawdown)).toBeGreaterThan(THRESHOLD);
    // The trading state follows the breaker in the same stream.
    const states = events.filter((e) => e.type === 'risk.trading_state_changed').map((e) => JSON.parse(e.payload) as { to: string });
    expect(states.map((s) => s.to)).toContain('REDUCING');
    expect(run.replay.matches).toBe(true);
  });

  it('flattens every position at once and keeps the book flat while open', () => {
    const all = fills();
    for (const { e: tripEvent } of transitions().filter(({ t }) => t.to === 'OPEN')) {
      const until = transitions().find(({ e }) => e.streamSeq > tripEvent.streamSeq)?.e.streamSeq ?? Infinity;
      const during = all.filter(({ e }) => e.streamSeq > tripEvent.streamSeq && e.streamSeq < until);
      // Only the breaker trades while it is open, and only to close.
      for (const { f } of during) expect(f.strategyId).toBe('RISK-BREAKER');
      const net = new Map<string, number>();
      for (const { e, f } of all) {
        if (e.streamSeq >= until) break;
        net.set(f.instrumentId, (net.get(f.instrumentId) ?? 0) + (f.side === 'BUY' ? 1 : -1) * Number(f.lastQty));
      }
      for (const [instrument, qty] of net) expect({ instrument, qty: Math.abs(qty) < 1e-9 ? 0 : qty }).toEqual({ instrument, qty: 0 });
      // The flattening fills land within one bar of the trip.
      const flattening = during.map(({ e }) => e.tsEvent);
      expect(flattening.length).toBeGreaterThan(0);
      expect(Math.max(...flattening) - tripEvent.tsEvent).toBeLessThanOrEqual(4 * 3_600_000);
    }
  });

  it('never lets the drawdown from the peak in force exceed the threshold by more than the tripping bar moved', () => {
    const curve = run.outcome.equityCurve;
    let peak = curve[0]!.equity;
    let breakerPeakSince = 0;
    for (const { e, t } of transitions()) {
      if (t.to === 'HALF_OPEN' || t.trigger === 'OPERATOR_RESET') {
        // Half-open measures from a new base (kept as the peak after recovery); a reset forgets the peak.
        breakerPeakSince = e.tsEvent;
        continue;
      }
      if (t.to !== 'OPEN') continue;
      const before = curve.filter((p) => p.ts < e.tsEvent && p.ts >= breakerPeakSince);
      if (before.length === 0) continue;
      peak = Math.max(...before.map((p) => p.equity));
      const lastMark = before[before.length - 1]!.equity;
      // Equity once the flattening fills are booked: the first curve point a bar after the trip.
      const after = curve.find((p) => p.ts >= e.tsEvent + 4 * 3_600_000)?.equity ?? curve[curve.length - 1]!.equity;
      const realized = (peak - after) / peak;
      const tripBarMove = Math.max(0, (lastMark - after) / peak);
      // Before the tripping bar, close-marked drawdown stayed within the threshold…
      expect((peak - lastMark) / peak).toBeLessThanOrEqual(THRESHOLD + 1e-9);
      // …so what was realized is the threshold plus that bar's move at most.
      expect(realized).toBeLessThanOrEqual(THRESHOLD + tripBarMove + 1e-9);
    }
  });

  it('stays out for the cool-down, then goes HALF_OPEN', () => {
    const list = transitions();
    const open = list.find(({ t }) => t.to === 'OPEN')!;
    const next = list.find(({ e }) => e.streamSeq > open.e.streamSeq);
    if (next === undefined) return; // the window ended during the cool-down
    expect(next.t.to).toBe('HALF_OPEN');
    expect(next.e.tsEvent - open.e.tsEvent).toBeGreaterThanOrEqual(DEFAULTS.breaker.coolDownHours * 3_600_000);
    expect(next.e.tsEvent - open.e.tsEvent).toBeLessThan(DEFAULTS.breaker.coolDownHours * 3_600_000 + DAY);
  });
});
