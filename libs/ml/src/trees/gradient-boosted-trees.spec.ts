import type { FeatureMatrix } from './feature-matrix.js';
import { GradientBoostedTrees, type GradientBoostingResult } from './gradient-boosted-trees.js';
import { predictBatch } from './predict-batch.js';
import { float32ThresholdViolations, treeStructureErrors } from './testing/model-assertions.js';
import { leafOf, meanSquaredError, modelBytes, rSquared, syntheticRegression, type RegressionDataset } from './testing/synthetic-datasets.js';

function predict(result: GradientBoostingResult, x: FeatureMatrix): Float64Array {
  return predictBatch(result.model, x.values, x.nRows, x.nFeatures);
}

function expectWellFormed(result: GradientBoostingResult): void {
  expect(float32ThresholdViolations(result.model)).toEqual([]);
  expect(treeStructureErrors(result.model)).toEqual([]);
}

const linear = (r: Float64Array) => 2 * r[0]! - r[1]!;

describe('GradientBoostedTrees on functions with a known answer', () => {
  it('recovers a step function exactly with one stump', () => {
    // 20 distinct x0 values, so each has its own bin and the step lies on a bin edge.
    const data = syntheticRegression(400, 3, () => 0);
    for (let i = 0; i < 400; i++) {
      const x0 = (i % 20) / 20;
      (data.x.values as Float64Array)[i * 3] = x0;
      data.y[i] = x0 > 0.5 ? 3 : -1;
    }
    const result = new GradientBoostedTrees({ nEstimators: 1, learningRate: 1, maxDepth: 1, l2: 0, minSamplesLeaf: 1 }).fit(data.x, data.y);
    const tree = result.model.trees[0]!;
    expect(tree.feature[0]).toBe(0);
    expect(tree.threshold[0]).toBeGreaterThanOrEqual(0.5);
    expect(tree.threshold[0]).toBeLessThan(0.55);
    const pred = predict(result, data.x);
    pred.forEach((p, i) => expect(p).toBeCloseTo(data.y[i]!, 12));
    expectWellFormed(result);
  });

  it('recovers a two-step staircase with one depth-2 tree', () => {
    const data = syntheticRegression(600, 2, () => 0, { seed: 5 });
    for (let i = 0; i < 600; i++) {
      const x1 = (i % 30) / 30;
      (data.x.values as Float64Array)[i * 2 + 1] = x1;
      data.y[i] = x1 < 0.3 ? 0 : x1 < 0.7 ? 1 : 4;
    }
    const result = new GradientBoostedTrees({ nEstimators: 1, learningRate: 1, maxDepth: 2, l2: 0, minSamplesLeaf: 1 }).fit(data.x, data.y);
    const pred = predict(result, data.x);
    pred.forEach((p, i) => expect(p).toBeCloseTo(data.y[i]!, 12));
    const tree = result.model.trees[0]!;
    expect(Array.from(tree.feature).filter((f) => f >= 0)).toEqual([1, 1]);
  });

  it('fits y = 2·x0 − x1 + noise and ranks x0 > x1 > noise features', () => {
    const data = syntheticRegression(5_000, 6, linear, { noise: 0.1, seed: 11 });
    const train = rowsView(data, 0, 4_000);
    const test = rowsView(data, 4_000, 1_000);
    const result = new GradientBoostedTrees({ nEstimators: 300, learningRate: 0.1, maxDepth: 3 }).fit(train.x, train.y);
    // The noise caps R² near 1 − 0.01 / (5 / 12) ≈ 0.976.
    expect(rSquared(test.y, predict(result, test.x))).toBeGreaterThan(0.93);
    const imp = result.featureImportances;
    expect(imp[0]!).toBeGreaterThan(imp[1]!);
    expect(imp[1]!).toBeGreaterThan(Math.max(imp[2]!, imp[3]!, imp[4]!, imp[5]!));
    expect(imp.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(result.model.kind).toBe('gbdt');
    expect(result.model.featureNames).toEqual(['f0', 'f1', 'f2', 'f3', 'f4', 'f5']);
    expect(result.model.treeWeights).toEqual(new Array(300).fill(0.1));
    expect(result.model.baseScore).toBeCloseTo(train.y.reduce((a, b) => a + b, 0) / train.y.length, 12);
    expectWellFormed(result);
  });

  it('needs depth 2 for an interaction x0·x1: stumps cannot see it', () => {
    const data = syntheticRegression(6_000, 4, (r) => r[0]! * r[1]!, { noise: 0.05, seed: 13, low: -1, high: 1 });
    const train = rowsView(data, 0, 5_000);
    const test = rowsView(data, 5_000, 1_000);
    const params = { nEstimators: 300, learningRate: 0.1, minSamplesLeaf: 10 };
    const stumps = new GradientBoostedTrees({ ...params, maxDepth: 1 }).fit(train.x, train.y);
    const depth2 = new GradientBoostedTrees({ ...params, maxDepth: 2 }).fit(train.x, train.y);
    expect(rSquared(test.y, predict(stumps, test.x))).toBeLessThan(0.05);
    expect(rSquared(test.y, predict(depth2, test.x))).toBeGreaterThan(0.8);
  });
});

describe('GradientBoostedTrees determinism', () => {
  const data = syntheticRegression(2_000, 8, linear, { noise: 0.3, seed: 17 });
  const params = { nEstimators: 60, rowSubsample: 0.7, colSubsample: 0.6, maxDepth: 4, learningRate: 0.1 };

  it('gives a byte-identical model and history for the same seed', () => {
    const a = new GradientBoostedTrees({ ...params, seed: 1 }).fit(data.x, data.y);
    const b = new GradientBoostedTrees({ ...params, seed: 1 }).fit(data.x, data.y);
    expect(Buffer.from(modelBytes(a.model)).equals(Buffer.from(modelBytes(b.model)))).toBe(true);
    expect(b.history).toEqual(a.history);
    expect(Array.from(b.featureImportances)).toEqual(Array.from(a.featureImportances));
  });

  it('gives a different model for a different seed when subsampling', () => {
    const a = new GradientBoostedTrees({ ...params, seed: 1 }).fit(data.x, data.y);
    const b = new GradientBoostedTrees({ ...params, seed: 2 }).fit(data.x, data.y);
    expect(Buffer.from(modelBytes(a.model)).equals(Buffer.from(modelBytes(b.model)))).toBe(false);
  });
});

describe('GradientBoostedTrees training history and early stopping', () => {
  // Weak signal, heavy noise, deep unregularised trees: validation loss turns up quickly.
  const data = syntheticRegression(3_000, 5, (r) => r[0]!, { noise: 1, seed: 19 });
  const overfitting = { nEstimators: 400, learningRate: 0.3, maxDepth: 6, minSamplesLeaf: 1, l2: 0 };

  it('keeps the iteration with the lowest loss on the held-out tail', () => {
    const patience = 10;
    const result = new GradientBoostedTrees({ ...overfitting, earlyStopping: { validationFraction: 0.25, patience } }).fit(data.x, data.y);
    const { history } = result;
    expect(history.nTrainRows).toBe(2_250);
    expect(history.nValidRows).toBe(750);
    expect(history.stoppedEarly).toBe(true);
    expect(history.validLoss).toHaveLength(history.iterationsRun + 1);
    expect(history.trainLoss).toHaveLength(history.iterationsRun + 1);
    const best = history.validLoss.indexOf(Math.min(...history.validLoss));
    expect(history.bestIteration).toBe(best);
    expect(history.iterationsRun).toBe(best + patience);
    expect(result.model.trees).toHaveLength(best);
    expect(best).toBeGreaterThan(0);
    expect(best).toBeLessThan(100);

    const tail = rowsView(data, 2_250, 750);
    expect(meanSquaredError(tail.y, predict(result, tail.x))).toBeCloseTo(history.validLoss[best]!, 12);
    // The hold-out is the tail, not used for bins or trees: the training rows' loss is tracked separately.
    const head = rowsView(data, 0, 2_250);
    expect(meanSquaredError(head.y, predict(result, head.x))).toBe(history.trainLoss[best]);
  });

  it('uses an explicit validation set and trains on every input row', () => {
    const train = rowsView(data, 0, 2_000);
    const valid = rowsView(data, 2_000, 1_000);
    const result = new GradientBoostedTrees({ ...overfitting, earlyStopping: { validation: valid, patience: 5 } }).fit(train.x, train.y);
    expect(result.history.nTrainRows).toBe(2_000);
    expect(result.history.nValidRows).toBe(1_000);
    const best = result.history.bestIteration;
    expect(result.history.validLoss[best]).toBe(Math.min(...result.history.validLoss));
    expect(meanSquaredError(valid.y, predict(result, valid.x))).toBeCloseTo(result.history.validLoss[best]!, 12);
  });

  it('tracks a training loss that never rises without row subsampling (each leaf step is a damped Newton step)', () => {
    const result = new GradientBoostedTrees({ nEstimators: 100, learningRate: 0.2, maxDepth: 4, colSubsample: 0.5 }).fit(data.x, data.y);
    const loss = result.history.trainLoss;
    expect(loss).toHaveLength(101);
    for (let k = 1; k < loss.length; k++) expect(loss[k]!).toBeLessThanOrEqual(loss[k - 1]! + 1e-15);
    expect(loss[100]!).toBeLessThan(loss[0]!);
    expect(result.history.bestIteration).toBe(100);
    expect(result.history.validLoss).toEqual([]);
  });

  it('routes training rows through bins exactly as predictBatch does through float32 thresholds', () => {
    // Raw doubles (not float32) exercise the Math.fround in both paths; equal losses bit for bit.
    const result = new GradientBoostedTrees({ nEstimators: 50, maxDepth: 5, rowSubsample: 0.5 }).fit(data.x, data.y);
    expect(meanSquaredError(data.y, predict(result, data.x))).toBe(result.history.trainLoss[50]);
  });
});

describe('GradientBoostedTrees regularisation', () => {
  const data = syntheticRegression(1_000, 3, (r) => 4 * r[0]! + Math.sin(8 * r[1]!), { noise: 0.5, seed: 23 });

  it('minSamplesLeaf bounds the training rows in every leaf', () => {
    const constrained = new GradientBoostedTrees({ nEstimators: 20, maxDepth: 8, minSamplesLeaf: 50 }).fit(data.x, data.y);
    const free = new GradientBoostedTrees({ nEstimators: 20, maxDepth: 8, minSamplesLeaf: 1 }).fit(data.x, data.y);
    expect(smallestLeaf(constrained, data)).toBeGreaterThanOrEqual(50);
    expect(smallestLeaf(free, data)).toBeLessThan(50);
  });

  it('minSamplesLeaf above half the rows leaves every tree a single leaf', () => {
    const result = new GradientBoostedTrees({ nEstimators: 3, minSamplesLeaf: 501 }).fit(data.x, data.y);
    for (const tree of result.model.trees) expect(Array.from(tree.feature)).toEqual([-1]);
    expect(Array.from(result.featureImportances)).toEqual([0, 0, 0]);
  });

  it.each([0, 25, 1_000])('l2 = %d shrinks each leaf to Σresidual / (n + λ)', (l2) => {
    const result = new GradientBoostedTrees({ nEstimators: 1, learningRate: 1, maxDepth: 2, l2 }).fit(data.x, data.y);
    const tree = result.model.trees[0]!;
    const sums = new Map<number, { sum: number; n: number }>();
    for (let i = 0; i < data.x.nRows; i++) {
      const leaf = leafOf(tree, data.x.values, i * 3);
      const s = sums.get(leaf) ?? { sum: 0, n: 0 };
      s.sum += data.y[i]! - result.model.baseScore;
      s.n += 1;
      sums.set(leaf, s);
    }
    expect(sums.size).toBe(4);
    for (const [leaf, { sum, n }] of sums) expect(tree.value[leaf]).toBeCloseTo(sum / (n + l2), 12);
  });

  it('l2 shrinks the predictions of the same number of trees towards the mean', () => {
    const spread = (l2: number) => {
      const pred = predict(new GradientBoostedTrees({ nEstimators: 5, learningRate: 0.5, maxDepth: 3, l2 }).fit(data.x, data.y), data.x);
      return Math.max(...pred) - Math.min(...pred);
    };
    expect(spread(1_000)).toBeLessThan(spread(0) / 2);
  });
});

describe('GradientBoostedTrees input checks', () => {
  const data = syntheticRegression(50, 2, linear);

  it('refuses non-finite targets and bad parameters with the name of the culprit', () => {
    const y = data.y.slice();
    y[7] = NaN;
    expect(() => new GradientBoostedTrees().fit(data.x, y)).toThrow(/y\[7\]/);
    expect(() => new GradientBoostedTrees({ learningRate: 0 })).toThrow(/learningRate/);
    expect(() => new GradientBoostedTrees({ rowSubsample: 1.5 })).toThrow(/rowSubsample/);
    expect(() => new GradientBoostedTrees({ minSamplesLeaf: 0 })).toThrow(/minSamplesLeaf/);
    expect(() => new GradientBoostedTrees({ earlyStopping: { patience: 0 } })).toThrow(/patience/);
    expect(() => new GradientBoostedTrees({ maxBins: 300 }).fit(data.x, data.y)).toThrow(/maxBins/);
  });

  it('takes feature names from the matrix', () => {
    const named = { ...data.x, featureNames: ['ret_1', 'vol_24'] };
    expect(new GradientBoostedTrees({ nEstimators: 2 }).fit(named, data.y).model.featureNames).toEqual(['ret_1', 'vol_24']);
  });

  it('accepts NaN features: they go right at every split, in training as in prediction', () => {
    const values = Float64Array.from(data.x.values);
    for (let i = 0; i < 50; i += 5) values[i * 2] = NaN;
    const x = { ...data.x, values };
    const result = new GradientBoostedTrees({ nEstimators: 10, minSamplesLeaf: 2, learningRate: 0.3 }).fit(x, data.y);
    expect(meanSquaredError(data.y, predict(result, x))).toBe(result.history.trainLoss[10]);
  });
});

function rowsView(data: RegressionDataset, first: number, n: number): RegressionDataset {
  const f = data.x.nFeatures;
  const values = (data.x.values as Float64Array).subarray(first * f, (first + n) * f);
  return { x: { values, nRows: n, nFeatures: f }, y: data.y.subarray(first, first + n) };
}

function smallestLeaf(result: GradientBoostingResult, data: RegressionDataset): number {
  let smallest = Infinity;
  for (const tree of result.model.trees) {
    const counts = new Map<number, number>();
    for (let i = 0; i < data.x.nRows; i++) {
      const leaf = leafOf(tree, data.x.values, i * data.x.nFeatures);
      counts.set(leaf, (counts.get(leaf) ?? 0) + 1);
    }
    smallest = Math.min(smallest, ...counts.values());
  }
  return smallest;
}
