import {
  DEFAULT_REGIME_MULTIPLIERS,
  REGIMES,
  kellyFraction,
  kellyInputProblem,
  regimeScaledKelly,
  type Regime,
} from './kelly.js';

describe('kellyFraction = μ/σ²', () => {
  it.each<[number, number, number]>([
    // μ, σ², μ/σ² worked by hand
    [0.01, 0.04, 0.25], // 1% mean, 20% vol → 0.01 / 0.04
    [0.001, 0.0004, 2.5], // 0.1% mean, 2% vol → 0.001 / 0.0004
    [-0.02, 0.01, -2], // negative edge → short
    [0.0005, 0.0001, 5],
    [0, 0.04, 0],
  ])('μ=%s σ²=%s → %s', (expectedReturn, variance, expected) => {
    expect(kellyFraction({ expectedReturn, variance })).toBeCloseTo(expected, 12);
  });

  it.each<[number, number]>([
    [Number.NaN, 0.04],
    [Number.POSITIVE_INFINITY, 0.04],
    [0.01, Number.NaN],
    [0.01, Number.POSITIVE_INFINITY],
    [0.01, 0],
    [0.01, -0.04],
  ])('bad input μ=%s σ²=%s → 0', (expectedReturn, variance) => {
    expect(kellyFraction({ expectedReturn, variance })).toBe(0);
    expect(kellyInputProblem({ expectedReturn, variance })).not.toBeNull();
  });

  it('an overflowing quotient gives 0', () => {
    expect(kellyFraction({ expectedReturn: 1e300, variance: 1e-300 })).toBe(0);
  });

  it('never returns -0', () => {
    expect(Object.is(kellyFraction({ expectedReturn: -0, variance: 1 }), 0)).toBe(true);
  });
});

describe('regime multipliers', () => {
  it('defaults are Bear 0.25, Neutral 0.5, Bull 0.67, Crisis 0.17', () => {
    expect(DEFAULT_REGIME_MULTIPLIERS).toEqual({ Bear: 0.25, Neutral: 0.5, Bull: 0.67, Crisis: 0.17 });
    expect(Object.isFrozen(DEFAULT_REGIME_MULTIPLIERS)).toBe(true);
  });

  // μ=0.01, σ²=0.04 → raw 0.25; cap 1 does not bind.
  it.each<[Regime, number, number]>([
    ['Bear', 0.25, 0.0625],
    ['Neutral', 0.5, 0.125],
    ['Bull', 0.67, 0.1675],
    ['Crisis', 0.17, 0.0425],
  ])('%s scales by %s → %s', (regime, mult, expected) => {
    const r = regimeScaledKelly({ expectedReturn: 0.01, variance: 0.04 }, regime, { maxFraction: 1 });
    expect(r.raw).toBeCloseTo(0.25, 12);
    expect(r.regimeMultiplier).toBe(mult);
    expect(r.fraction).toBeCloseTo(expected, 12);
    expect(r.capped).toBe(false);
    expect(r.reasonCode).toBe('OK');
  });

  it('multipliers are configurable', () => {
    const custom = { Bear: 0.1, Neutral: 0.2, Bull: 1, Crisis: 0 };
    const s = { expectedReturn: 0.01, variance: 0.04 };
    expect(regimeScaledKelly(s, 'Bull', { maxFraction: 1 }, custom).fraction).toBeCloseTo(0.25, 12);
    expect(regimeScaledKelly(s, 'Bear', { maxFraction: 1 }, custom).fraction).toBeCloseTo(0.025, 12);
    const crisis = regimeScaledKelly(s, 'Crisis', { maxFraction: 1 }, custom);
    expect(Object.is(crisis.fraction, 0)).toBe(true);
    expect(crisis.reasonCode).toBe('OK');
  });

  it('the ordering Crisis < Bear < Neutral < Bull holds for a long signal', () => {
    const s = { expectedReturn: 0.01, variance: 0.04 };
    const f = (r: Regime) => regimeScaledKelly(s, r, { maxFraction: 1 }).fraction;
    expect(f('Crisis')).toBeLessThan(f('Bear'));
    expect(f('Bear')).toBeLessThan(f('Neutral'));
    expect(f('Neutral')).toBeLessThan(f('Bull'));
    expect(REGIMES).toEqual(['Bear', 'Neutral', 'Bull', 'Crisis']);
  });
});

describe('hard caps, both signs', () => {
  it('caps a long at +maxFraction', () => {
    // raw 5, Bull 0.67 → 3.35 > 0.3
    const r = regimeScaledKelly({ expectedReturn: 0.0005, variance: 0.0001 }, 'Bull', { maxFraction: 0.3 });
    expect(r.raw).toBeCloseTo(5, 12);
    expect(r.fraction).toBe(0.3);
    expect(r.capped).toBe(true);
    expect(r.reasonCode).toBe('CAPPED_LONG');
  });

  it('caps a short at -maxFraction', () => {
    // raw -2, Neutral 0.5 → -1 < -0.3
    const r = regimeScaledKelly({ expectedReturn: -0.02, variance: 0.01 }, 'Neutral', { maxFraction: 0.3 });
    expect(r.raw).toBeCloseTo(-2, 12);
    expect(r.fraction).toBe(-0.3);
    expect(r.capped).toBe(true);
    expect(r.reasonCode).toBe('CAPPED_SHORT');
  });

  it('an uncapped short keeps its sign', () => {
    // raw -2, Crisis 0.17 → -0.34 within ±0.5
    const r = regimeScaledKelly({ expectedReturn: -0.02, variance: 0.01 }, 'Crisis', { maxFraction: 0.5 });
    expect(r.fraction).toBeCloseTo(-0.34, 12);
    expect(r.capped).toBe(false);
  });

  it('exactly at the cap is not marked capped', () => {
    // raw 1, Neutral 0.5 → 0.5 == cap
    const r = regimeScaledKelly({ expectedReturn: 0.01, variance: 0.01 }, 'Neutral', { maxFraction: 0.5 });
    expect(r.fraction).toBe(0.5);
    expect(r.capped).toBe(false);
  });

  it('a zero cap forces flat', () => {
    const long = regimeScaledKelly({ expectedReturn: 0.01, variance: 0.01 }, 'Bull', { maxFraction: 0 });
    const short = regimeScaledKelly({ expectedReturn: -0.01, variance: 0.01 }, 'Bull', { maxFraction: 0 });
    expect(Object.is(long.fraction, 0)).toBe(true);
    expect(Object.is(short.fraction, 0)).toBe(true);
    expect(long.capped && short.capped).toBe(true);
  });
});

describe('regimeScaledKelly: bad inputs give 0 with a reason', () => {
  const good = { expectedReturn: 0.01, variance: 0.04 };
  it.each<[string, Parameters<typeof regimeScaledKelly>, string]>([
    ['NaN μ', [{ expectedReturn: Number.NaN, variance: 0.04 }, 'Bull', { maxFraction: 1 }], 'INVALID_EXPECTED_RETURN'],
    ['+Inf μ', [{ expectedReturn: Number.POSITIVE_INFINITY, variance: 0.04 }, 'Bull', { maxFraction: 1 }], 'INVALID_EXPECTED_RETURN'],
    ['-Inf μ', [{ expectedReturn: Number.NEGATIVE_INFINITY, variance: 0.04 }, 'Bull', { maxFraction: 1 }], 'INVALID_EXPECTED_RETURN'],
    ['NaN σ²', [{ expectedReturn: 0.01, variance: Number.NaN }, 'Bull', { maxFraction: 1 }], 'INVALID_VARIANCE'],
    ['+Inf σ²', [{ expectedReturn: 0.01, variance: Number.POSITIVE_INFINITY }, 'Bull', { maxFraction: 1 }], 'INVALID_VARIANCE'],
    ['zero σ²', [{ expectedReturn: 0.01, variance: 0 }, 'Bull', { maxFraction: 1 }], 'NON_POSITIVE_VARIANCE'],
    ['negative σ²', [{ expectedReturn: 0.01, variance: -0.04 }, 'Bull', { maxFraction: 1 }], 'NON_POSITIVE_VARIANCE'],
    ['overflow μ/σ²', [{ expectedReturn: 1e300, variance: 1e-300 }, 'Bull', { maxFraction: 1 }], 'NON_FINITE_RESULT'],
    ['NaN cap', [good, 'Bull', { maxFraction: Number.NaN }], 'INVALID_CAP'],
    ['Inf cap', [good, 'Bull', { maxFraction: Number.POSITIVE_INFINITY }], 'INVALID_CAP'],
    ['negative cap', [good, 'Bull', { maxFraction: -0.1 }], 'INVALID_CAP'],
    ['unknown regime', [good, 'Sideways' as Regime, { maxFraction: 1 }], 'UNKNOWN_REGIME'],
    ['NaN multiplier', [good, 'Bull', { maxFraction: 1 }, { ...DEFAULT_REGIME_MULTIPLIERS, Bull: Number.NaN }], 'INVALID_REGIME_MULTIPLIER'],
    ['negative multiplier', [good, 'Bear', { maxFraction: 1 }, { ...DEFAULT_REGIME_MULTIPLIERS, Bear: -1 }], 'INVALID_REGIME_MULTIPLIER'],
  ])('%s', (_name, args, code) => {
    const r = regimeScaledKelly(...args);
    expect(r.fraction).toBe(0);
    expect(r.capped).toBe(false);
    expect(r.reasonCode).toBe(code);
    expect(r.reason.length).toBeGreaterThan(0);
    expect(Number.isFinite(r.raw)).toBe(true);
  });
});
