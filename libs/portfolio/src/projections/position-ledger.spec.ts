import fc from 'fast-check';
import { FIXED_SCALAR, Money, type OrderSide } from '@lib/model';
import { PortfolioProjection } from './portfolio.projection.js';
import { BTC, EventFeed, bar, fill, runStarted } from '../testing/event-feed.js';

const fillArb = fc.record({
  side: fc.constantFrom<OrderSide>('BUY', 'SELL'),
  qty: fc.integer({ min: 1, max: 5_000 }), // lots of 0.001
  px: fc.integer({ min: 1_000, max: 20_000_00 }), // cents
  fee: fc.integer({ min: 0, max: 500 }), // cents
});
const text = (n: number, decimals: number) => (n / 10 ** decimals).toFixed(decimals);

describe('PositionLedger properties (through the projection)', () => {
  it('equity − capital equals the exact cash flows plus the position at the mark, within one 10^-9 per fill', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 25 }), fc.integer({ min: 1_000, max: 20_000_00 }), (fills, markCents) => {
        const p = new PortfolioProjection();
        const feed = new EventFeed();
        feed.feed(runStarted('1000000'), p);
        let qty = 0n; // raw 10^9
        let flow18 = 0n; // Σ −signed qty × px − fee, at 10^18
        fills.forEach((f, i) => {
          const e = fill(BTC, f.side, text(f.qty, 3), text(f.px, 2), text(f.fee, 2), i + 1);
          feed.feed(e, p);
          const signed = f.side === 'BUY' ? e.lastQty.raw : -e.lastQty.raw;
          qty += signed;
          flow18 -= signed * e.lastPx.raw + e.commission.raw * FIXED_SCALAR;
        });
        const mark = bar(BTC, text(markCents, 2), fills.length + 1);
        feed.feed(mark, p);
        const exact18 = flow18 + qty * mark.close.raw;
        const got18 = (p.equity().raw - p.initialCapital().raw) * FIXED_SCALAR;
        const err = got18 > exact18 ? got18 - exact18 : exact18 - got18;
        expect(p.netQuantityRaw(BTC)).toBe(qty);
        expect(err <= BigInt(fills.length + 1) * FIXED_SCALAR).toBe(true);
        // Round trips (closed + the open one) partition the position's realized PnL and fees exactly.
        const open = p.snapshot().positions[0]!.openTrade;
        const openRealized = open === null ? 0n : Money.parse(open.realizedPnl, 'USDT').raw;
        const openFees = open === null ? 0n : Money.parse(open.fees, 'USDT').raw;
        expect(p.trades().reduce((s, t) => s + t.realizedPnl.raw, 0n) + openRealized).toBe(p.realizedPnl().raw);
        expect(p.trades().reduce((s, t) => s + t.fees.raw, 0n) + openFees).toBe(p.fees().raw);
      }),
      { numRuns: 300 },
    );
  });

  it('applying every event twice gives the state of applying it once', () => {
    fc.assert(
      fc.property(fc.array(fillArb, { minLength: 1, maxLength: 15 }), (fills) => {
        const once = new PortfolioProjection();
        const twice = new PortfolioProjection();
        const feed = new EventFeed();
        const events = [runStarted('100000'), ...fills.map((f, i) => fill(BTC, f.side, text(f.qty, 3), text(f.px, 2), text(f.fee, 2), i + 1)), bar(BTC, '100', 99)];
        for (const e of events) {
          const env = feed.envelope(e);
          once.apply(e, env);
          twice.apply(e, env);
          twice.apply(e, env);
        }
        expect(twice.stateHash()).toBe(once.stateHash());
      }),
      { numRuns: 100 },
    );
  });
});
