import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { rankFeatures } from './feature-importance.js';
import type { FeatureMatrix } from './feature-matrix.js';
import { GradientBoostedTrees, continueBoosting, type GradientBoostingParams } from './gradient-boosted-trees.js';
import { predictBatch } from './predict-batch.js';
import { RandomForestRegressor } from './random-forest.js';
import { float32ThresholdViolations } from './testing/model-assertions.js';
import { modelBytes, pearson } from './testing/synthetic-datasets.js';

const DATA_DIR = process.env.TM_DATA_DIR ?? fileURLToPath(new URL('../../../../../shared/data/', import.meta.url));
const HORIZON = 6;
const LOOKBACK = 24;
const FEATURES = ['ret_1', 'ret_3', 'ret_6', 'ret_12', 'ret_24', 'vol_6', 'vol_24', 'vol_ratio', 'range', 'volume_z_24'];

/** Binance BTCUSDT 4h bars: features from bars ≤ t only, target = log(close[t+6] / close[t]). */
function loadBtcDataset(): { x: FeatureMatrix; y: Float64Array } {
  const lines = readFileSync(join(DATA_DIR, 'binance_BTCUSDT_4h.csv'), 'utf8').trim().split('\n').slice(1);
  const n = lines.length;
  const high = new Float64Array(n);
  const low = new Float64Array(n);
  const close = new Float64Array(n);
  const volume = new Float64Array(n);
  lines.forEach((line, i) => {
    const cells = line.split(',');
    high[i] = Number(cells[2]);
    low[i] = Number(cells[3]);
    close[i] = Number(cells[4]);
    volume[i] = Number(cells[5]);
  });
  const r1 = new Float64Array(n);
  for (let t = 1; t < n; t++) r1[t] = Math.log(close[t]! / close[t - 1]!);
  const std = (a: Float64Array, t: number, w: number) => {
    let m = 0;
    for (let k = t - w + 1; k <= t; k++) m += a[k]!;
    m /= w;
    let s = 0;
    for (let k = t - w + 1; k <= t; k++) s += (a[k]! - m) ** 2;
    return Math.sqrt(s / (w - 1));
  };
  const first = LOOKBACK;
  const last = n - 1 - HORIZON;
  const nRows = last - first + 1;
  const nFeatures = FEATURES.length;
  const values = new Float64Array(nRows * nFeatures);
  const y = new Float64Array(nRows);
  for (let t = first; t <= last; t++) {
    const row = (t - first) * nFeatures;
    const vol6 = std(r1, t, 6);
    const vol24 = std(r1, t, 24);
    let vMean = 0;
    for (let k = t - 23; k <= t; k++) vMean += volume[k]!;
    vMean /= 24;
    values.set(
      [
        r1[t]!,
        Math.log(close[t]! / close[t - 3]!),
        Math.log(close[t]! / close[t - 6]!),
        Math.log(close[t]! / close[t - 12]!),
        Math.log(close[t]! / close[t - 24]!),
        vol6,
        vol24,
        vol6 / vol24,
        Math.log(high[t]! / low[t]!),
        (volume[t]! - vMean) / std(volume, t, 24),
      ],
      row,
    );
    y[t - first] = Math.log(close[t + HORIZON]! / close[t]!);
  }
  return { x: { values, nRows, nFeatures, featureNames: FEATURES }, y };
}

function rows(x: FeatureMatrix, y: Float64Array, first: number, n: number): { x: FeatureMatrix; y: Float64Array } {
  const f = x.nFeatures;
  return {
    x: { values: (x.values as Float64Array).subarray(first * f, (first + n) * f), nRows: n, nFeatures: f, featureNames: FEATURES },
    y: y.subarray(first, first + n),
  };
}

describe('tree ensembles on Binance BTCUSDT 4h (real data)', () => {
  const data = loadBtcDataset();
  const nTrain = Math.floor(0.7 * data.x.nRows);
  // Labels look HORIZON bars ahead: skip that many rows so no test label overlaps a training one.
  const testStart = nTrain + HORIZON;
  const train = rows(data.x, data.y, 0, nTrain);
  const test = rows(data.x, data.y, testStart, data.x.nRows - testStart);
  const params: Partial<GradientBoostingParams> = {
    nEstimators: 300,
    learningRate: 0.03,
    maxDepth: 3,
    minSamplesLeaf: 100,
    colSubsample: 0.8,
    l2: 10,
    seed: 7,
  };

  it('fits a GBDT with a falling training loss, finite deterministic predictions, and reports out-of-sample IC', () => {
    const a = new GradientBoostedTrees(params).fit(train.x, train.y);
    const b = new GradientBoostedTrees(params).fit(train.x, train.y);
    expect(Buffer.from(modelBytes(a.model)).equals(Buffer.from(modelBytes(b.model)))).toBe(true);

    const loss = a.history.trainLoss;
    for (let k = 1; k < loss.length; k++) expect(loss[k]!).toBeLessThanOrEqual(loss[k - 1]! + 1e-18);
    expect(loss[loss.length - 1]!).toBeLessThan(loss[0]!);

    const pred = predictBatch(a.model, test.x.values, test.x.nRows, test.x.nFeatures);
    expect(pred.every(Number.isFinite)).toBe(true);
    expect(Array.from(predictBatch(b.model, test.x.values, test.x.nRows, test.x.nFeatures))).toEqual(Array.from(pred));
    expect(float32ThresholdViolations(a.model)).toEqual([]);

    const ic = pearson(pred, test.y);
    expect(Number.isFinite(ic)).toBe(true);
    const top = rankFeatures(a.model.featureNames, a.featureImportances).slice(0, 4);
    console.log(
      `BTC 4h GBDT: train ${nTrain} rows, test ${test.x.nRows} rows, out-of-sample IC ${ic.toFixed(4)}; ` +
        `train MSE ${loss[0]!.toExponential(3)} → ${loss[loss.length - 1]!.toExponential(3)}; ` +
        `top features ${top.map((t) => `${t.name} ${t.importance.toFixed(3)}`).join(', ')}`,
    );
  });

  it('early-stops on the latest training rows and reports IC; transfer vs scratch on the last stretch', () => {
    const stopped = new GradientBoostedTrees({ ...params, rowSubsample: 0.8, earlyStopping: { validationFraction: 0.2, patience: 40 } }).fit(train.x, train.y);
    const h = stopped.history;
    expect(h.validLoss[h.bestIteration]).toBe(Math.min(...h.validLoss));
    expect(stopped.model.trees).toHaveLength(h.bestIteration);
    const icStopped = pearson(predictBatch(stopped.model, test.x.values, test.x.nRows, 10), test.y);

    // Weekly-update shape: production on the first 50%, new trees on the next 20%.
    const nBase = Math.floor(0.5 * data.x.nRows);
    const base = new GradientBoostedTrees(params).fit(rows(data.x, data.y, 0, nBase).x, data.y.subarray(0, nBase));
    const recent = rows(data.x, data.y, nBase + HORIZON, nTrain - nBase - HORIZON);
    const transferred = continueBoosting(base.model, recent.x, recent.y, { ...params, nEstimators: 150, earlyStopping: { validationFraction: 0.25, patience: 30 } });
    expect(transferred.model.trees.slice(0, base.model.trees.length)).toEqual(base.model.trees);
    const icTransfer = pearson(predictBatch(transferred.model, test.x.values, test.x.nRows, 10), test.y);
    const icBase = pearson(predictBatch(base.model, test.x.values, test.x.nRows, 10), test.y);
    expect([icStopped, icTransfer, icBase].every(Number.isFinite)).toBe(true);
    console.log(
      `BTC 4h GBDT early-stopped at ${h.bestIteration}/${h.iterationsRun} trees: out-of-sample IC ${icStopped.toFixed(4)}; ` +
        `base (first 50%) IC ${icBase.toFixed(4)}, + ${transferred.history.bestIteration} transferred trees IC ${icTransfer.toFixed(4)}`,
    );
  });

  it('fits a random forest and reports its out-of-sample IC and importances', () => {
    const rf = new RandomForestRegressor({ nEstimators: 100, maxDepth: 6, minSamplesLeaf: 50, seed: 7 }).fit(train.x, train.y);
    const pred = predictBatch(rf.model, test.x.values, test.x.nRows, 10);
    expect(pred.every(Number.isFinite)).toBe(true);
    expect(rf.featureImportances.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    const ic = pearson(pred, test.y);
    const top = rankFeatures(rf.model.featureNames, rf.featureImportances).slice(0, 4);
    console.log(`BTC 4h RF: out-of-sample IC ${ic.toFixed(4)}; top features ${top.map((t) => `${t.name} ${t.importance.toFixed(3)}`).join(', ')}`);
  });
});
