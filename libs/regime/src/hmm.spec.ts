import { SeededRandom } from '@lib/ml';
import { ForwardFilter, GaussianHmm, selectStates } from './hmm.js';
import { canonicalise, labelModel, labelStates } from './labels.js';

const truth = new GaussianHmm({
  pi: Float64Array.of(0.5, 0.5),
  A: [Float64Array.of(0.97, 0.03), Float64Array.of(0.05, 0.95)],
  means: [Float64Array.of(0.002, 0.01), Float64Array.of(-0.01, 0.04)],
  vars: [Float64Array.of(0.01 ** 2, 0.002 ** 2), Float64Array.of(0.04 ** 2, 0.008 ** 2)],
});
const { states, X } = truth.sample(3000, new SeededRandom(7));

function alignedAccuracy(pred: Int32Array, actual: Int32Array): number {
  let same = 0;
  for (let t = 0; t < pred.length; t++) if (pred[t] === actual[t]) same++;
  return Math.max(same, pred.length - same) / pred.length;
}

describe('GaussianHmm', () => {
  const fit = GaussianHmm.fit(X, 2, { seed: 11, restarts: 4, maxIter: 300, tol: 1e-9 });

  it('recovers two well-separated simulated regimes (Viterbi accuracy > 0.9 after alignment)', () => {
    expect(alignedAccuracy(fit.model.viterbi(X), states)).toBeGreaterThan(0.9);
  });

  it('log-likelihood is non-decreasing across Baum–Welch iterations', () => {
    expect(fit.history.length).toBeGreaterThan(2);
    for (let i = 1; i < fit.history.length; i++) {
      expect(fit.history[i]!).toBeGreaterThanOrEqual(fit.history[i - 1]! - 1e-8 * Math.abs(fit.history[i - 1]!));
    }
    expect(fit.model.logLikelihood(X)).toBeCloseTo(fit.logLikelihood, 6);
  });

  it('is deterministic for a seed', () => {
    const again = GaussianHmm.fit(X, 2, { seed: 11, restarts: 4, maxIter: 300, tol: 1e-9 });
    expect(again.logLikelihood).toBe(fit.logLikelihood);
    expect(again.history).toEqual(fit.history);
    expect(Array.from(again.model.viterbi(X))).toEqual(Array.from(fit.model.viterbi(X)));
  });

  it('online forward filter reproduces the batch filtered probabilities', () => {
    const f = new ForwardFilter(fit.model);
    const batch = fit.model.forward(X).alpha;
    X.slice(0, 200).forEach((x, t) => {
      const p = f.update(x);
      for (let k = 0; k < 2; k++) expect(p[k]).toBeCloseTo(batch[t]![k]!, 12);
    });
  });

  it('BIC / out-of-sample log-likelihood prefer K = 2 on a 2-state path', () => {
    const rows = selectStates(X.slice(0, 2000), X.slice(2000), [2, 3], { seed: 3, restarts: 2, maxIter: 100 });
    expect(rows.map((r) => r.K)).toEqual([2, 3]);
    for (const r of rows) expect(Number.isFinite(r.oosLogLikelihood)).toBe(true);
    expect(rows[0]!.bic).toBeLessThan(rows[1]!.bic);
  });
});

describe('regime labelling', () => {
  it('labels K = 4 by volatility then mean, independent of state numbering', () => {
    const s = [
      { state: 0, meanReturn: 0.001, volatility: 0.01 },
      { state: 1, meanReturn: -0.003, volatility: 0.05 },
      { state: 2, meanReturn: -0.001, volatility: 0.02 },
      { state: 3, meanReturn: 0.0, volatility: 0.012 },
    ];
    expect(labelStates(s)).toEqual(['Bull', 'Crisis', 'Bear', 'Neutral']);
    const perm = [2, 0, 3, 1];
    const s2 = perm.map((i, k) => ({ ...s[i]!, state: k }));
    expect(labelStates(s2)).toEqual(perm.map((i) => labelStates(s)[i]));
  });

  it('documents K = 2, 3, 5', () => {
    const mk = (xs: [number, number][]) => xs.map(([m, v], state) => ({ state, meanReturn: m, volatility: v }));
    expect(labelStates(mk([[0.01, 0.1], [-0.01, 0.01]]))).toEqual(['Bull', 'Bear']);
    expect(labelStates(mk([[0, 0.1], [-0.01, 0.01], [0.01, 0.02]]))).toEqual(['Neutral', 'Bear', 'Bull']);
    expect(labelStates(mk([[0, 0.1], [-0.01, 0.01], [0.01, 0.02], [0.001, 0.01], [0.002, 0.01]]))).toEqual([
      'Crisis',
      'Bear',
      'Bull',
      'Neutral',
      'Neutral',
    ]);
  });

  it('is stable across refits with different seeds (canonical order)', () => {
    const a = canonicalise(GaussianHmm.fit(X, 2, { seed: 1, restarts: 2 }).model);
    const b = canonicalise(GaussianHmm.fit(X, 2, { seed: 99, restarts: 2 }).model);
    expect(a.labels).toEqual(b.labels);
    expect(labelModel(a.model)).toEqual(a.labels);
    for (let k = 0; k < 2; k++) expect(a.model.params.means[k]![0]!).toBeCloseTo(b.model.params.means[k]![0]!, 4);
  });
});
