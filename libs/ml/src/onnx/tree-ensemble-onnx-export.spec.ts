/** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs */
import type { RegressionTree, TreeEnsembleModel } from '../trees/tree-ensemble.js';
import { exportTreeEnsembleToOnnx, OnnxExportError, randomTreeEnsemble, type OnnxExportMeta } from './index.js';
import { decodeModel, fromUtf8, int64ToNumber, type IAttributeProto } from './onnx-proto.js';

const NAMES = ['a', 'b', 'c'];

/** A stump on b <= 0.5 whose left leaf is stored last. */
const tree: RegressionTree = {
  feature: Int32Array.of(1, -1, -1),
  threshold: Float64Array.of(0.5, 0, 0),
  left: Int32Array.of(2, -1, -1),
  right: Int32Array.of(1, -1, -1),
  value: Float64Array.of(0, 3, 1),
};
/** b <= 0.5 ? (a <= -1.25 ? 0.1 : 0.2) : 0.3, stored out of order. */
const deep: RegressionTree = {
  feature: Int32Array.of(1, -1, -1, -1, 0),
  threshold: Float64Array.of(0.5, 0, 0, 0, -1.25),
  left: Int32Array.of(4, -1, -1, -1, 2),
  right: Int32Array.of(1, -1, -1, -1, 3),
  value: Float64Array.of(0, 0.3, 0.1, 0.2, 0),
};

const model: TreeEnsembleModel = { kind: 'gbdt', featureNames: NAMES, baseScore: 0.01, trees: [tree, deep], treeWeights: [0.1, 0.3] };
const META: OnnxExportMeta = { modelName: 'm', version: 'v1', featureNames: NAMES, selectedFeatures: ['a', 'b'] };

function attributes(bytes: Uint8Array): Map<string, IAttributeProto> {
  const node = decodeModel(bytes).graph!.node![0]!;
  return new Map((node.attribute ?? []).map((a) => [a.name!, a]));
}
const ints = (a: Map<string, IAttributeProto>, name: string) => (a.get(name)?.ints ?? []).map((v) => int64ToNumber(v));
const floats = (a: Map<string, IAttributeProto>, name: string) => a.get(name)?.floats ?? [];

describe('exportTreeEnsembleToOnnx: the TreeEnsembleRegressor attributes', () => {
  const a = attributes(exportTreeEnsembleToOnnx(model, META));

  test('node ids start at 0 and increase by 1 within each tree; roots first', () => {
    expect(ints(a, 'nodes_treeids')).toEqual([0, 0, 0, 1, 1, 1, 1, 1]);
    expect(ints(a, 'nodes_nodeids')).toEqual([0, 1, 2, 0, 1, 2, 3, 4]);
  });

  test('pre-order renumbering keeps every split, child and leaf; true = x <= threshold = left', () => {
    const modes = (a.get('nodes_modes')?.strings ?? []).map((s) => fromUtf8(s));
    // tree 0: split (old 0), left leaf (old 2), right leaf (old 1).
    // tree 1: split b (old 0), split a (old 4), leaf old 2, leaf old 3, leaf old 1.
    expect(modes).toEqual(['BRANCH_LEQ', 'LEAF', 'LEAF', 'BRANCH_LEQ', 'BRANCH_LEQ', 'LEAF', 'LEAF', 'LEAF']);
    expect(ints(a, 'nodes_featureids')).toEqual([1, 0, 0, 1, 0, 0, 0, 0]);
    expect(floats(a, 'nodes_values')).toEqual([0.5, 0, 0, 0.5, -1.25, 0, 0, 0]);
    expect(ints(a, 'nodes_truenodeids')).toEqual([1, 0, 0, 1, 2, 0, 0, 0]);
    expect(ints(a, 'nodes_falsenodeids')).toEqual([2, 0, 0, 4, 3, 0, 0, 0]);
  });

  test('targets: one per leaf, weight = treeWeight × leaf value (as float32), base value, SUM', () => {
    expect(ints(a, 'target_treeids')).toEqual([0, 0, 1, 1, 1]);
    expect(ints(a, 'target_nodeids')).toEqual([1, 2, 2, 3, 4]);
    expect(floats(a, 'target_weights')).toEqual([0.1 * 1, 0.1 * 3, 0.3 * 0.1, 0.3 * 0.2, 0.3 * 0.3].map(Math.fround));
    expect(ints(a, 'target_ids').every((v) => v === 0)).toBe(true);
    expect(floats(a, 'base_values')).toEqual([Math.fround(0.01)]);
    expect(fromUtf8(a.get('aggregate_function')?.s)).toBe('SUM');
    expect(fromUtf8(a.get('post_transform')?.s)).toBe('NONE');
    expect(int64ToNumber(a.get('n_targets')?.i)).toBe(1);
  });

  test('input features [N, 3] float, output prediction [N, 1] float', () => {
    const g = decodeModel(exportTreeEnsembleToOnnx(model, META)).graph!;
    const dims = (v: typeof g.input) =>
      v![0]!.type!.tensorType!.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : int64ToNumber(d.dimValue)));
    expect(g.input![0]!.name).toBe('features');
    expect(dims(g.input)).toEqual(['N', 3]);
    expect(g.output![0]!.name).toBe('prediction');
    expect(dims(g.output)).toEqual(['N', 1]);
    expect(g.input![0]!.type!.tensorType!.elemType).toBe(1); // FLOAT
  });

  test('a 300 × depth-6 ensemble exports 38,100 nodes and 19,200 leaves', () => {
    const big = randomTreeEnsemble({ seed: 1, nTrees: 300, depth: 6, featureNames: NAMES, kind: 'random_forest' });
    const b = attributes(exportTreeEnsembleToOnnx(big, { ...META }));
    expect(ints(b, 'nodes_nodeids')).toHaveLength(300 * 127);
    expect(ints(b, 'target_nodeids')).toHaveLength(300 * 64);
  });
});

describe('exportTreeEnsembleToOnnx refuses what it cannot express faithfully', () => {
  const withTree = (t: Partial<RegressionTree>): TreeEnsembleModel => ({ ...model, trees: [{ ...deep, ...t }], treeWeights: [1] });
  const cases: [string, TreeEnsembleModel, OnnxExportMeta, RegExp][] = [
    ['a threshold that is not float32', withTree({ threshold: Float64Array.of(0.1, 0, 0, 0, -1.25) }), META, /not a finite float32/],
    ['a NaN threshold', withTree({ threshold: Float64Array.of(Number.NaN, 0, 0, 0, -1.25) }), META, /float32/],
    ['a feature index beyond the names', withTree({ feature: Int32Array.of(3, -1, -1, -1, 0) }), META, /feature index 3/],
    ['a child out of range', withTree({ left: Int32Array.of(9, -1, -1, -1, 2) }), META, /out of range/],
    ['a cycle', withTree({ left: Int32Array.of(4, -1, -1, -1, 0) }), META, /reached twice/],
    ['a shared child', withTree({ left: Int32Array.of(4, -1, -1, -1, 1) }), META, /reached twice/],
    ['an infinite leaf', withTree({ value: Float64Array.of(0, Infinity, 0, 0, 0) }), META, /not finite/],
    ['arrays of different lengths', withTree({ value: Float64Array.of(0, 1) }), META, /lengths differ/],
    ['no trees', { ...model, trees: [], treeWeights: [] }, META, /no trees/],
    ['weights ≠ trees', { ...model, treeWeights: [1] }, META, /treeWeights/],
    ['NaN baseScore', { ...model, baseScore: Number.NaN }, META, /baseScore/],
    ['feature names that differ from the model', model, { ...META, featureNames: ['a', 'c', 'b'] }, /featureNames/],
    ['fewer feature names', model, { ...META, featureNames: ['a', 'b'] }, /featureNames/],
    ['a reserved extra key', model, { ...META, extra: { 'tm.kind': 'x' } }, /reserved/],
    ['an empty model name', model, { ...META, modelName: '' }, /modelName/],
    ['duplicate selected features', model, { ...META, selectedFeatures: ['a', 'a'] }, /duplicates/],
  ];
  test.each(cases)('%s', (_label, m, meta, message) => {
    expect(() => exportTreeEnsembleToOnnx(m, meta)).toThrow(OnnxExportError);
    expect(() => exportTreeEnsembleToOnnx(m, meta)).toThrow(message);
  });

  test('unreachable nodes are dropped, not exported', () => {
    const withOrphan: RegressionTree = {
      feature: Int32Array.of(0, -1, -1, 2),
      threshold: Float64Array.of(0.25, 0, 0, 7),
      left: Int32Array.of(1, -1, -1, 1),
      right: Int32Array.of(2, -1, -1, 2),
      value: Float64Array.of(0, 1, 2, 0),
    };
    const a = attributes(exportTreeEnsembleToOnnx({ ...model, trees: [withOrphan], treeWeights: [1] }, META));
    expect(ints(a, 'nodes_nodeids')).toEqual([0, 1, 2]);
  });
});
