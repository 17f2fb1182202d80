import { actionToFraction, buildSacObservation, SAC_OBSERVATION_NAMES, SAC_OBSERVATION_SIZE, signalConfidence } from './observation.js';

const base = { signal: 1.5, confidence: 0.75, regimeProbabilities: [0.1, 0.2, 0.6, 0.1], volatility: 0.012, position: -0.4, drawdown: 0.08 };

describe('buildSacObservation (the contract shared with the trader)', () => {
  it('has the agreed names, size and order', () => {
    expect(SAC_OBSERVATION_NAMES).toEqual(['signal', 'confidence', 'pBear', 'pNeutral', 'pBull', 'pCrisis', 'volatility', 'position', 'drawdown']);
    expect(SAC_OBSERVATION_SIZE).toBe(SAC_OBSERVATION_NAMES.length);
    const o = buildSacObservation(base);
    expect(o).toBeInstanceOf(Float32Array);
    expect(o.length).toBe(9);
    const expected = [1.5 / 3, 0.75, 0.1, 0.2, 0.6, 0.1, 1.2, -0.4, 0.08].map(Math.fround);
    expect(Array.from(o)).toEqual(expected);
  });

  it('clips the z-score to ±3 and every other entry to its range', () => {
    const o = buildSacObservation({ signal: -9, confidence: 4, regimeProbabilities: [-1, 2, 0.5, 0.5], volatility: 5, position: 12, drawdown: 1.7 });
    expect(Array.from(o)).toEqual([-1, 1, 0, 1, 0.5, 0.5, 20, 3, 1]);
  });

  it('never outputs NaN: non-finite or missing inputs become 0', () => {
    const o = buildSacObservation({
      signal: Number.NaN,
      confidence: Number.POSITIVE_INFINITY,
      regimeProbabilities: [Number.NaN, 0.5],
      volatility: Number.NEGATIVE_INFINITY,
      position: Number.NaN,
      drawdown: Number.NaN,
    });
    expect(Array.from(o)).toEqual([0, 0, 0, 0.5, 0, 0, 0, 0, 0]);
    expect(Array.from(o).every(Number.isFinite)).toBe(true);
  });

  it('confidence helper: min(1, |z|/2); action → fraction scaled by maxFraction', () => {
    expect(signalConfidence(1)).toBe(0.5);
    expect(signalConfidence(-5)).toBe(1);
    expect(signalConfidence(Number.NaN)).toBe(0);
    expect(actionToFraction(0.5, 0.6)).toBeCloseTo(0.3, 15);
    expect(actionToFraction(4, 0.6)).toBeCloseTo(0.6, 15);
    expect(actionToFraction(Number.NaN, 1)).toBe(0);
  });
});
