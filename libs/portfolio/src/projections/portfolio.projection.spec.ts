import { OrderAcceptedEvent, clientOrderId, venueOrderId } from '@lib/model';
import { PortfolioError, PortfolioProjection } from './portfolio.projection.js';
import { BTC, ETH, EventFeed, HOUR, bar, fill, funding, raw, runStarted } from '../testing/event-feed.js';

describe('PortfolioProjection', () => {
  describe('netting a BTC position through open, add, partial close, flip and close', () => {
    // Capital 10 000 USDT. Hand computation:
    // 1. buy 1 @ 100, fee 0.1      → +1, cost 100, avg 100,            cash 9 999.9
    // 2. buy 1 @ 110, fee 0.11     → +2, cost 210, avg 105,            cash 9 999.79
    // 3. sell 0.5 @ 120, fee 0.06  → +1.5, realized 0.5 × (120 − 105) = 7.5, cash 10 007.23
    // 4. sell 2.5 @ 100, fee 0.25  → flip: close 1.5 at 100: realized −7.5; open −1 @ 100; cash 9 999.48
    //    (fee split pro rata: 0.15 to the closed long, 0.10 to the new short)
    // 5. funding −0.05             → cash 9 999.43
    // 6. bar close 90              → unrealized −1 × (90 − 100) = +10, equity 10 009.43
    // 7. buy 1 @ 95, fee 0.095     → close: realized +5, cash 10 004.335
    const p = new PortfolioProjection();
    const feed = new EventFeed();
    const steps = {
      start: () => feed.feed(runStarted('10000'), p),
      open: () => feed.feed(fill(BTC, 'BUY', '1', '100', '0.1', 1 * HOUR), p),
      add: () => feed.feed(fill(BTC, 'BUY', '1', '110', '0.11', 2 * HOUR), p),
      reduce: () => feed.feed(fill(BTC, 'SELL', '0.5', '120', '0.06', 3 * HOUR), p),
      flip: () => feed.feed(fill(BTC, 'SELL', '2.5', '100', '0.25', 4 * HOUR), p),
      fund: () => feed.feed(funding(BTC, '-0.05', '-1', 5 * HOUR), p),
      mark: () => feed.feed(bar(BTC, '90', 6 * HOUR), p),
      close: () => feed.feed(fill(BTC, 'BUY', '1', '95', '0.095', 7 * HOUR), p),
    };

    it('opens long at the fill price, fee out of cash', () => {
      steps.start();
      steps.open();
      const pos = p.position(BTC);
      expect(pos.side).toBe('LONG');
      expect(pos.netQtyRaw).toBe(raw('1'));
      expect(pos.netQty).toBe('1');
      expect(pos.avgEntryPrice?.raw).toBe(raw('100'));
      expect(pos.fees.raw).toBe(raw('0.1'));
      expect(p.cash().raw).toBe(raw('9999.9'));
      expect(p.cash().currency).toBe('USDT');
    });

    it('adds: average entry is the quantity-weighted price', () => {
      steps.add();
      const pos = p.position(BTC);
      expect(pos.netQtyRaw).toBe(raw('2'));
      expect(pos.avgEntryPrice?.raw).toBe(raw('105'));
      expect(pos.realizedPnl.raw).toBe(0n);
      expect(p.cash().raw).toBe(raw('9999.79'));
    });

    it('partial close realizes PnL against the average entry, which stays unchanged', () => {
      steps.reduce();
      const pos = p.position(BTC);
      expect(pos.netQtyRaw).toBe(raw('1.5'));
      expect(pos.avgEntryPrice?.raw).toBe(raw('105'));
      expect(pos.realizedPnl.raw).toBe(raw('7.5'));
      expect(p.cash().raw).toBe(raw('10007.23'));
      expect(p.trades()).toHaveLength(0);
    });

    it('flip closes the long, opens the remainder short at the fill price, and records the round trip', () => {
      steps.flip();
      const pos = p.position(BTC);
      expect(pos.side).toBe('SHORT');
      expect(pos.netQtyRaw).toBe(raw('-1'));
      expect(pos.netQty).toBe('-1');
      expect(pos.avgEntryPrice?.raw).toBe(raw('100'));
      expect(pos.realizedPnl.raw).toBe(raw('0')); // +7.5 then −7.5
      expect(p.cash().raw).toBe(raw('9999.48'));
      const [long] = p.trades();
      expect(p.trades()).toHaveLength(1);
      expect(long!.side).toBe('LONG');
      expect(long!.quantity.raw).toBe(raw('2'));
      expect(long!.entryTs).toBe(1 * HOUR);
      expect(long!.exitTs).toBe(4 * HOUR);
      expect(long!.entryPrice.raw).toBe(raw('105'));
      expect(long!.exitPrice.raw).toBe(raw('105')); // (0.5 × 120 + 1.5 × 100) / 2
      expect(long!.realizedPnl.raw).toBe(0n);
      expect(long!.fees.raw).toBe(raw('0.42')); // 0.1 + 0.11 + 0.06 + 0.15
      expect(long!.netPnl.raw).toBe(raw('-0.42'));
      expect(long!.fills).toBe(4);
    });

    it('funding goes to cash and to the instrument funding total', () => {
      steps.fund();
      expect(p.cash().raw).toBe(raw('9999.43'));
      expect(p.position(BTC).funding.raw).toBe(raw('-0.05'));
      expect(p.funding().raw).toBe(raw('-0.05'));
    });

    it('marks unrealized PnL at the bar close: qty × (mark − avg entry)', () => {
      steps.mark();
      const pos = p.position(BTC);
      expect(pos.lastMark?.raw).toBe(raw('90'));
      expect(pos.unrealizedPnl.raw).toBe(raw('10'));
      expect(p.equity().raw).toBe(raw('10009.43'));
      expect(p.grossExposure().raw).toBe(raw('90'));
      const [point] = p.equityCurve();
      expect(point).toMatchObject({ ts: 6 * HOUR, openPositions: 1, drawdown: 0 });
      expect(point!.equity.raw).toBe(raw('10009.43'));
      expect(point!.cash.raw).toBe(raw('9999.43'));
      expect(point!.grossExposure.raw).toBe(raw('90'));
    });

    it('close flattens, realizes, and records the short round trip net of fees and funding', () => {
      steps.close();
      const pos = p.position(BTC);
      expect(pos.side).toBe('FLAT');
      expect(pos.netQtyRaw).toBe(0n);
      expect(pos.avgEntryPrice).toBeNull();
      expect(pos.unrealizedPnl.raw).toBe(0n);
      expect(pos.realizedPnl.raw).toBe(raw('5'));
      expect(pos.fees.raw).toBe(raw('0.615'));
      expect(pos.fills).toBe(5);
      expect(p.cash().raw).toBe(raw('10004.335'));
      expect(p.equity().raw).toBe(raw('10004.335'));
      // cash = capital + realized − fees + funding
      expect(p.cash().raw).toBe(raw('10000') + p.realizedPnl().raw - p.fees().raw + p.funding().raw);
      expect(p.turnover().raw).toBe(raw('615')); // 100 + 110 + 60 + 250 + 95
      expect(p.fillCount()).toBe(5);
      const short = p.trades()[1]!;
      expect(short.side).toBe('SHORT');
      expect(short.quantity.raw).toBe(raw('1'));
      expect(short.entryPrice.raw).toBe(raw('100'));
      expect(short.exitPrice.raw).toBe(raw('95'));
      expect(short.realizedPnl.raw).toBe(raw('5'));
      expect(short.fees.raw).toBe(raw('0.195')); // 0.10 share of the flip + 0.095
      expect(short.funding.raw).toBe(raw('-0.05'));
      expect(short.netPnl.raw).toBe(raw('4.755'));
    });
  });

  it('keeps the cost basis exact: a 1/3 average rounds for display only and the round trip realizes exactly', () => {
    const p = new PortfolioProjection();
    const feed = new EventFeed();
    feed.feed(runStarted('1000'), p);
    feed.feed(fill(BTC, 'BUY', '1', '100', '0', 1), p);
    feed.feed(fill(BTC, 'BUY', '2', '101', '0', 2), p);
    expect(p.position(BTC).avgEntryPrice?.raw).toBe(raw('100.666666667')); // 302 / 3, HALF_EVEN
    feed.feed(fill(BTC, 'SELL', '1', '102', '0', 3), p);
    expect(p.position(BTC).realizedPnl.raw).toBe(raw('1.333333333')); // 102 − 100.666…, HALF_EVEN to 10^-9
    feed.feed(fill(BTC, 'SELL', '2', '102', '0', 4), p);
    expect(p.position(BTC).realizedPnl.raw).toBe(raw('4')); // 3 × 102 − 302, no residue
    expect(p.cash().raw).toBe(raw('1004'));
    expect(p.trades()[0]!.entryPrice.raw).toBe(raw('100.666666667'));
  });

  it('nets a short: sells raise it, a partial buy-back realizes (avg − exit) × qty', () => {
    const p = new PortfolioProjection();
    const feed = new EventFeed();
    feed.feed(runStarted('1000'), p);
    feed.feed(fill(ETH, 'SELL', '2', '50', '0', 1), p);
    feed.feed(fill(ETH, 'SELL', '2', '40', '0', 2), p);
    expect(p.netQuantityRaw(ETH)).toBe(raw('-4'));
    expect(p.position(ETH).avgEntryPrice?.raw).toBe(raw('45'));
    feed.feed(fill(ETH, 'BUY', '1', '35', '0', 3), p);
    expect(p.position(ETH).realizedPnl.raw).toBe(raw('10'));
    feed.feed(bar(ETH, '50', 4), p);
    expect(p.position(ETH).unrealizedPnl.raw).toBe(raw('-15')); // −3 × (50 − 45)
    expect(p.equity().raw).toBe(raw('995'));
  });

  it('marks at the last fill price until the first bar of the instrument', () => {
    const p = new PortfolioProjection();
    const feed = new EventFeed();
    feed.feed(runStarted('1000'), p);
    feed.feed(fill(BTC, 'BUY', '1', '100', '0', 1), p);
    feed.feed(fill(BTC, 'BUY', '1', '104', '0', 2), p);
    expect(p.position(BTC).lastMark).toBeNull();
    expect(p.position(BTC).unrealizedPnl.raw).toBe(raw('4')); // 2 × 104 − (100 + 104)
  });

  describe('event handling rules', () => {
    it('is idempotent on eventId: the same envelope twice changes nothing', () => {
      const p = new PortfolioProjection();
      const feed = new EventFeed();
      feed.feed(runStarted('1000'), p);
      const buy = fill(BTC, 'BUY', '1', '100', '0.5', 1);
      const env = feed.feed(buy, p);
      const before = p.stateHash();
      p.apply(buy, env);
      expect(p.stateHash()).toBe(before);
      expect(p.netQuantityRaw(BTC)).toBe(raw('1'));
      expect(p.cash().raw).toBe(raw('999.5'));
      expect(p.fillCount()).toBe(1);
      // An old duplicate after newer events is still a no-op.
      const barEvent = bar(BTC, '101', 2);
      feed.feed(barEvent, p);
      p.apply(buy, env);
      expect(p.netQuantityRaw(BTC)).toBe(raw('1'));
      expect(p.lastAppliedSeq).toBe(3);
    });

    it('refuses an older seq that is not a duplicate', () => {
      const p = new PortfolioProjection();
      const feed = new EventFeed();
      feed.feed(runStarted('1000'), p); // seq 1
      const early = fill(BTC, 'BUY', '1', '100', '0', 1);
      const earlyEnv = feed.envelope(early, 2);
      const later = fill(BTC, 'BUY', '1', '100', '0', 1);
      p.apply(later, feed.envelope(later, 3));
      expect(() => p.apply(early, earlyEnv)).toThrow(/seq 2 but seq 3 is already applied/);
      expect(() => p.apply(early, { ...earlyEnv, seq: 3 })).toThrow(PortfolioError); // same seq, other event
      expect(p.netQuantityRaw(BTC)).toBe(raw('1'));
    });

    it('refuses an eventId seen before under another seq', () => {
      const p = new PortfolioProjection();
      const feed = new EventFeed();
      const env = feed.feed(runStarted('1000'), p);
      try {
        p.apply(runStarted('1000'), { ...env, seq: 9 });
        throw new Error('expected a throw');
      } catch (err) {
        expect((err as PortfolioError).code).toBe('PORTFOLIO.EVENT_ID_REUSED');
      }
    });

    it('ignores other event types but still advances seq', () => {
      const p = new PortfolioProjection();
      const feed = new EventFeed();
      feed.feed(runStarted('1000'), p);
      const before = p.stateHash();
      feed.feed(new OrderAcceptedEvent({ clientOrderId: clientOrderId('o-1'), instrumentId: BTC, venueOrderId: venueOrderId('v-1'), tsEvent: 1 }), p);
      expect(p.stateHash()).toBe(before);
      expect(p.lastAppliedSeq).toBe(2);
    });

    it('takes the settlement currency from run.started', () => {
      const p = new PortfolioProjection();
      const feed = new EventFeed();
      feed.feed(runStarted('500', 0, 'USDC'), p);
      expect(p.cash().toString()).toBe('500 USDC');
      expect(() => feed.feed(fill(BTC, 'BUY', '1', '100', '0.1', 1, 'USDT'), p)).toThrow(/CURRENCY|settles in USDC/);
      expect(p.netQuantityRaw(BTC)).toBe(0n);
    });

    it('fails fast on fills before run.started and on a second run.started', () => {
      const p = new PortfolioProjection();
      const feed = new EventFeed();
      expect(() => feed.feed(fill(BTC, 'BUY', '1', '100', '0', 1), p)).toThrow(/before run.started/);
      feed.feed(runStarted('1000'), p);
      expect(() => feed.feed(runStarted('1000'), p)).toThrow(/already started/);
    });

    it('a failed event is not marked applied', () => {
      const p = new PortfolioProjection();
      const feed = new EventFeed();
      expect(() => feed.feed(fill(BTC, 'BUY', '1', '100', '0', 1), p)).toThrow(PortfolioError);
      expect(p.lastAppliedSeq).toBeNull();
    });
  });

  describe('equity curve', () => {
    it('writes one point per bar timestamp (last bar wins) with drawdown from the running peak', () => {
      const p = new PortfolioProjection();
      const feed = new EventFeed();
      feed.feed(bar(BTC, '100', 0), p); // before run.started: mark only
      feed.feed(runStarted('1000'), p);
      expect(p.equityCurve()).toHaveLength(0);
      feed.feed(fill(BTC, 'BUY', '1', '100', '0', 0), p);
      feed.feed(bar(BTC, '110', 1 * HOUR), p);
      feed.feed(bar(ETH, '50', 1 * HOUR), p);
      feed.feed(bar(BTC, '90', 2 * HOUR), p);
      feed.feed(fill(ETH, 'BUY', '2', '50', '1', 2 * HOUR), p);
      feed.feed(bar(ETH, '45', 2 * HOUR), p); // same ts: overwrites the BTC point, sees the ETH fill
      feed.feed(bar(BTC, '125', 3 * HOUR), p);
      feed.feed(bar(BTC, '95', 4 * HOUR), p);
      const curve = p.equityCurve();
      expect(curve.map((pt) => pt.ts)).toEqual([1, 2, 3, 4].map((h) => h * HOUR));
      expect(curve.map((pt) => pt.equity.toDecimal())).toEqual(['1010', '979', '1014', '984']);
      expect(curve.map((pt) => pt.peak.toDecimal())).toEqual(['1010', '1010', '1014', '1014']);
      expect(curve[1]!.drawdown).toBeCloseTo(31 / 1010, 12);
      expect(curve[2]!.drawdown).toBe(0);
      expect(curve[3]!.drawdown).toBeCloseTo(30 / 1014, 12);
      expect(curve[1]!.openPositions).toBe(2);
      expect(curve[1]!.grossExposure.raw).toBe(raw('180')); // 90 + 2 × 45
      expect(curve[0]!.openPositions).toBe(1);
    });

    it('a bar older than the last point only updates the mark', () => {
      const p = new PortfolioProjection();
      const feed = new EventFeed();
      feed.feed(runStarted('1000'), p);
      feed.feed(fill(BTC, 'BUY', '1', '100', '0', 0), p);
      feed.feed(bar(BTC, '110', 2 * HOUR), p);
      feed.feed(bar(ETH, '50', 1 * HOUR), p);
      expect(p.equityCurve()).toHaveLength(1);
      expect(p.position(ETH).lastMark?.toString()).toBe('50');
    });
  });

  describe('snapshot and stateHash', () => {
    const script = (p: PortfolioProjection, lastPx = '105') => {
      const feed = new EventFeed();
      feed.feed(runStarted('1000'), p);
      feed.feed(bar(ETH, '50', 1), p);
      feed.feed(fill(BTC, 'BUY', '1.5', '100', '0.15', 1), p);
      feed.feed(bar(BTC, '101', 2), p);
      feed.feed(funding(BTC, '-0.01', '1.5', 3), p);
      feed.feed(fill(BTC, 'SELL', '1.5', lastPx, '0.15', 4), p);
    };

    it('is the same for two projections fed the same events', () => {
      const a = new PortfolioProjection();
      const b = new PortfolioProjection();
      script(a);
      script(b);
      expect(a.stateHash()).toMatch(/^[0-9a-f]{64}$/);
      expect(a.stateHash()).toBe(b.stateHash());
      expect(JSON.stringify(a.snapshot())).toBe(JSON.stringify(b.snapshot()));
    });

    it('changes with a different fill', () => {
      const a = new PortfolioProjection();
      const b = new PortfolioProjection();
      script(a, '105');
      script(b, '105.5');
      expect(a.stateHash()).not.toBe(b.stateHash());
    });

    it('depends on values, not on how decimals were written or on seqs', () => {
      const a = new PortfolioProjection();
      script(a, '105');
      const b = new PortfolioProjection();
      const events = new EventFeed();
      // Same events, seqs shifted by 100 and the last price written with a trailing zero.
      const list = [
        runStarted('1000.00'),
        bar(ETH, '50.0', 1),
        fill(BTC, 'BUY', '1.50', '100', '0.15', 1),
        bar(BTC, '101', 2),
        funding(BTC, '-0.010', '1.5', 3),
        fill(BTC, 'SELL', '1.5', '105.00', '0.150', 4),
      ];
      list.forEach((e, i) => b.apply(e, events.envelope(e, 100 + i)));
      expect(b.stateHash()).toBe(a.stateHash());
    });

    it('lists instruments sorted, amounts as decimal strings, keys in a fixed order', () => {
      const p = new PortfolioProjection();
      script(p);
      const snap = p.snapshot();
      expect(Object.keys(snap)).toEqual([
        'version',
        'currency',
        'started',
        'initialCapital',
        'cash',
        'equity',
        'grossExposure',
        'realizedPnl',
        'fees',
        'funding',
        'turnover',
        'fills',
        'positions',
        'trades',
        'equityCurve',
      ]);
      expect(snap.positions.map((x) => x.instrumentId)).toEqual([BTC, ETH]);
      expect(snap.cash).toBe('1007.19'); // 1000 + 7.5 − 0.3 − 0.01
      expect(snap.positions[0]).toMatchObject({ netQty: '0', realizedPnl: '7.5', fees: '0.3', funding: '-0.01', turnover: '307.5', openTrade: null });
      expect(snap.trades.count).toBe(1);
      expect(snap.equityCurve.count).toBe(2);
      expect(JSON.parse(JSON.stringify(snap))).toEqual(snap);
    });
  });
});
