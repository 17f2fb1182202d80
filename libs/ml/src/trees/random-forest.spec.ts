import { SeededRandom } from '../random/seeded-random.js';
import { binFeatures, type BinnedFeatures } from './feature-binning.js';
import { predictBatch } from './predict-batch.js';
import { RandomForestRegressor, resolveMaxFeatures } from './random-forest.js';
import { float32ThresholdViolations, treeStructureErrors } from './testing/model-assertions.js';
import { leafOf, modelBytes, rSquared, syntheticRegression } from './testing/synthetic-datasets.js';

const linear = syntheticRegression(3_000, 8, (r) => 2 * r[0]! - r[1]!, { noise: 0.1, seed: 41 });

describe('RandomForestRegressor', () => {
  // Half the features per split: with the default third (2 of 8) most splits would be on noise columns.
  const forest = new RandomForestRegressor({ nEstimators: 60, maxDepth: 8, maxFeatures: 0.5, seed: 3 }).fit(linear.x, linear.y);

  it('builds an averaging ensemble in the shared model shape', () => {
    expect(forest.model.kind).toBe('random_forest');
    expect(forest.model.baseScore).toBe(0);
    expect(forest.model.trees).toHaveLength(60);
    expect(forest.model.treeWeights).toEqual(new Array(60).fill(1 / 60));
    expect(forest.model.featureNames).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7']);
    expect(float32ThresholdViolations(forest.model)).toEqual([]);
    expect(treeStructureErrors(forest.model)).toEqual([]);
    for (const tree of forest.model.trees) {
      let depth = 0;
      const depthOf = new Int32Array(tree.feature.length);
      for (let node = 0; node < tree.feature.length; node++) {
        if (tree.feature[node]! < 0) continue;
        depthOf[tree.left[node]!] = depthOf[tree.right[node]!] = depthOf[node]! + 1;
        depth = Math.max(depth, depthOf[node]! + 1);
      }
      expect(depth).toBeLessThanOrEqual(8);
    }
  });

  it('fits y = 2·x0 − x1 + noise out of sample and ranks x0 > x1 > noise by impurity importance', () => {
    const test = syntheticRegression(1_000, 8, (r) => 2 * r[0]! - r[1]!, { noise: 0.1, seed: 42 });
    expect(rSquared(test.y, predictBatch(forest.model, test.x.values, 1_000, 8))).toBeGreaterThan(0.9);
    const imp = forest.featureImportances;
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(imp[0]!).toBeGreaterThan(imp[1]!);
    expect(imp[1]!).toBeGreaterThan(Math.max(...imp.slice(2)));
    expect(imp[0]! + imp[1]!).toBeGreaterThan(0.9);
  });

  it('is byte-identical for the same seed and different for another', () => {
    const params = { nEstimators: 20, maxDepth: 6 };
    const a = new RandomForestRegressor({ ...params, seed: 9 }).fit(linear.x, linear.y);
    const b = new RandomForestRegressor({ ...params, seed: 9 }).fit(linear.x, linear.y);
    const c = new RandomForestRegressor({ ...params, seed: 10 }).fit(linear.x, linear.y);
    expect(Buffer.from(modelBytes(a.model)).equals(Buffer.from(modelBytes(b.model)))).toBe(true);
    expect(Array.from(a.featureImportances)).toEqual(Array.from(b.featureImportances));
    expect(Buffer.from(modelBytes(a.model)).equals(Buffer.from(modelBytes(c.model)))).toBe(false);
  });

  it('recovers a step function exactly without bootstrap or feature sampling', () => {
    const data = syntheticRegression(500, 3, () => 0, { seed: 43 });
    for (let i = 0; i < 500; i++) {
      const x2 = (i % 25) / 25;
      (data.x.values as Float64Array)[i * 3 + 2] = x2;
      data.y[i] = x2 <= 0.4 ? 10 : 2;
    }
    const result = new RandomForestRegressor({ nEstimators: 3, maxDepth: 1, minSamplesLeaf: 1, bootstrap: false, maxFeatures: 'all' }).fit(data.x, data.y);
    const pred = predictBatch(result.model, data.x.values, 500, 3);
    pred.forEach((p, i) => expect(p).toBeCloseTo(data.y[i]!, 12));
    expect(Array.from(result.featureImportances)).toEqual([0, 0, 1]);
  });

  it('respects minSamplesLeaf (row counts without bootstrap)', () => {
    const result = new RandomForestRegressor({ nEstimators: 5, maxDepth: 12, minSamplesLeaf: 40, bootstrap: false, maxFeatures: 0.5 }).fit(linear.x, linear.y);
    for (const tree of result.model.trees) {
      const counts = new Map<number, number>();
      for (let i = 0; i < linear.x.nRows; i++) {
        const leaf = leafOf(tree, linear.x.values, i * 8);
        counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
      }
      expect(Math.min(...counts.values())).toBeGreaterThanOrEqual(40);
    }
  });

  it('fits pre-binned data with permuted columns exactly as the permuted raw data (Boruta shadows)', () => {
    const random = new SeededRandom(44);
    const order = Int32Array.from({ length: linear.x.nRows }, (_, i) => i);
    random.shuffle(order);
    const n = linear.x.nRows;
    const f = linear.x.nFeatures;
    // Shadow of feature 0 appended as feature 8: raw and binned.
    const raw = new Float64Array(n * (f + 1));
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < f; j++) raw[i * (f + 1) + j] = linear.x.values[i * f + j]!;
      raw[i * (f + 1) + f] = linear.x.values[order[i]! * f]!;
    }
    const base = binFeatures(linear.x);
    const codes = new Uint8Array(n * (f + 1));
    codes.set(base.codes);
    for (let i = 0; i < n; i++) codes[f * n + i] = base.codes[order[i]!]!;
    const shadowBins = base.nBins[0]!;
    const binned: BinnedFeatures = {
      nRows: n,
      nFeatures: f + 1,
      codes,
      nBins: Int32Array.from([...base.nBins, shadowBins]),
      binOffset: Int32Array.from([...base.binOffset, base.totalBins]),
      upperEdges: Float64Array.from([...base.upperEdges, ...base.upperEdges.subarray(0, shadowBins)]),
      totalBins: base.totalBins + shadowBins,
    };
    const rf = new RandomForestRegressor({ nEstimators: 10, maxDepth: 5, seed: 8 });
    const viaRaw = rf.fit({ values: raw, nRows: n, nFeatures: f + 1 }, linear.y);
    const viaBins = rf.fitBinned(binned, linear.y);
    expect(Buffer.from(modelBytes(viaBins.model)).equals(Buffer.from(modelBytes(viaRaw.model)))).toBe(true);
    expect(viaBins.featureImportances[8]!).toBeLessThan(viaBins.featureImportances[0]! / 10);
  });

  it('resolves maxFeatures rules, shares and counts', () => {
    expect(resolveMaxFeatures('all', 60)).toBe(60);
    expect(resolveMaxFeatures('sqrt', 60)).toBe(7);
    expect(resolveMaxFeatures('log2', 60)).toBe(5);
    expect(resolveMaxFeatures('third', 60)).toBe(20);
    expect(resolveMaxFeatures('third', 2)).toBe(1);
    expect(resolveMaxFeatures(0.5, 60)).toBe(30);
    expect(resolveMaxFeatures(12, 60)).toBe(12);
    expect(resolveMaxFeatures(100, 60)).toBe(60);
    expect(() => resolveMaxFeatures(1.5, 60)).toThrow(/maxFeatures/);
    expect(() => new RandomForestRegressor({ maxFeatures: -1 })).toThrow(/maxFeatures/);
  });

  it('gives zero importances, not NaN, when nothing can be split', () => {
    const constant = new Float64Array(linear.x.nRows).fill(1.5);
    const result = new RandomForestRegressor({ nEstimators: 3 }).fit(linear.x, constant);
    expect(Array.from(result.featureImportances)).toEqual(new Array(8).fill(0));
    expect(predictBatch(result.model, linear.x.values, 5, 8).every((p) => Math.abs(p - 1.5) < 1e-12)).toBe(true);
  });
});
