import { SeededRandom } from '@lib/ml';
import { fitGarch11, garchFilter, garchLogLikelihood } from './garch.js';

function normal(rng: SeededRandom): number {
  const u = Math.max(rng.next(), 1e-300);
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.next());
}

function simulate(n: number, omega: number, alpha: number, beta: number, seed: number): Float64Array {
  const rng = new SeededRandom(seed);
  const r = new Float64Array(n);
  let s2 = omega / (1 - alpha - beta);
  for (let t = 0; t < n; t++) {
    if (t > 0) s2 = omega + alpha * r[t - 1]! ** 2 + beta * s2;
    r[t] = Math.sqrt(s2) * normal(rng);
  }
  return r;
}

describe('fitGarch11', () => {
  const truth = { omega: 2e-6, alpha: 0.1, beta: 0.85 };
  const r = simulate(6000, truth.omega, truth.alpha, truth.beta, 42);
  const fit = fitGarch11(r);

  it('recovers the parameters of a simulated GARCH(1,1) path', () => {
    expect(Math.abs(fit.params.alpha - truth.alpha)).toBeLessThan(0.03);
    expect(Math.abs(fit.params.beta - truth.beta)).toBeLessThan(0.05);
    expect(fit.params.omega / truth.omega).toBeGreaterThan(0.5);
    expect(fit.params.omega / truth.omega).toBeLessThan(2);
  });

  it('respects the constraints and beats the true params only marginally (it is the MLE)', () => {
    expect(fit.params.omega).toBeGreaterThan(0);
    expect(fit.params.alpha).toBeGreaterThanOrEqual(0);
    expect(fit.params.beta).toBeGreaterThanOrEqual(0);
    expect(fit.params.alpha + fit.params.beta).toBeLessThan(1);
    expect(fit.logLikelihood).toBeGreaterThanOrEqual(garchLogLikelihood(r, truth) - 1e-6);
    expect(fit.variance.length).toBe(r.length);
    const last = r[r.length - 1]!;
    expect(fit.forecast).toBeCloseTo(fit.params.omega + fit.params.alpha * last * last + fit.params.beta * fit.variance[r.length - 1]!, 15);
  });

  it('σ²_t never uses r_t: altering r_t and later returns leaves σ²_0..σ²_t unchanged', () => {
    const t = 3000;
    const base = garchFilter(r, fit.params);
    const altered = Float64Array.from(r);
    for (let i = t; i < altered.length; i++) altered[i] = altered[i]! * 10 + 0.05;
    const v = garchFilter(altered, fit.params);
    for (let i = 0; i <= t; i++) expect(v[i]).toBe(base[i]);
    expect(v[t + 1]).not.toBe(base[t + 1]);
  });
});
