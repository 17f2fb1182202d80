import {
  clientOrderId,
  instrumentFromSpec,
  Money,
  Order,
  OrderInitializedEvent,
  parseDecimal,
  Price,
  Quantity,
  strategyId,
  type Instrument,
  type InstrumentSpec,
  type OrderSide,
  type OrderType,
  type TimeInForce,
  type TradingState,
} from '@lib/model';
import { OrderRateLimiter } from './order-rate-limiter.js';
import { fixedRiskContext, type RiskContext, type RiskContextSnapshot } from './risk-context.js';
import { DEFAULT_RISK_LIMITS, riskLimitsFromSpec, DEFAULT_RISK_LIMITS_SPEC } from './risk-limits.js';
import { PreTradeRiskChecks, RISK_CHECK_ORDER } from './pre-trade-risk.checks.js';
import { RISK_DENIAL_REASONS, type RiskDenialReason, type RiskVerdict } from './risk-verdict.js';

const spec = (symbol: string, over: Partial<InstrumentSpec> = {}): InstrumentSpec => ({
  id: `${symbol}-PERP.BYBIT`,
  base: symbol.replace('USDT', ''),
  quote: 'USDT',
  tickSize: '0.1',
  lotSize: '0.001',
  minQuantity: '0.001',
  maxQuantity: '1190',
  minNotional: '5',
  makerFee: '0.0002',
  takerFee: '0.00055',
  ...over,
});
const BTC = instrumentFromSpec(spec('BTCUSDT'));
const ETH = instrumentFromSpec(spec('ETHUSDT', { tickSize: '0.01', lotSize: '0.01', minQuantity: '0.01', maxQuantity: '7240' }));
const SOL = instrumentFromSpec(spec('SOLUSDT', { tickSize: '0.01', lotSize: '0.1', minQuantity: '0.1' }));

const raw = (text: string) => parseDecimal(text).raw;
const usdt = (text: string) => Money.parse(text, 'USDT');

interface OrderArgs {
  side: OrderSide;
  qty: string;
  type?: OrderType;
  price?: string;
  trigger?: string;
  tif?: TimeInForce;
  reduceOnly?: boolean;
  instrument?: Instrument;
}
let seq = 0;
function order(args: OrderArgs): Order {
  return Order.initialize(
    new OrderInitializedEvent({
      clientOrderId: clientOrderId(`R-${++seq}`),
      strategyId: strategyId('test'),
      instrumentId: (args.instrument ?? BTC).id,
      side: args.side,
      orderType: args.type ?? 'MARKET',
      quantity: Quantity.parse(args.qty),
      price: args.price === undefined ? null : Price.parse(args.price),
      triggerPrice: args.trigger === undefined ? null : Price.parse(args.trigger),
      timeInForce: args.tif ?? 'GTC',
      reduceOnly: args.reduceOnly ?? false,
      tag: null,
      tsEvent: 0,
    }),
  );
}

/** BTC at 40 000 USDT, flat, nothing working, nothing held elsewhere. */
function ctx(over: Partial<RiskContextSnapshot> & { position?: string; working?: string; state?: TradingState } = {}): RiskContext {
  return fixedRiskContext({
    now: 1_000_000,
    instruments: [BTC, ETH],
    referencePrices: { [BTC.id]: Price.parse('40000.0'), [ETH.id]: Price.parse('2000.00') },
    positionsRaw: { [BTC.id]: raw(over.position ?? '0') },
    otherWorkingQtyRaw: { [BTC.id]: raw(over.working ?? '0') },
    grossExposure: usdt('0'),
    tradingState: over.state ?? 'ACTIVE',
    ...over,
  });
}

const reasonOf = (v: RiskVerdict): RiskDenialReason | 'OK' => (v.ok ? 'OK' : v.reason);
const check = (o: Order, c: RiskContext = ctx()) => new PreTradeRiskChecks().run(o, c);

describe('PreTradeRiskChecks: passing orders', () => {
  it.each<[string, OrderArgs]>([
    ['a market buy', { side: 'BUY', qty: '1.000' }],
    ['a market sell (opening a short)', { side: 'SELL', qty: '1.000' }],
    ['a limit on the tick grid', { side: 'BUY', type: 'LIMIT', qty: '0.500', price: '39000.0' }],
    ['a stop on the tick grid', { side: 'SELL', type: 'STOP_MARKET', qty: '0.500', trigger: '38000.0' }],
    ['an IOC limit on another instrument', { side: 'BUY', type: 'LIMIT', qty: '2.00', price: '1999.99', tif: 'IOC', instrument: ETH }],
    ['an order of exactly the max order notional (6.25 BTC × 40 000 = 250 000)', { side: 'BUY', qty: '6.250' }],
    ['an order of exactly the min notional (0.125 × 40.0 = 5)', { side: 'BUY', type: 'LIMIT', qty: '0.125', price: '40.0' }],
  ])('approves %s', (_name, args) => {
    expect(check(order(args))).toEqual({ ok: true });
  });

  it('approves a limit order without a reference price: it is valued at its limit', () => {
    const c = ctx({ referencePrices: {} });
    expect(check(order({ side: 'BUY', type: 'LIMIT', qty: '1.000', price: '40000.0' }), c)).toEqual({ ok: true });
  });

  it('approves a reduce-only order that closes the position', () => {
    expect(check(order({ side: 'SELL', qty: '2.000', reduceOnly: true }), ctx({ position: '2' }))).toEqual({ ok: true });
  });
});

describe('PreTradeRiskChecks: each denial reason', () => {
  const cases: Array<[RiskDenialReason, () => RiskVerdict]> = [
    ['RISK.TRADING_HALTED', () => check(order({ side: 'SELL', qty: '1.000', reduceOnly: true }), ctx({ position: '1', state: 'HALTED' }))],
    ['RISK.UNKNOWN_INSTRUMENT', () => check(order({ side: 'BUY', qty: '1.0', instrument: SOL }))],
    ['RISK.PRICE_PRECISION', () => check(order({ side: 'BUY', type: 'LIMIT', qty: '1.000', price: '40000.05' }))],
    ['RISK.QUANTITY_PRECISION', () => check(order({ side: 'BUY', qty: '1.0005' }))],
    [
      'RISK.MIN_QUANTITY',
      () => {
        const coarse = instrumentFromSpec(spec('BTCUSDT', { minQuantity: '0.010' }));
        return check(order({ side: 'BUY', qty: '0.005' }), ctx({ instruments: [coarse] }));
      },
    ],
    ['RISK.MAX_QUANTITY', () => check(order({ side: 'BUY', type: 'LIMIT', qty: '1191', price: '1.0' }))],
    ['RISK.REDUCE_ONLY_INCREASES', () => check(order({ side: 'BUY', qty: '1.000', reduceOnly: true }), ctx({ position: '1' }))],
    ['RISK.TRADING_REDUCING', () => check(order({ side: 'BUY', qty: '0.100' }), ctx({ position: '1', state: 'REDUCING' }))],
    ['RISK.NO_MARKET_PRICE', () => check(order({ side: 'BUY', qty: '1.000' }), ctx({ referencePrices: {} }))],
    ['RISK.MIN_NOTIONAL', () => check(order({ side: 'BUY', type: 'LIMIT', qty: '0.124', price: '40.0' }))], // 4.96 < 5
    ['RISK.MAX_ORDER_NOTIONAL', () => check(order({ side: 'BUY', qty: '6.251' }))], // 250 040 > 250 000
    ['RISK.MAX_INSTRUMENT_NOTIONAL', () => check(order({ side: 'BUY', qty: '3.000' }), ctx({ position: '5' }))], // 8 × 40 000 = 320 000
    ['RISK.MAX_GROSS_EXPOSURE', () => check(order({ side: 'BUY', qty: '2.000' }), ctx({ grossExposure: usdt('550000') }))], // 630 000
    // the hierarchical allocation gives BTC 50 000: 1.5 × 40 000 = 60 000 is over it
    ['RISK.ALLOCATION_LIMIT', () => check(order({ side: 'BUY', qty: '1.500' }), { ...ctx(), allocationLimit: () => usdt('50000') })],
    ['RISK.VAR_LIMIT', () => check(order({ side: 'BUY', qty: '1.000' }), { ...ctx(), postTradeVar: () => 'post-trade VaR 9000.00 exceeds limit 8000.00' })],
    [
      'RISK.ORDER_RATE',
      () => {
        const checks = new PreTradeRiskChecks(DEFAULT_RISK_LIMITS, new OrderRateLimiter(1, 60_000));
        checks.run(order({ side: 'BUY', qty: '0.100' }), ctx());
        return checks.run(order({ side: 'BUY', qty: '0.100' }), ctx());
      },
    ],
  ];

  it('covers every reason', () => {
    expect(cases.map(([r]) => r).sort()).toEqual([...RISK_DENIAL_REASONS].sort());
    expect([...RISK_CHECK_ORDER].sort()).toEqual([...RISK_DENIAL_REASONS].sort());
  });

  it.each(cases)('denies with %s and says why', (reason, run) => {
    const verdict = run();
    expect(reasonOf(verdict)).toBe(reason);
    expect(verdict.ok ? '' : verdict.detail.length).toBeGreaterThan(10);
  });

  it('denies a trigger price off the tick and a non-positive limit price', () => {
    expect(reasonOf(check(order({ side: 'SELL', type: 'STOP_MARKET', qty: '1.000', trigger: '39000.01' })))).toBe('RISK.PRICE_PRECISION');
    expect(reasonOf(check(order({ side: 'BUY', type: 'LIMIT', qty: '1.000', price: '-1.0' })))).toBe('RISK.PRICE_PRECISION');
  });

  it('denies a reduce-only order on a flat position', () => {
    expect(reasonOf(check(order({ side: 'SELL', qty: '1.000', reduceOnly: true })))).toBe('RISK.REDUCE_ONLY_INCREASES');
  });

  it('honours a per-instrument notional limit over the default', () => {
    const limits = riskLimitsFromSpec({ ...DEFAULT_RISK_LIMITS_SPEC, maxInstrumentNotionalById: { [BTC.id]: '100000' } });
    const checks = new PreTradeRiskChecks(limits);
    expect(reasonOf(checks.run(order({ side: 'BUY', qty: '3.000' }), ctx()))).toBe('RISK.MAX_INSTRUMENT_NOTIONAL'); // 120 000
    expect(reasonOf(checks.run(order({ side: 'BUY', qty: '100.00', instrument: ETH }), ctx()))).toBe('OK'); // 200 000 under the default
  });

  it('counts other working orders into the projected instrument exposure', () => {
    expect(reasonOf(check(order({ side: 'BUY', qty: '1.000' }), ctx({ position: '5' })))).toBe('OK'); // 6 × 40 000 = 240 000
    expect(reasonOf(check(order({ side: 'BUY', qty: '1.000' }), ctx({ position: '5', working: '2' })))).toBe('RISK.MAX_INSTRUMENT_NOTIONAL'); // 8 × 40 000
  });

  it('values a short flip by its projected size, not the order size', () => {
    // short 5 (200 000), buy 12 → long 7 (280 000 ≤ 300 000 per instrument), but the order is 480 000
    expect(reasonOf(check(order({ side: 'BUY', qty: '12.000' }), ctx({ position: '-5' })))).toBe('RISK.MAX_ORDER_NOTIONAL');
    // short 5, buy 6 → long 1: increases nothing beyond limits
    expect(reasonOf(check(order({ side: 'BUY', qty: '6.000' }), ctx({ position: '-5' })))).toBe('OK');
  });
});

describe('PreTradeRiskChecks: dynamic limits from the breaker, the allocation and VaR', () => {
  it('scales the instrument and gross limits while the breaker is half-open, and says so', () => {
    const half = { ...ctx({ position: '2' }), limitScale: 0.5 }; // instrument limit 150 000
    expect(reasonOf(check(order({ side: 'BUY', qty: '1.000' }), half))).toBe('OK'); // 3 × 40 000 = 120 000
    const verdict = check(order({ side: 'BUY', qty: '2.000' }), half); // 160 000
    expect(reasonOf(verdict)).toBe('RISK.MAX_INSTRUMENT_NOTIONAL');
    expect(verdict.ok ? '' : verdict.detail).toContain('scaled ×0.5 by the circuit breaker');
  });

  it('applies an extra gross cap (equity × half-open multiplier) when it is tighter than the static limit', () => {
    const capped = { ...ctx(), grossCap: usdt('45000') };
    expect(reasonOf(check(order({ side: 'BUY', qty: '1.000' }), capped))).toBe('OK'); // 40 000
    expect(reasonOf(check(order({ side: 'BUY', qty: '1.200' }), capped))).toBe('RISK.MAX_GROSS_EXPOSURE'); // 48 000
  });

  it('passes the projected position and mark to the VaR check, and never asks it about a reducing order', () => {
    const seen: Array<[string, bigint, string]> = [];
    const withVar = { ...ctx({ position: '1' }), postTradeVar: (id: string, projected: bigint, mark: Price) => (seen.push([id, projected, mark.toString()]), 'over') };
    expect(reasonOf(check(order({ side: 'BUY', qty: '0.500' }), withVar))).toBe('RISK.VAR_LIMIT');
    expect(seen).toEqual([[BTC.id, raw('1.5'), '40000.0']]);
    expect(reasonOf(check(order({ side: 'SELL', qty: '0.500' }), withVar))).toBe('OK');
    expect(seen).toHaveLength(1);
  });

  it('lets a reducing order through an allocation limit already exceeded', () => {
    const c = { ...ctx({ position: '2' }), allocationLimit: () => usdt('10000') };
    expect(reasonOf(check(order({ side: 'SELL', qty: '1.000' }), c))).toBe('OK');
    expect(reasonOf(check(order({ side: 'BUY', qty: '0.100' }), c))).toBe('RISK.ALLOCATION_LIMIT');
  });
});

describe('PreTradeRiskChecks: exposure never blocks de-risking', () => {
  it('lets a reducing order through even when every exposure limit is already exceeded', () => {
    const c = ctx({ position: '10', grossExposure: usdt('900000') }); // 400 000 on BTC alone
    expect(reasonOf(check(order({ side: 'SELL', qty: '9.000' }), c))).toBe('OK'); // 360 000 order, above the order limit
    expect(reasonOf(check(order({ side: 'BUY', qty: '0.100' }), c))).toBe('RISK.MAX_INSTRUMENT_NOTIONAL');
  });

  it('still applies the notional limits to a sell that flips the position', () => {
    expect(reasonOf(check(order({ side: 'SELL', qty: '17.000' }), ctx({ position: '10' })))).toBe('RISK.MAX_ORDER_NOTIONAL');
  });

  it('exempts reduce-only orders from the min notional so dust can be closed', () => {
    const c = ctx({ position: '0.001', referencePrices: { [BTC.id]: Price.parse('4000.0') } }); // 4 USDT
    expect(reasonOf(check(order({ side: 'SELL', qty: '0.001', reduceOnly: true }), c))).toBe('OK');
    expect(reasonOf(check(order({ side: 'SELL', qty: '0.001' }), c))).toBe('RISK.MIN_NOTIONAL');
  });
});

describe('PreTradeRiskChecks: trading states', () => {
  it('REDUCING allows an order that reduces the absolute position and denies one that increases it', () => {
    const long = ctx({ position: '1', state: 'REDUCING' });
    expect(reasonOf(check(order({ side: 'SELL', qty: '0.500' }), long))).toBe('OK');
    expect(reasonOf(check(order({ side: 'SELL', qty: '1.000' }), long))).toBe('OK');
    expect(reasonOf(check(order({ side: 'BUY', qty: '0.500' }), long))).toBe('RISK.TRADING_REDUCING');
    const short = ctx({ position: '-1', state: 'REDUCING' });
    expect(reasonOf(check(order({ side: 'BUY', type: 'LIMIT', qty: '1.000', price: '39000.0' }), short))).toBe('OK');
    expect(reasonOf(check(order({ side: 'SELL', qty: '0.100' }), short))).toBe('RISK.TRADING_REDUCING');
  });

  it('REDUCING denies a flip, an opening order on a flat book, and a reduction already covered by working orders', () => {
    expect(reasonOf(check(order({ side: 'SELL', qty: '1.500' }), ctx({ position: '1', state: 'REDUCING' })))).toBe('RISK.TRADING_REDUCING');
    expect(reasonOf(check(order({ side: 'SELL', qty: '0.100' }), ctx({ state: 'REDUCING' })))).toBe('RISK.TRADING_REDUCING');
    // long 1 with a stop-loss selling 0.6 already working: only 0.4 is left to reduce
    const covered = ctx({ position: '1', working: '-0.6', state: 'REDUCING' });
    expect(reasonOf(check(order({ side: 'SELL', qty: '0.400' }), covered))).toBe('OK');
    expect(reasonOf(check(order({ side: 'SELL', qty: '0.500' }), covered))).toBe('RISK.TRADING_REDUCING');
    // a reduce-only order may always reduce: the venue clamps it to the position
    expect(reasonOf(check(order({ side: 'SELL', qty: '1.000', reduceOnly: true }), covered))).toBe('OK');
  });

  it('HALTED denies everything, reducing orders included', () => {
    const halted = ctx({ position: '1', state: 'HALTED' });
    expect(reasonOf(check(order({ side: 'SELL', qty: '1.000' }), halted))).toBe('RISK.TRADING_HALTED');
    expect(reasonOf(check(order({ side: 'BUY', qty: '1.000' }), halted))).toBe('RISK.TRADING_HALTED');
  });
});

describe('PreTradeRiskChecks: check order and the rate limit', () => {
  it('reports the first failing check in the documented order', () => {
    // unknown instrument and halted: halted comes first
    expect(reasonOf(check(order({ side: 'BUY', qty: '1.0', instrument: SOL }), ctx({ state: 'HALTED' })))).toBe('RISK.TRADING_HALTED');
    // off-tick price and off-lot quantity: price first
    expect(reasonOf(check(order({ side: 'BUY', type: 'LIMIT', qty: '1.0005', price: '1.05' })))).toBe('RISK.PRICE_PRECISION');
    // reduce-only that increases while REDUCING: reduce-only first
    expect(reasonOf(check(order({ side: 'BUY', qty: '1.000', reduceOnly: true }), ctx({ position: '1', state: 'REDUCING' })))).toBe('RISK.REDUCE_ONLY_INCREASES');
    // order and instrument notional both broken: order notional first
    expect(reasonOf(check(order({ side: 'BUY', qty: '7.000' }), ctx({ position: '5' })))).toBe('RISK.MAX_ORDER_NOTIONAL');
  });

  it('records approved orders only; denied ones and dry runs never spend a slot', () => {
    const checks = new PreTradeRiskChecks(DEFAULT_RISK_LIMITS, new OrderRateLimiter(2, 1_000));
    const at = (now: number) => ctx({ now });
    expect(reasonOf(checks.evaluate(order({ side: 'BUY', qty: '0.100' }), at(0)))).toBe('OK');
    expect(reasonOf(checks.run(order({ side: 'BUY', qty: '99.000' }), at(0)))).toBe('RISK.MAX_ORDER_NOTIONAL');
    expect(checks.rateLimiter.countAt(0)).toBe(0);
    expect(reasonOf(checks.run(order({ side: 'BUY', qty: '0.100' }), at(0)))).toBe('OK');
    expect(reasonOf(checks.run(order({ side: 'BUY', qty: '0.100' }), at(500)))).toBe('OK');
    const denied = checks.run(order({ side: 'BUY', qty: '0.100' }), at(999));
    expect(reasonOf(denied)).toBe('RISK.ORDER_RATE');
    expect(denied.ok ? '' : denied.detail).toMatch(/next allowed at 1000/);
    expect(reasonOf(checks.run(order({ side: 'BUY', qty: '0.100' }), at(1_000)))).toBe('OK');
  });

  it('builds its limiter from the limits when none is given', () => {
    const checks = new PreTradeRiskChecks();
    expect(checks.rateLimiter.maxOrders).toBe(30);
    expect(checks.rateLimiter.windowMs).toBe(60_000);
  });
});
