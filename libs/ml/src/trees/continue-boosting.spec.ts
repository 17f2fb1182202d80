import { GradientBoostedTrees, continueBoosting } from './gradient-boosted-trees.js';
import { predictBatch } from './predict-batch.js';
import { RandomForestRegressor } from './random-forest.js';
import { float32ThresholdViolations } from './testing/model-assertions.js';
import { meanSquaredError, modelBytes, syntheticRegression } from './testing/synthetic-datasets.js';
import type { TreeEnsembleModel } from './tree-ensemble.js';

// Last year's relationship, then this week's data where x2 has started to matter.
const before = syntheticRegression(3_000, 5, (r) => 2 * r[0]! - r[1]!, { noise: 0.2, seed: 31 });
const after = syntheticRegression(1_500, 5, (r) => 2 * r[0]! - r[1]! + 1.5 * r[2]!, { noise: 0.2, seed: 32 });
const production = new GradientBoostedTrees({ nEstimators: 150, learningRate: 0.1, maxDepth: 3 }).fit(before.x, before.y).model;
const transferParams = { nEstimators: 200, learningRate: 0.1, maxDepth: 3, earlyStopping: { validationFraction: 0.25, patience: 20 } };

function loss(model: TreeEnsembleModel, first: number, n: number): number {
  const f = after.x.nFeatures;
  const values = (after.x.values as Float64Array).subarray(first * f, (first + n) * f);
  return meanSquaredError(after.y.subarray(first, first + n), predictBatch(model, values, n, f));
}

describe('continueBoosting', () => {
  const productionBytes = modelBytes(production);
  const result = continueBoosting(production, after.x, after.y, transferParams);

  it('keeps every existing tree, its weight and the base score unchanged, then appends', () => {
    const model = result.model;
    expect(model.kind).toBe('gbdt');
    expect(model.baseScore).toBe(production.baseScore);
    expect(model.trees.length).toBe(production.trees.length + result.history.bestIteration);
    expect(model.treeWeights.slice(0, 150)).toEqual(production.treeWeights);
    const prefix: TreeEnsembleModel = { ...model, trees: model.trees.slice(0, 150), treeWeights: model.treeWeights.slice(0, 150) };
    expect(Buffer.from(modelBytes(prefix)).equals(Buffer.from(productionBytes))).toBe(true);
    expect(model.treeWeights.slice(150)).toEqual(new Array(result.history.bestIteration).fill(0.1));
    expect(float32ThresholdViolations(model)).toEqual([]);
  });

  it('leaves the input model untouched', () => {
    expect(Buffer.from(modelBytes(production)).equals(Buffer.from(productionBytes))).toBe(true);
    expect(production.trees).toHaveLength(150);
  });

  it('lowers the loss on the new data, on its training rows and on the held-out tail', () => {
    const { history } = result;
    expect(history.bestIteration).toBeGreaterThan(0);
    expect(history.trainLoss[0]).toBeCloseTo(loss(production, 0, 1_125), 12);
    expect(history.validLoss[0]).toBeCloseTo(loss(production, 1_125, 375), 12);
    expect(loss(result.model, 1_125, 375)).toBeLessThan(0.6 * loss(production, 1_125, 375));
    expect(loss(result.model, 0, 1_125)).toBeLessThan(loss(production, 0, 1_125));
    // The drift is in x2: the new trees should say so.
    expect(result.featureImportances[2]!).toBeGreaterThan(0.5);
  });

  it('defaults the learning rate to the weight of the last existing tree', () => {
    const r = continueBoosting(production, after.x, after.y, { nEstimators: 3, learningRate: undefined as unknown as number });
    expect(r.model.treeWeights.slice(150)).toEqual([0.1, 0.1, 0.1]);
    const implicit = continueBoosting(production, after.x, after.y, { nEstimators: 3 });
    expect(implicit.model.treeWeights.slice(150)).toEqual([0.1, 0.1, 0.1]);
  });

  it('is deterministic for a seed', () => {
    const params = { ...transferParams, rowSubsample: 0.7, colSubsample: 0.8, seed: 5 };
    const a = continueBoosting(production, after.x, after.y, params);
    const b = continueBoosting(production, after.x, after.y, params);
    expect(Buffer.from(modelBytes(a.model)).equals(Buffer.from(modelBytes(b.model)))).toBe(true);
  });

  it('appends nothing when no new tree beats the existing model on validation', () => {
    // Same relationship as the production data, and a learning rate that overshoots at once.
    const same = syntheticRegression(800, 5, (r) => 2 * r[0]! - r[1]!, { noise: 0.2, seed: 33 });
    const r = continueBoosting(production, same.x, same.y, {
      nEstimators: 30,
      learningRate: 1,
      maxDepth: 8,
      minSamplesLeaf: 1,
      l2: 0,
      earlyStopping: { validationFraction: 0.3, patience: 5 },
    });
    expect(r.history.bestIteration).toBe(0);
    expect(r.model.trees).toHaveLength(150);
  });

  it('refuses a random forest or data of another width', () => {
    const rf = new RandomForestRegressor({ nEstimators: 2 }).fit(before.x, before.y).model;
    expect(() => continueBoosting(rf, after.x, after.y)).toThrow(/gbdt/);
    const narrow = { values: after.x.values, nRows: 100, nFeatures: 4 };
    expect(() => continueBoosting(production, narrow, after.y.subarray(0, 100))).toThrow(/features/);
  });
});
