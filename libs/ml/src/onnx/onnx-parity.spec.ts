/** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predictEnsemble, type RegressionTree, type TreeEnsembleModel } from '../trees/tree-ensemble.js';
import { SeededRandom } from '../random/seeded-random.js';
import {
  exportTreeEnsembleToOnnx,
  loadParityRows,
  OnnxTreeModel,
  randomTreeEnsemble,
  type OnnxExportMeta,
  type ParityRows,
} from './index.js';

/**
 * Our own predictor (predictEnsemble) against onnxruntime-node on 10,000 real feature rows from
 * the Binance 4h history of BTC, ETH and SOL: every row within 1e-5, batch and single-row.
 */
const TOLERANCE = 1e-5;

let data: ParityRows;
let nF: number;

const metaFor = (model: TreeEnsembleModel, name: string): OnnxExportMeta => ({
  modelName: name,
  version: '2025.06.30-1',
  featureNames: model.featureNames,
  selectedFeatures: model.featureNames.slice(0, 9),
});

const rowAt = (rows: Float64Array, i: number) => rows.subarray(i * nF, (i + 1) * nF);

/** Largest |ours - onnxruntime| over all rows, batch and single-row. */
async function parity(model: TreeEnsembleModel, rows: Float64Array, nRows: number, singleRows = nRows) {
  const onnxModel = await OnnxTreeModel.load(exportTreeEnsembleToOnnx(model, metaFor(model, 'parity')));
  try {
    const ours = new Float64Array(nRows);
    for (let i = 0; i < nRows; i++) ours[i] = predictEnsemble(model, rowAt(rows, i));
    const batch = await onnxModel.predictBatch(rows, nRows);
    let maxBatch = 0;
    let worstRow = -1;
    for (let i = 0; i < nRows; i++) {
      const d = Math.abs(ours[i]! - batch[i]!);
      if (!(d <= maxBatch)) {
        maxBatch = d;
        worstRow = i;
      }
    }
    let maxSingle = 0;
    for (let i = 0; i < singleRows; i++) {
      const single = await onnxModel.predictOne(rowAt(rows, i));
      const d = Math.abs(ours[i]! - single);
      if (!(d <= maxSingle)) maxSingle = d;
    }
    const spread = Math.max(...ours) - Math.min(...ours);
    return { maxBatch, maxSingle, worstRow, spread };
  } finally {
    await onnxModel.dispose();
  }
}

/** How many (row, split) comparisons on the rows' paths had x exactly equal to the threshold. */
function countThresholdTies(model: TreeEnsembleModel, rows: Float64Array, nRows: number): number {
  // Jest 30 runs specs in a vm context whose global is a Proxy, so a global lookup (Math) inside
  // a hot loop costs a proxy trap each time; take fround once.
  const fround = Math.fround;
  let ties = 0;
  for (let i = 0; i < nRows; i++) {
    const row = rowAt(rows, i);
    for (const tree of model.trees) {
      let node = 0;
      while (tree.feature[node]! >= 0) {
        const x = fround(row[tree.feature[node]!]!);
        if (x === tree.threshold[node]) ties++;
        node = x <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
      }
    }
  }
  return ties;
}

/** Next float32 above a float32 value (positive or negative, non-zero finite). */
function nextFloat32Up(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Int32Array(f.buffer);
  if (x === 0) return 1.401298464324817e-45;
  bits[0]! += x > 0 ? 1 : -1;
  return f[0]!;
}

beforeAll(() => {
  data = loadParityRows();
  nF = data.featureNames.length;
});

describe('ONNX parity on 10,000 real rows (BTC/ETH/SOL 4h features)', () => {
  test('the fixture has 10,000 real rows of 12 finite features', () => {
    expect(data.nRows).toBe(10_000);
    expect(nF).toBe(12);
    expect(data.rows.every(Number.isFinite)).toBe(true);
  });

  test('GBDT-like: 300 trees depth 6, baseScore ≠ 0, weights = learning rate', async () => {
    const model = randomTreeEnsemble({
      seed: 20250630,
      nTrees: 300,
      depth: 6,
      featureNames: data.featureNames,
      kind: 'gbdt',
      baseScore: 0.0017,
      treeWeights: 0.05,
      leafScale: 0.02,
      sample: data.rows.subarray(0, 3000 * nF),
    });
    expect(model.trees.every((t) => t.feature.length === 127)).toBe(true);
    const r = await parity(model, data.rows, data.nRows);
    expect(r.spread).toBeGreaterThan(0.01); // the model does vary over the rows
    expect(r.maxBatch).toBeLessThanOrEqual(TOLERANCE);
    expect(r.maxSingle).toBeLessThanOrEqual(TOLERANCE);
    // Thresholds come from real values, so real rows sit exactly on split points.
    expect(countThresholdTies(model, data.rows, data.nRows)).toBeGreaterThan(1_000);
  }, 120_000);

  test('RF-like: 300 trees depth 6, weights 1/n, baseScore 0', async () => {
    const model = randomTreeEnsemble({
      seed: 7,
      nTrees: 300,
      depth: 6,
      featureNames: data.featureNames,
      kind: 'random_forest',
      leafScale: 0.03,
      sample: data.rows.subarray(5000 * nF, 7000 * nF),
    });
    expect(model.treeWeights[0]).toBeCloseTo(1 / 300, 15);
    const r = await parity(model, data.rows, data.nRows);
    expect(r.maxBatch).toBeLessThanOrEqual(TOLERANCE);
    expect(r.maxSingle).toBeLessThanOrEqual(TOLERANCE);
  }, 120_000);

  test('BRANCH_LEQ: x exactly on a threshold goes left, the next float32 up goes right', async () => {
    // One split per tree at the root, leaves far apart, so a wrong branch is unmissable.
    const rng = new SeededRandom(99);
    const trees: RegressionTree[] = [];
    const probes: number[][] = [];
    for (let t = 0; t < 40; t++) {
      const f = rng.int(nF);
      const base = rowAt(data.rows, rng.int(data.nRows));
      const threshold = Math.fround(base[f]!);
      trees.push({
        feature: Int32Array.of(f, -1, -1),
        threshold: Float64Array.of(threshold, 0, 0),
        left: Int32Array.of(1, -1, -1),
        right: Int32Array.of(2, -1, -1),
        value: Float64Array.of(0, -(t + 1), t + 1),
      });
      const on = Array.from(base);
      on[f] = threshold;
      const above = Array.from(base);
      above[f] = nextFloat32Up(threshold);
      const belowInDouble = Array.from(base);
      // A double just above the threshold that rounds to it in float32 still goes left.
      belowInDouble[f] = threshold + Math.abs(threshold) * 1e-12;
      probes.push(on, above, belowInDouble);
    }
    const model: TreeEnsembleModel = {
      kind: 'gbdt',
      featureNames: data.featureNames,
      baseScore: 0.25,
      trees,
      treeWeights: trees.map(() => 1),
    };
    const onnxModel = await OnnxTreeModel.load(exportTreeEnsembleToOnnx(model, metaFor(model, 'leq')));
    try {
      const flat = Float64Array.from(probes.flat());
      const batch = await onnxModel.predictBatch(flat, probes.length);
      for (let p = 0; p < probes.length; p++) {
        const ours = predictEnsemble(model, probes[p]!);
        expect(Math.abs(ours - batch[p]!)).toBeLessThanOrEqual(TOLERANCE);
        expect(Math.abs(ours - (await onnxModel.predictOne(probes[p]!)))).toBeLessThanOrEqual(TOLERANCE);
      }
      // Direct check of the branch taken, tree by tree, on the probes of tree 0.
      const single = (row: number[]) => predictEnsemble({ ...model, trees: [trees[0]!], treeWeights: [1], baseScore: 0 }, row);
      expect(single(probes[0]!)).toBe(-1);
      expect(single(probes[1]!)).toBe(1);
      expect(single(probes[2]!)).toBe(-1);
    } finally {
      await onnxModel.dispose();
    }
  });

  test('irregular trees stored in shuffled node order match too', async () => {
    const model = randomTreeEnsemble({
      seed: 4242,
      nTrees: 120,
      depth: 8,
      featureNames: data.featureNames,
      kind: 'gbdt',
      baseScore: -0.003,
      treeWeights: Array.from({ length: 120 }, (_, i) => 0.1 * 0.99 ** i),
      earlyLeafProbability: 0.25,
      shuffleNodes: true,
      sample: data.rows.subarray(0, 2000 * nF),
    });
    const sizes = new Set(model.trees.map((t) => t.feature.length));
    expect(sizes.size).toBeGreaterThan(10);
    const r = await parity(model, data.rows, data.nRows, 2_000);
    expect(r.maxBatch).toBeLessThanOrEqual(TOLERANCE);
    expect(r.maxSingle).toBeLessThanOrEqual(TOLERANCE);
  }, 60_000);

  test('a model whose only tree is a single leaf predicts baseScore + weight × leaf', async () => {
    const model: TreeEnsembleModel = {
      kind: 'gbdt',
      featureNames: data.featureNames,
      baseScore: 0.0125,
      trees: [
        {
          feature: Int32Array.of(-1),
          threshold: Float64Array.of(0),
          left: Int32Array.of(-1),
          right: Int32Array.of(-1),
          value: Float64Array.of(0.5),
        },
      ],
      treeWeights: [0.1],
    };
    const onnxModel = await OnnxTreeModel.load(exportTreeEnsembleToOnnx(model, metaFor(model, 'stump')));
    try {
      const batch = await onnxModel.predictBatch(data.rows.subarray(0, 100 * nF), 100);
      for (const v of batch) expect(Math.abs(v - 0.0625)).toBeLessThanOrEqual(TOLERANCE);
      expect(Math.abs((await onnxModel.predictOne(rowAt(data.rows, 0))) - 0.0625)).toBeLessThanOrEqual(TOLERANCE);
    } finally {
      await onnxModel.dispose();
    }
  });

  test('a single-leaf tree mixed with full trees', async () => {
    const full = randomTreeEnsemble({
      seed: 5,
      nTrees: 30,
      depth: 4,
      featureNames: data.featureNames,
      kind: 'random_forest',
      sample: data.rows.subarray(0, 1000 * nF),
    });
    const leaf: RegressionTree = {
      feature: Int32Array.of(-1),
      threshold: Float64Array.of(0),
      left: Int32Array.of(-1),
      right: Int32Array.of(-1),
      value: Float64Array.of(-0.04),
    };
    const trees = [...full.trees.slice(0, 15), leaf, ...full.trees.slice(15)];
    const model: TreeEnsembleModel = { ...full, trees, treeWeights: trees.map(() => 1 / trees.length) };
    const r = await parity(model, data.rows, data.nRows, 500);
    expect(r.maxBatch).toBeLessThanOrEqual(TOLERANCE);
    expect(r.maxSingle).toBeLessThanOrEqual(TOLERANCE);
  });

  test('loading from a file path gives the same predictions as from bytes', async () => {
    const model = randomTreeEnsemble({
      seed: 11,
      nTrees: 50,
      depth: 5,
      featureNames: data.featureNames,
      kind: 'gbdt',
      baseScore: 0.001,
      sample: data.rows.subarray(0, 1000 * nF),
    });
    const bytes = exportTreeEnsembleToOnnx(model, metaFor(model, 'file'));
    const dir = mkdtempSync(join(tmpdir(), 'tm-onnx-'));
    try {
      const path = join(dir, 'model.onnx');
      writeFileSync(path, bytes);
      const [fromFile, fromBytes] = await Promise.all([OnnxTreeModel.load(path), OnnxTreeModel.load(bytes)]);
      const rows = data.rows.subarray(0, 1000 * nF);
      expect(await fromFile.predictBatch(rows, 1000)).toEqual(await fromBytes.predictBatch(rows, 1000));
      expect(fromFile.sha256).toBe(fromBytes.sha256);
      await Promise.all([fromFile.dispose(), fromBytes.dispose()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
