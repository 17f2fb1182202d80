import { DEFAULT_GATES, evaluateGates } from './gates.js';

describe('evaluateGates', () => {
  it('promotes a model that clears both gates, and says why', () => {
    const verdict = evaluateGates({ meanIc: 0.041, sharpe: 0.83 });
    expect(verdict.promotable).toBe(true);
    expect(verdict.reasons).toEqual([
      'Walk-forward mean IC 0.041 meets the minimum of 0.030.',
      'Out-of-sample Sharpe 0.83 after fees is above the minimum of 0.50.',
    ]);
    expect(verdict.checks.map((c) => [c.gate, c.passed, c.actual, c.threshold])).toEqual([
      ['ic', true, 0.041, 0.03],
      ['sharpe', true, 0.83, 0.5],
    ]);
  });

  it('defaults to IC ≥ 0.03 and Sharpe > 0.5: the IC bar is inclusive, the Sharpe bar strict', () => {
    expect(DEFAULT_GATES).toEqual({ minIc: 0.03, minSharpe: 0.5 });
    expect(evaluateGates({ meanIc: 0.03, sharpe: 0.51 }).promotable).toBe(true);
    const atSharpe = evaluateGates({ meanIc: 0.05, sharpe: 0.5 });
    expect(atSharpe.promotable).toBe(false);
    expect(atSharpe.reasons[0]).toBe(
      'Out-of-sample Sharpe 0.50 after fees is not above the minimum of 0.50: trading the signal does not pay enough for its risk.',
    );
  });

  it('lists failures first, in plain language, with enough digits to see the shortfall', () => {
    const verdict = evaluateGates({ meanIc: 0.0299, sharpe: 1.2 });
    expect(verdict.promotable).toBe(false);
    expect(verdict.reasons).toEqual([
      'Walk-forward mean IC 0.0299 is below the minimum of 0.030: the predictions do not rank future returns well enough.',
      'Out-of-sample Sharpe 1.20 after fees is above the minimum of 0.50.',
    ]);
  });

  it('fails both when both fall short', () => {
    const verdict = evaluateGates({ meanIc: -0.01, sharpe: -0.4 });
    expect(verdict.promotable).toBe(false);
    expect(verdict.checks.every((c) => !c.passed)).toBe(true);
    expect(verdict.reasons).toHaveLength(2);
  });

  it('a metric that could not be measured fails its gate', () => {
    const verdict = evaluateGates({ meanIc: NaN, sharpe: NaN });
    expect(verdict.promotable).toBe(false);
    expect(verdict.reasons).toEqual([
      'Walk-forward mean IC could not be measured, so the IC gate (at least 0.030) is not met.',
      'Out-of-sample Sharpe could not be measured, so the Sharpe gate (above 0.50) is not met.',
    ]);
  });

  it('takes configured thresholds', () => {
    expect(evaluateGates({ meanIc: 0.041, sharpe: 0.83 }, { minIc: 0.05 }).promotable).toBe(false);
    expect(evaluateGates({ meanIc: 0.041, sharpe: 0.83 }, { minSharpe: 1 }).promotable).toBe(false);
    expect(evaluateGates({ meanIc: 0.011, sharpe: 0.31 }, { minIc: 0.01, minSharpe: 0.3 }).promotable).toBe(true);
    expect(() => evaluateGates({ meanIc: 0.1, sharpe: 1 }, { minIc: NaN })).toThrow(/minIc/);
  });
});
