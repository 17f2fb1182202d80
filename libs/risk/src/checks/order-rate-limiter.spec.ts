import fc from 'fast-check';
import { Money } from '@lib/model';
import { OrderRateLimiter, OrderRateLimiterError } from './order-rate-limiter.js';
import { DEFAULT_RISK_LIMITS, maxInstrumentNotionalFor, riskLimitsFromSpec, DEFAULT_RISK_LIMITS_SPEC, RiskLimitsError } from './risk-limits.js';
import { instrumentId } from '@lib/model';

describe('OrderRateLimiter', () => {
  it('counts a submission from its time until exactly windowMs later (exclusive)', () => {
    const limiter = new OrderRateLimiter(2, 1_000);
    limiter.record(1_000);
    limiter.record(1_000);
    expect(limiter.countAt(1_000)).toBe(2);
    expect(limiter.allows(1_000)).toBe(false);
    expect(limiter.allows(1_999)).toBe(false); // 999 ms later: still inside
    expect(limiter.countAt(2_000)).toBe(0); // 1000 ms later: out
    expect(limiter.allows(2_000)).toBe(true);
  });

  it('slides: only the oldest stamps leave the window', () => {
    const limiter = new OrderRateLimiter(3, 1_000);
    for (const ts of [0, 400, 800]) limiter.record(ts);
    expect(limiter.allows(999)).toBe(false);
    expect(limiter.nextAllowedAt(999)).toBe(1_000);
    expect(limiter.allows(1_000)).toBe(true); // 0 left, 400 and 800 remain
    expect(limiter.countAt(1_000)).toBe(2);
    limiter.record(1_000);
    expect(limiter.allows(1_399)).toBe(false);
    expect(limiter.nextAllowedAt(1_399)).toBe(1_400);
    expect(limiter.allows(1_400)).toBe(true);
  });

  it('does not count submissions after the query time', () => {
    const limiter = new OrderRateLimiter(1, 1_000);
    limiter.record(5_000);
    expect(limiter.countAt(4_999)).toBe(0);
  });

  it('answers now when there is room', () => {
    expect(new OrderRateLimiter(1, 10).nextAllowedAt(123)).toBe(123);
  });

  it('refuses time going backwards and bad settings', () => {
    const limiter = new OrderRateLimiter(5, 1_000);
    limiter.record(10);
    expect(() => limiter.record(9)).toThrow(OrderRateLimiterError);
    expect(() => new OrderRateLimiter(0, 1_000)).toThrow(/maxOrders/);
    expect(() => new OrderRateLimiter(1, 0)).toThrow(/windowMs/);
    expect(() => new OrderRateLimiter(1.5, 10)).toThrow(/maxOrders/);
  });

  it('matches a brute-force count over random submission streams', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 300 }), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 200 }), (gaps, max, window) => {
        const limiter = new OrderRateLimiter(max, window);
        const stamps: number[] = [];
        let t = 0;
        for (const gap of gaps) {
          t += gap;
          const expected = stamps.filter((s) => s > t - window && s <= t).length;
          expect(limiter.countAt(t)).toBe(expected);
          expect(limiter.allows(t)).toBe(expected < max);
          if (limiter.allows(t)) {
            limiter.record(t);
            stamps.push(t);
          } else {
            const next = limiter.nextAllowedAt(t);
            expect(next).toBeGreaterThan(t);
            expect(stamps.filter((s) => s > next - window && s <= next).length).toBeLessThan(max);
            expect(stamps.filter((s) => s > next - 1 - window && s <= next - 1).length).toBe(max);
          }
        }
      }),
    );
  });
});

describe('RiskLimits', () => {
  it('defaults to the trader config defaults in USDT', () => {
    expect(DEFAULT_RISK_LIMITS.maxOrderNotional.eq(Money.parse('250000', 'USDT'))).toBe(true);
    expect(DEFAULT_RISK_LIMITS.maxInstrumentNotional.default.eq(Money.parse('300000', 'USDT'))).toBe(true);
    expect(DEFAULT_RISK_LIMITS.maxGrossExposure.eq(Money.parse('600000', 'USDT'))).toBe(true);
    expect(DEFAULT_RISK_LIMITS.orderRate).toEqual({ maxOrders: 30, windowMs: 60_000 });
  });

  it('resolves a per-instrument override and validates values with their key', () => {
    const limits = riskLimitsFromSpec({ ...DEFAULT_RISK_LIMITS_SPEC, maxInstrumentNotionalById: { 'SOLUSDT-PERP.BYBIT': '50000' } });
    expect(maxInstrumentNotionalFor(limits, instrumentId('SOLUSDT-PERP.BYBIT')).toString()).toBe('50000 USDT');
    expect(maxInstrumentNotionalFor(limits, instrumentId('BTCUSDT-PERP.BYBIT')).toString()).toBe('300000 USDT');
    expect(() => riskLimitsFromSpec({ ...DEFAULT_RISK_LIMITS_SPEC, maxGrossExposure: '0' })).toThrow(RiskLimitsError);
    expect(() => riskLimitsFromSpec({ ...DEFAULT_RISK_LIMITS_SPEC, maxOrderNotional: '1e6' })).toThrow(/maxOrderNotional/);
    expect(() => riskLimitsFromSpec({ ...DEFAULT_RISK_LIMITS_SPEC, orderWindowMs: -5 })).toThrow(/orderWindowMs/);
  });
});
