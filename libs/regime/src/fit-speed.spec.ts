import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SeededRandom } from '@lib/ml';
import { fitGarch11 } from './garch.js';
import { GaussianHmm, type HmmFitResult, type Observations } from './hmm.js';
import { logReturns, regimeFeatures } from './features.js';

/*
 * Regression guard for the optimised Baum–Welch and GARCH code. The expected values were recorded with
 * the original implementation (Array-of-Float64Array layout, emissions computed twice per EM step).
 * The optimised code evaluates every floating-point expression in the same order, so it reproduces
 * them bit for bit; the check allows 1e-9 relative so that a harmless reassociation would still pass.
 * Results only — no timing.
 */

const REL = 1e-9;

/** |actual − expected| ≤ REL·|expected| + abs (abs: a floor for probabilities that are ~0). */
function expectRel(actual: number, expected: number, abs = 0): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(REL * Math.abs(expected) + abs);
}

function pathHash(p: Int32Array): number {
  let h = 0;
  for (let t = 0; t < p.length; t++) h = (Math.imul(h, 31) + p[t]! + 1) | 0;
  return h;
}

interface Expected {
  logLikelihood: number;
  iterations: number;
  pi: number[];
  A: number[][];
  means: number[][];
  vars: number[][];
  viterbiCounts: number[];
  viterbiHash: number;
}

function expectFit(fit: HmmFitResult, X: Observations, e: Expected): void {
  expect(fit.iterations).toBe(e.iterations);
  expectRel(fit.logLikelihood, e.logLikelihood);
  const p = fit.model.params;
  e.pi.forEach((v, k) => expectRel(p.pi[k]!, v, 1e-15));
  e.A.forEach((row, i) => row.forEach((v, j) => expectRel(p.A[i]![j]!, v, 1e-15)));
  e.means.forEach((row, k) => row.forEach((v, j) => expectRel(p.means[k]![j]!, v)));
  e.vars.forEach((row, k) => row.forEach((v, j) => expectRel(p.vars[k]![j]!, v)));
  const path = fit.model.viterbi(X);
  const counts = new Array<number>(fit.model.K).fill(0);
  for (const s of path) counts[s]!++;
  expect(counts).toEqual(e.viterbiCounts);
  expect(pathHash(path)).toBe(e.viterbiHash);
}

const SYNTHETIC: Expected = {
  logLikelihood: 12600.615938648714,
  iterations: 12,
  pi: [1, 2.9097871617163824e-26, 5.673608349291196e-53],
  A: [
    [0.9478845521509124, 0.0447281536655569, 0.007387294183530766],
    [0.06334480924922667, 0.8917050106271002, 0.04495018012367329],
    [0.017425658073926147, 0.04000642260599007, 0.9425679193200839],
  ],
  means: [
    [4.560651603918945e-05, 0.0199167548772219],
    [-0.011904694597413232, 0.03991700984427415],
    [0.0021904130407019327, 0.010090950726918495],
  ],
  vars: [
    [0.00039284558796500054, 1.5853722344476557e-05],
    [0.0017390906241400758, 7.122799428954523e-05],
    [0.00010061603102640196, 3.910864513749511e-06],
  ],
  viterbiCounts: [877, 567, 556],
  viterbiHash: -1045204229,
};

const BTC_4H: Expected = {
  logLikelihood: 65350.56845985285,
  iterations: 68,
  pi: [4.0765407214170926e-129, 0, 7.195988843070686e-238, 1],
  A: [
    [0.8896134981441471, 2.477457916667357e-195, 7.047575622374958e-93, 0.11038650185585291],
    [0.02293565090879849, 0.929977061956806, 0.047087287134395556, 5.265309212872893e-64],
    [0.014445440654514072, 0.06395213042185188, 0.8792756967953811, 0.042326732128252775],
    [0.03271784148351207, 1.2363255421496447e-180, 0.08602423813834928, 0.8812579203781385],
  ],
  means: [
    [0.00017622843262216594, 0.0167959532849876],
    [6.473305862129238e-05, 0.00761077063415206],
    [-5.789822111658757e-05, 0.00918320631997124],
    [0.00029028360551213627, 0.011694623893739993],
  ],
  vars: [
    [0.0004279258224864492, 2.1297436083487815e-05],
    [2.1054211820832645e-05, 2.682092104766622e-07],
    [6.287479071811614e-05, 4.958394394886007e-07],
    [9.367049232313936e-05, 1.4176068500392638e-06],
  ],
  viterbiCounts: [1262, 2044, 2246, 2109],
  viterbiHash: -1079216114,
};

describe('GaussianHmm.fit / fitGarch11 reproduce the reference implementation', () => {
  it('synthetic 3-state, 2-feature path', () => {
    const truth = new GaussianHmm({
      pi: Float64Array.of(0.3, 0.3, 0.4),
      A: [Float64Array.of(0.95, 0.03, 0.02), Float64Array.of(0.04, 0.9, 0.06), Float64Array.of(0.01, 0.04, 0.95)],
      means: [Float64Array.of(0.002, 0.01), Float64Array.of(-0.01, 0.04), Float64Array.of(0.0, 0.02)],
      vars: [Float64Array.of(0.01 ** 2, 0.002 ** 2), Float64Array.of(0.04 ** 2, 0.008 ** 2), Float64Array.of(0.02 ** 2, 0.004 ** 2)],
    });
    const X = truth.sample(2000, new SeededRandom(42)).X;
    expectFit(GaussianHmm.fit(X, 3, { seed: 7, restarts: 3, maxIter: 150, tol: 1e-10 }), X, SYNTHETIC);
  });

  it('BTCUSDT 4h: GARCH(1,1) on the full history and a window, then the K = 4 HMM (seed 2024, 2 restarts, 100 iterations)', () => {
    const dataDir = process.env['TM_DATA_DIR'] ?? fileURLToPath(new URL('../../../../shared/data', import.meta.url));
    const lines = readFileSync(join(dataDir, 'binance_BTCUSDT_4h.csv'), 'utf8').trim().split('\n');
    const returns = logReturns(lines.slice(1).map((l) => Number(l.split(',')[4])));

    const g = fitGarch11(returns);
    expect(g.iterations).toBe(250);
    expectRel(g.params.omega, 7.616168476705375e-06);
    expectRel(g.params.alpha, 0.13137863131280006);
    expectRel(g.params.beta, 0.8165737269820642);
    expectRel(g.logLikelihood, 24221.45209888629);
    expectRel(g.forecast, 5.703844906242873e-05);

    const gw = fitGarch11(returns.subarray(1000, 3000));
    expect(gw.iterations).toBe(268);
    expectRel(gw.params.omega, 2.538672600111728e-06);
    expectRel(gw.params.alpha, 0.12040407058896663);
    expectRel(gw.params.beta, 0.8772426422942868);
    expectRel(gw.logLikelihood, 6291.633681032275);

    const X = regimeFeatures(returns, g.params);
    expectFit(GaussianHmm.fit(X, 4, { seed: 2024, restarts: 2, maxIter: 100 }), X, BTC_4H);
  });
});
