import {
  BLEND_RL_WEIGHT,
  DEFAULT_TIER_THRESHOLDS,
  blendSize,
  resolveTierThresholds,
  selectSizingTier,
  type SizingTier,
  type TierReason,
} from './tiers.js';

type Level = 'low' | 'medium' | 'high';
type IcLevel = 'NaN' | Level;

// Representative values per level under the default thresholds
// (confidence: low < 0.25 ≤ medium < 0.5 ≤ high; IC: low < 0.02 ≤ medium < 0.05 ≤ high).
const CONFIDENCE: Record<Level, number> = { low: 0.1, medium: 0.3, high: 0.8 };
const IC: Record<IcLevel, number> = { NaN: Number.NaN, low: 0.0, medium: 0.03, high: 0.1 };

// breakerOpen, hasRlPolicy, confidence, IC, expected tier, expected reason — written out by hand.
const TABLE: ReadonlyArray<[boolean, boolean, Level, IcLevel, SizingTier, TierReason]> = [
  [false, true , 'low'   , 'NaN'   , 'PURE_KELLY'    , 'IC_FAILURE'],
  [false, true , 'low'   , 'low'   , 'PURE_KELLY'    , 'IC_FAILURE'],
  [false, true , 'low'   , 'medium', 'PURE_KELLY'    , 'LOW_CONFIDENCE'],
  [false, true , 'low'   , 'high'  , 'PURE_KELLY'    , 'LOW_CONFIDENCE'],
  [false, true , 'medium', 'NaN'   , 'PURE_KELLY'    , 'IC_FAILURE'],
  [false, true , 'medium', 'low'   , 'PURE_KELLY'    , 'IC_FAILURE'],
  [false, true , 'medium', 'medium', 'BLENDED'       , 'MEDIUM_CONFIDENCE_AND_IC'],
  [false, true , 'medium', 'high'  , 'BLENDED'       , 'MEDIUM_CONFIDENCE'],
  [false, true , 'high'  , 'NaN'   , 'PURE_KELLY'    , 'IC_FAILURE'],
  [false, true , 'high'  , 'low'   , 'PURE_KELLY'    , 'IC_FAILURE'],
  [false, true , 'high'  , 'medium', 'BLENDED'       , 'MEDIUM_IC'],
  [false, true , 'high'  , 'high'  , 'FULL_RL'       , 'FULL_CONFIDENCE_AND_IC'],
  [false, false, 'low'   , 'NaN'   , 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'low'   , 'low'   , 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'low'   , 'medium', 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'low'   , 'high'  , 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'medium', 'NaN'   , 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'medium', 'low'   , 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'medium', 'medium', 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'medium', 'high'  , 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'high'  , 'NaN'   , 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'high'  , 'low'   , 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'high'  , 'medium', 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [false, false, 'high'  , 'high'  , 'PURE_KELLY'    , 'NO_RL_POLICY'],
  [true , true , 'low'   , 'NaN'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'low'   , 'low'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'low'   , 'medium', 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'low'   , 'high'  , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'medium', 'NaN'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'medium', 'low'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'medium', 'medium', 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'medium', 'high'  , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'high'  , 'NaN'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'high'  , 'low'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'high'  , 'medium', 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , true , 'high'  , 'high'  , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'low'   , 'NaN'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'low'   , 'low'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'low'   , 'medium', 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'low'   , 'high'  , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'medium', 'NaN'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'medium', 'low'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'medium', 'medium', 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'medium', 'high'  , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'high'  , 'NaN'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'high'  , 'low'   , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'high'  , 'medium', 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
  [true , false, 'high'  , 'high'  , 'EMERGENCY_FLAT', 'BREAKER_OPEN'],
];

describe('selectSizingTier: full table (breaker × RL policy × confidence × IC)', () => {
  it('has all 48 combinations exactly once', () => {
    expect(TABLE).toHaveLength(48);
    expect(new Set(TABLE.map((r) => r.slice(0, 4).join('|'))).size).toBe(48);
  });

  it.each(TABLE)('breakerOpen=%s hasRlPolicy=%s confidence=%s IC=%s → %s (%s)', (breakerOpen, hasRlPolicy, c, ic, tier, reason) => {
    const sel = selectSizingTier({ breakerOpen, hasRlPolicy, confidence: CONFIDENCE[c], recentIc: IC[ic] });
    expect(sel.tier).toBe(tier);
    expect(sel.reason).toBe(reason);
    expect(sel.detail.length).toBeGreaterThan(0);
  });
});

describe('selectSizingTier: boundaries exactly at the thresholds', () => {
  const base = { hasRlPolicy: true, breakerOpen: false };
  it.each<[number, number, SizingTier]>([
    [0.5, 0.05, 'FULL_RL'], // both exactly at the full thresholds → FULL_RL (inclusive)
    [0.5, 0.049999, 'BLENDED'],
    [0.499999, 0.05, 'BLENDED'],
    [0.25, 0.02, 'BLENDED'], // both exactly at the low thresholds → medium, not low
    [0.25, 0.05, 'BLENDED'],
    [0.5, 0.02, 'BLENDED'],
    [0.249999, 0.05, 'PURE_KELLY'],
    [0.5, 0.019999, 'PURE_KELLY'],
    [1, 1, 'FULL_RL'],
    [0, 0.05, 'PURE_KELLY'],
  ])('confidence=%s IC=%s → %s', (confidence, recentIc, tier) => {
    expect(selectSizingTier({ ...base, confidence, recentIc }).tier).toBe(tier);
  });

  it('negative IC is an IC failure', () => {
    expect(selectSizingTier({ ...base, confidence: 0.9, recentIc: -0.1 })).toMatchObject({ tier: 'PURE_KELLY', reason: 'IC_FAILURE' });
  });
});

describe('selectSizingTier: bad inputs', () => {
  const base = { hasRlPolicy: true, breakerOpen: false };
  it.each([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN])('IC %s → PURE_KELLY (IC_FAILURE)', (recentIc) => {
    expect(selectSizingTier({ ...base, confidence: 0.9, recentIc })).toMatchObject({ tier: 'PURE_KELLY', reason: 'IC_FAILURE' });
  });
  it.each([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN])('confidence %s → PURE_KELLY (LOW_CONFIDENCE)', (confidence) => {
    expect(selectSizingTier({ ...base, confidence, recentIc: 0.1 })).toMatchObject({ tier: 'PURE_KELLY', reason: 'LOW_CONFIDENCE' });
  });
  it('breaker open wins even over NaN inputs and a missing policy', () => {
    expect(selectSizingTier({ confidence: Number.NaN, recentIc: Number.NaN, hasRlPolicy: false, breakerOpen: true }).tier).toBe('EMERGENCY_FLAT');
  });
});

describe('tier thresholds are configurable', () => {
  it('defaults are 0.5 / 0.05 / 0.25 / 0.02', () => {
    expect(DEFAULT_TIER_THRESHOLDS).toEqual({ fullConfidence: 0.5, fullIc: 0.05, lowConfidence: 0.25, lowIc: 0.02 });
    expect(resolveTierThresholds()).toEqual(DEFAULT_TIER_THRESHOLDS);
  });

  it('overrides move the boundaries', () => {
    const inputs = { confidence: 0.6, recentIc: 0.06, hasRlPolicy: true, breakerOpen: false };
    expect(selectSizingTier(inputs).tier).toBe('FULL_RL');
    expect(selectSizingTier(inputs, { fullConfidence: 0.7 }).tier).toBe('BLENDED');
    expect(selectSizingTier(inputs, { fullIc: 0.08 }).tier).toBe('BLENDED');
    expect(selectSizingTier(inputs, { lowIc: 0.07, fullIc: 0.1 })).toMatchObject({ tier: 'PURE_KELLY', reason: 'IC_FAILURE' });
    expect(selectSizingTier(inputs, { lowConfidence: 0.65, fullConfidence: 0.9 })).toMatchObject({ tier: 'PURE_KELLY', reason: 'LOW_CONFIDENCE' });
  });

  it('rejects inconsistent or non-finite thresholds', () => {
    expect(() => resolveTierThresholds({ lowConfidence: 0.6 })).toThrow(RangeError);
    expect(() => resolveTierThresholds({ lowIc: 0.06 })).toThrow(RangeError);
    expect(() => resolveTierThresholds({ fullIc: Number.NaN })).toThrow(RangeError);
    expect(() => resolveTierThresholds({ fullConfidence: Number.POSITIVE_INFINITY })).toThrow(RangeError);
  });
});

describe('blendSize', () => {
  it.each<[SizingTier, number, number, number]>([
    ['FULL_RL', 0.4, 0.1, 0.4],
    ['BLENDED', 0.4, 0.1, 0.25],
    ['BLENDED', -0.2, 0.3, 0.05],
    ['PURE_KELLY', 0.4, 0.1, 0.1],
    ['EMERGENCY_FLAT', 0.4, 0.1, 0],
    ['EMERGENCY_FLAT', -0.4, -0.1, 0],
  ])('%s rl=%s kelly=%s → %s', (tier, rl, kelly, expected) => {
    expect(blendSize(tier, rl, kelly)).toBeCloseTo(expected, 12);
  });

  it('blend weight is 50/50', () => {
    expect(BLEND_RL_WEIGHT).toBe(0.5);
  });

  it('non-finite fractions needed by the tier give 0; unused ones are ignored', () => {
    expect(blendSize('FULL_RL', Number.NaN, 0.1)).toBe(0);
    expect(blendSize('FULL_RL', 0.3, Number.NaN)).toBe(0.3);
    expect(blendSize('PURE_KELLY', Number.NaN, 0.1)).toBe(0.1);
    expect(blendSize('PURE_KELLY', 0.3, Number.POSITIVE_INFINITY)).toBe(0);
    expect(blendSize('BLENDED', Number.NaN, 0.1)).toBe(0);
    expect(blendSize('BLENDED', 0.1, Number.NEGATIVE_INFINITY)).toBe(0);
    expect(blendSize('EMERGENCY_FLAT', Number.NaN, Number.NaN)).toBe(0);
    expect(blendSize('BOGUS' as SizingTier, 0.3, 0.1)).toBe(0);
  });

  it('never returns -0', () => {
    expect(Object.is(blendSize('PURE_KELLY', 0, -0), 0)).toBe(true);
    expect(Object.is(blendSize('EMERGENCY_FLAT', -1, -1), 0)).toBe(true);
  });
});
