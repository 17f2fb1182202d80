import { GradientBoostedTrees } from './gradient-boosted-trees.js';
import { predictBatch } from './predict-batch.js';
import { RandomForestRegressor } from './random-forest.js';
import { syntheticRegression } from './testing/synthetic-datasets.js';
import { predictEnsemble, type TreeEnsembleModel } from './tree-ensemble.js';

describe('predictBatch', () => {
  const data = syntheticRegression(500, 4, (r) => r[0]! - 3 * r[2]! * r[3]!, { noise: 0.1, seed: 51 });
  const values = Float64Array.from(data.x.values);
  values[3] = NaN;
  values[8] = Infinity;
  values[13] = -Infinity;

  it.each([
    ['gbdt', new GradientBoostedTrees({ nEstimators: 40, maxDepth: 4, rowSubsample: 0.8 }).fit(data.x, data.y).model],
    ['random_forest', new RandomForestRegressor({ nEstimators: 20, maxDepth: 5 }).fit(data.x, data.y).model],
  ])('equals predictEnsemble bit for bit on every row (%s)', (_kind, model) => {
    const batch = predictBatch(model, values, 500, 4);
    for (let i = 0; i < 500; i++) expect(batch[i]).toBe(predictEnsemble(model, values.subarray(i * 4, i * 4 + 4)));
  });

  it('compares features as float32, so a double just above a threshold still goes left', () => {
    const threshold = Math.fround(0.1);
    const model: TreeEnsembleModel = {
      kind: 'gbdt',
      featureNames: ['x'],
      baseScore: 0,
      treeWeights: [1],
      trees: [
        {
          feature: Int32Array.of(0, -1, -1),
          threshold: Float64Array.of(threshold, 0, 0),
          left: Int32Array.of(1, -1, -1),
          right: Int32Array.of(2, -1, -1),
          value: Float64Array.of(0, -1, 1),
        },
      ],
    };
    const justAbove = threshold + 1e-12;
    expect(justAbove).toBeGreaterThan(threshold);
    expect(Array.from(predictBatch(model, [justAbove, threshold, 0.2, NaN], 4, 1))).toEqual([-1, -1, 1, 1]);
  });

  it('refuses rows of the wrong width or length', () => {
    const model = new GradientBoostedTrees({ nEstimators: 1 }).fit(data.x, data.y).model;
    expect(() => predictBatch(model, values, 500, 3)).toThrow(/4 features/);
    expect(() => predictBatch(model, values, 501, 4)).toThrow(/expected/);
  });
});
