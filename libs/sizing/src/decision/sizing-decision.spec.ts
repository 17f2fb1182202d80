import fc from 'fast-check';
import type { Regime } from '../kelly.js';
import { SizingDecisionEngine, type SizingDecision, type SizingDecisionInput } from './sizing-decision.js';

/** Kelly μ/σ² with σ² = 6·vol²: prediction 0.0006 at vol 0.01 gives exactly raw Kelly 1. */
const base = (over: Partial<SizingDecisionInput> = {}): SizingDecisionInput => ({
  instrumentId: 'BTCUSDT',
  tsClose: 1_700_000_000_000,
  prediction: 0.0006,
  signal: 1.2,
  confidence: 0.4,
  regime: { label: 'Neutral', probabilities: Float64Array.of(0.1, 0.7, 0.1, 0.1), volatility: 0.01 },
  recentIc: 0.03,
  rlFraction: null,
  breaker: { state: 'CLOSED', sizeMultiplier: 1 },
  allocationLimit: Number.POSITIVE_INFINITY,
  ...over,
});
const withRegime = (label: Regime | null, volatility = 0.01) => ({ regime: { label, probabilities: [0.25, 0.25, 0.25, 0.25], volatility } });

describe('SizingDecisionEngine', () => {
  const engine = new SizingDecisionEngine();

  it('pure Kelly: μ = prediction, σ² = horizon·σ², scaled by the regime multiplier', () => {
    const d = engine.decide(base());
    expect(d).toMatchObject({
      expectedReturn: 0.0006, variance: 0.0006, kellyReason: 'OK', regime: 'Neutral', regimeMultiplier: 0.5,
      tier: 'PURE_KELLY', tierReason: 'NO_RL_POLICY', breakerMultiplier: 1, allocationLimit: null, maxFraction: 1,
      cuts: ['REGIME_SCALE'],
    });
    expect(d.variance).toBeCloseTo(6 * 0.01 ** 2, 15);
    expect(d.kellyRaw).toBeCloseTo(1, 12);
    expect(d.kellyFraction).toBeCloseTo(0.5, 12);
    expect(d.rawFraction).toBeCloseTo(0.5, 12);
    expect(d.finalFraction).toBeCloseTo(0.5, 12);
    expect(d.regimeProbabilities).toEqual([0.1, 0.7, 0.1, 0.1]);
    // shorts mirror longs
    expect(engine.decide(base({ prediction: -0.0006 })).finalFraction).toBeCloseTo(-0.5, 12);
  });

  it('REGIME_SCALE: each regime takes its multiplier; a multiplier of 1 cuts nothing', () => {
    const expected: Record<Regime, number> = { Bear: 0.25, Neutral: 0.5, Bull: 0.67, Crisis: 0.17 };
    for (const [label, m] of Object.entries(expected) as [Regime, number][]) {
      const d = engine.decide(base(withRegime(label)));
      expect(d.regime).toBe(label);
      expect(d.finalFraction).toBeCloseTo(m, 12);
      expect(d.cuts).toEqual(['REGIME_SCALE']);
    }
    const full = new SizingDecisionEngine({ regimeMultipliers: { Bear: 1, Neutral: 1, Bull: 1, Crisis: 1 } });
    const d = full.decide(base());
    expect(d.cuts).toEqual([]);
    expect(d.finalFraction).toBeCloseTo(1, 12);
  });

  it('before the regime model is fitted: recorded as Unknown, sized as Neutral', () => {
    const d = engine.decide(base(withRegime(null)));
    expect(d.regime).toBe('Unknown');
    expect(d.regimeMultiplier).toBe(0.5);
    expect(d.finalFraction).toBeCloseTo(0.5, 12);
    const odd = engine.decide(base({ regime: { label: 'Sideways' as unknown as Regime, probabilities: [], volatility: 0.01 } }));
    expect(odd.regime).toBe('Unknown');
    expect(odd.finalFraction).toBeCloseTo(0.5, 12);
  });

  it('KELLY_CAP: the scaled Kelly is clipped at maxFraction (per instrument when configured)', () => {
    const d = engine.decide(base({ prediction: 0.006 })); // raw 10 → 5 → cap 1
    expect(d.kellyRaw).toBeCloseTo(10, 12);
    expect(d.kellyFraction).toBe(1);
    expect(d.kellyReason).toBe('CAPPED_LONG');
    expect(d.cuts).toEqual(['REGIME_SCALE', 'KELLY_CAP']);
    expect(d.finalFraction).toBe(1);
    const perInstrument = new SizingDecisionEngine({ maxFraction: 2, maxFractionByInstrument: { SOLUSDT: 0.3 } });
    expect(perInstrument.decide(base({ prediction: -0.006 })).finalFraction).toBe(-2);
    const sol = perInstrument.decide(base({ instrumentId: 'SOLUSDT', prediction: -0.006 }));
    expect(sol).toMatchObject({ finalFraction: -0.3, maxFraction: 0.3, kellyReason: 'CAPPED_SHORT' });
  });

  it('BREAKER_HALF_OPEN / BREAKER_SCALE: the breaker size multiplier shrinks the size', () => {
    const half = engine.decide(base({ breaker: { state: 'HALF_OPEN', sizeMultiplier: 0.5 } }));
    expect(half.breakerMultiplier).toBe(0.5);
    expect(half.rawFraction).toBeCloseTo(0.5, 12);
    expect(half.finalFraction).toBeCloseTo(0.25, 12);
    expect(half.cuts).toEqual(['REGIME_SCALE', 'BREAKER_HALF_OPEN']);
    const scaled = engine.decide(base({ breaker: { state: 'CLOSED', sizeMultiplier: 0.8 } }));
    expect(scaled.finalFraction).toBeCloseTo(0.4, 12);
    expect(scaled.cuts).toContain('BREAKER_SCALE');
    // a multiplier above 1 never enlarges the size
    expect(engine.decide(base({ breaker: { state: 'CLOSED', sizeMultiplier: 3 } })).finalFraction).toBeCloseTo(0.5, 12);
    // nothing to cut: no breaker cut recorded
    expect(engine.decide(base({ prediction: 0, breaker: { state: 'HALF_OPEN', sizeMultiplier: 0.5 } })).cuts).toEqual([]);
  });

  it('BREAKER_OPEN: emergency flat whatever the signal', () => {
    const d = engine.decide(base({ prediction: 0.006, confidence: 1, recentIc: 0.2, rlFraction: 0.8, breaker: { state: 'OPEN', sizeMultiplier: 1 } }));
    expect(d).toMatchObject({ tier: 'EMERGENCY_FLAT', tierReason: 'BREAKER_OPEN', rawFraction: 0, breakerMultiplier: 0, finalFraction: 0 });
    expect(d.cuts).toEqual(['BREAKER_OPEN']);
  });

  it('ALLOCATION_LIMIT and MAX_FRACTION clip the final size, sign kept', () => {
    const a = engine.decide(base({ prediction: -0.0006, allocationLimit: 0.2 }));
    expect(a).toMatchObject({ finalFraction: -0.2, allocationLimit: 0.2 });
    expect(a.cuts).toEqual(['REGIME_SCALE', 'ALLOCATION_LIMIT']);
    // a limit that does not bind is recorded but cuts nothing
    expect(engine.decide(base({ allocationLimit: 0.9 })).cuts).toEqual(['REGIME_SCALE']);
    // an RL fraction above maxFraction (FULL_RL tier) is clipped at maxFraction
    const rl = engine.decide(base({ confidence: 0.9, recentIc: 0.1, rlFraction: 1.5 }));
    expect(rl).toMatchObject({ tier: 'FULL_RL', rawFraction: 1.5, finalFraction: 1 });
    expect(rl.cuts).toEqual(['MAX_FRACTION']); // Kelly's regime scaling played no part in FULL_RL
    // both bind: both recorded, the tighter one wins
    const both = engine.decide(base({ confidence: 0.9, recentIc: 0.1, rlFraction: -1.5, allocationLimit: 0.4 }));
    expect(both.finalFraction).toBe(-0.4);
    expect(both.cuts).toEqual(['ALLOCATION_LIMIT', 'MAX_FRACTION']);
    // an invalid limit is read as 0 (fail closed)
    expect(engine.decide(base({ allocationLimit: Number.NaN }))).toMatchObject({ finalFraction: 0, allocationLimit: 0 });
  });

  it('NO_MODEL: no prediction served → flat, even with an RL fraction', () => {
    const d = engine.decide(base({ prediction: null, confidence: 0.9, recentIc: 0.1, rlFraction: 0.7 }));
    expect(d).toMatchObject({ prediction: null, expectedReturn: null, kellyReason: 'NO_MODEL', kellyRaw: 0, rawFraction: 0, finalFraction: 0 });
    expect(d.cuts).toEqual(['NO_MODEL']);
    expect(engine.decide(base({ prediction: Number.NaN })).cuts).toEqual(['NO_MODEL']);
  });

  it('KELLY_INVALID: a zero or non-finite volatility gives a zero Kelly fraction', () => {
    const zero = engine.decide(base(withRegime('Bull', 0)));
    expect(zero).toMatchObject({ kellyReason: 'NON_POSITIVE_VARIANCE', kellyFraction: 0, finalFraction: 0, variance: 0 });
    expect(zero.cuts).toEqual(['KELLY_INVALID']);
    const nan = engine.decide(base(withRegime('Bull', Number.NaN)));
    expect(nan).toMatchObject({ kellyReason: 'INVALID_VARIANCE', volatility: null, variance: null, finalFraction: 0 });
  });

  describe('tier path (RL fraction 0.8, Kelly 0.5)', () => {
    const rl = { rlFraction: 0.8 };
    it.each([
      ['FULL_RL', 'FULL_CONFIDENCE_AND_IC', 0.9, 0.1, 0.8],
      ['BLENDED', 'MEDIUM_CONFIDENCE_AND_IC', 0.3, 0.03, 0.65],
      ['BLENDED', 'MEDIUM_CONFIDENCE', 0.3, 0.1, 0.65],
      ['BLENDED', 'MEDIUM_IC', 0.9, 0.03, 0.65],
      ['PURE_KELLY', 'IC_FAILURE', 0.9, Number.NaN, 0.5],
      ['PURE_KELLY', 'IC_FAILURE', 0.9, 0.0, 0.5],
      ['PURE_KELLY', 'LOW_CONFIDENCE', 0.1, 0.1, 0.5],
      ['PURE_KELLY', 'LOW_CONFIDENCE', Number.NaN, 0.1, 0.5],
    ])('%s (%s) at confidence %p, IC %p → %p', (tier, reason, confidence, recentIc, fraction) => {
      const d = engine.decide(base({ ...rl, confidence, recentIc }));
      expect(d).toMatchObject({ tier, tierReason: reason, rlFraction: 0.8 });
      expect(d.cuts).toEqual(tier === 'FULL_RL' ? [] : ['REGIME_SCALE']);
      expect(d.rawFraction).toBeCloseTo(fraction, 12);
      expect(d.finalFraction).toBeCloseTo(fraction, 12);
    });

    it('no RL fraction, or RL disabled in the config → PURE_KELLY (NO_RL_POLICY)', () => {
      const strong = { confidence: 0.9, recentIc: 0.1 };
      expect(engine.decide(base({ ...strong, rlFraction: null }))).toMatchObject({ tier: 'PURE_KELLY', tierReason: 'NO_RL_POLICY' });
      expect(engine.decide(base({ ...strong, rlFraction: Number.NaN }))).toMatchObject({ tier: 'PURE_KELLY', rlFraction: null });
      const noRl = new SizingDecisionEngine({ hasRl: false });
      expect(noRl.decide(base({ ...strong, ...rl }))).toMatchObject({ tier: 'PURE_KELLY', tierReason: 'NO_RL_POLICY' });
    });

    it('custom tier thresholds are honoured', () => {
      const strict = new SizingDecisionEngine({ tierThresholds: { fullConfidence: 0.95 } });
      expect(strict.decide(base({ ...rl, confidence: 0.9, recentIc: 0.1 })).tier).toBe('BLENDED');
    });
  });

  it('rejects a bad configuration at construction (so decide cannot fail on it)', () => {
    expect(() => new SizingDecisionEngine({ horizon: 0 })).toThrow(RangeError);
    expect(() => new SizingDecisionEngine({ maxFraction: Number.NaN })).toThrow(RangeError);
    expect(() => new SizingDecisionEngine({ maxFractionByInstrument: { X: -1 } })).toThrow(RangeError);
    expect(() => new SizingDecisionEngine({ regimeMultipliers: { Bear: 0.25, Neutral: Number.NaN, Bull: 1, Crisis: 0 } })).toThrow(RangeError);
    expect(() => new SizingDecisionEngine({ tierThresholds: { lowIc: 0.2, fullIc: 0.1 } })).toThrow(RangeError);
  });

  it('a malformed input never throws: flat record with INTERNAL_ERROR', () => {
    const d = engine.decide(null as unknown as SizingDecisionInput);
    expect(d).toMatchObject({ finalFraction: 0, tier: 'EMERGENCY_FLAT', cuts: ['INTERNAL_ERROR'] });
  });

  it('NaN robustness: any numbers in, finite JSON-safe decision out, within every cap', () => {
    const num = fc.oneof(
      fc.double(),
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 0, 1e-300, 1e300),
      fc.double({ min: -0.1, max: 0.1, noNaN: true }),
    );
    const input = fc.record({
      prediction: fc.option(num, { nil: null }),
      signal: num,
      confidence: num,
      label: fc.constantFrom<Regime | null>('Bear', 'Neutral', 'Bull', 'Crisis', null),
      probabilities: fc.array(num, { maxLength: 4 }),
      volatility: num,
      recentIc: num,
      rlFraction: fc.option(num, { nil: null }),
      state: fc.constantFrom('CLOSED' as const, 'OPEN' as const, 'HALF_OPEN' as const),
      sizeMultiplier: num,
      allocationLimit: num,
      tsClose: num,
    });
    const checkFinite = (d: SizingDecision): void => {
      for (const [k, v] of Object.entries(d)) {
        if (typeof v === 'number') expect([k, Number.isFinite(v)]).toEqual([k, true]);
      }
      for (const p of d.regimeProbabilities) expect(Number.isFinite(p)).toBe(true);
    };
    fc.assert(
      fc.property(input, (x) => {
        const d = engine.decide({
          instrumentId: 'ETHUSDT', tsClose: x.tsClose, prediction: x.prediction, signal: x.signal, confidence: x.confidence,
          regime: { label: x.label, probabilities: x.probabilities, volatility: x.volatility },
          recentIc: x.recentIc, rlFraction: x.rlFraction, breaker: { state: x.state, sizeMultiplier: x.sizeMultiplier },
          allocationLimit: x.allocationLimit,
        });
        checkFinite(d);
        expect(JSON.parse(JSON.stringify(d))).toEqual(d);
        expect(Math.abs(d.finalFraction)).toBeLessThanOrEqual(Math.min(d.maxFraction, d.allocationLimit ?? Infinity));
        expect(Math.abs(d.signal)).toBeLessThanOrEqual(3);
        expect(d.cuts).not.toContain('INTERNAL_ERROR');
        if (x.state === 'OPEN' || d.prediction === null) expect(d.finalFraction).toBe(0);
        // the final size never exceeds the tier's size and never flips its sign
        expect(Math.abs(d.finalFraction)).toBeLessThanOrEqual(Math.abs(d.rawFraction));
        expect(d.finalFraction * d.rawFraction).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 3000, seed: 4 },
    );
  });
});
