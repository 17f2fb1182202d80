import { SeededRandom } from '../random/seeded-random.js';
import { binFeatures } from './feature-binning.js';
import { HistogramTreeGrower, leafOfBinnedRow, type TreeGrowthLimits } from './histogram-tree-grower.js';

describe('HistogramTreeGrower', () => {
  // Few distinct values per feature, so duplicating rows leaves the bin edges unchanged.
  const random = new SeededRandom(61);
  const n = 300;
  const nFeatures = 3;
  const values = Float64Array.from({ length: n * nFeatures }, () => random.int(40) / 8);
  const target = Float64Array.from({ length: n }, (_, i) => values[i * 3]! - 2 * values[i * 3 + 1]! + random.next());
  const weight = Float64Array.from({ length: n }, () => 1 + random.int(3));
  const limits: TreeGrowthLimits = { maxDepth: 5, minSamplesLeaf: 4, l2: 2, minSplitGain: 0 };
  const allFeatures = { kind: 'per-tree', features: Int32Array.of(0, 1, 2) } as const;

  it('treats a row of weight k exactly like k copies of the row', () => {
    const weighted = new HistogramTreeGrower(binFeatures({ values, nRows: n, nFeatures })).grow(
      Int32Array.from({ length: n }, (_, i) => i),
      target,
      weight,
      limits,
      allFeatures,
    );

    const copies: number[] = [];
    for (let i = 0; i < n; i++) for (let c = 0; c < weight[i]!; c++) copies.push(i);
    const dupValues = Float64Array.from(copies.flatMap((i) => [values[i * 3]!, values[i * 3 + 1]!, values[i * 3 + 2]!]));
    const dupTarget = Float64Array.from(copies, (i) => target[i]!);
    const duplicated = new HistogramTreeGrower(binFeatures({ values: dupValues, nRows: copies.length, nFeatures })).grow(
      Int32Array.from(copies, (_, k) => k),
      dupTarget,
      null,
      limits,
      allFeatures,
    );

    expect(Array.from(weighted.tree.feature)).toEqual(Array.from(duplicated.tree.feature));
    expect(Array.from(weighted.tree.threshold)).toEqual(Array.from(duplicated.tree.threshold));
    expect(Array.from(weighted.tree.left)).toEqual(Array.from(duplicated.tree.left));
    weighted.tree.value.forEach((v, node) => expect(v).toBeCloseTo(duplicated.tree.value[node]!, 10));
    weighted.gainByFeature.forEach((g, f) => expect(g).toBeCloseTo(duplicated.gainByFeature[f]!, 8));
    expect(weighted.tree.feature.length).toBeGreaterThan(7);
  });

  it('grows the same tree with and without histogram subtraction (per-node draws of every feature)', () => {
    const binned = binFeatures({ values, nRows: n, nFeatures });
    const rows = Int32Array.from({ length: n }, (_, i) => i);
    const grower = new HistogramTreeGrower(binned);
    const subtracted = grower.grow(rows, target, null, limits, allFeatures);
    const direct = grower.grow(rows, target, null, limits, { kind: 'per-node', count: 3, random: new SeededRandom(1) });
    expect(Array.from(direct.tree.feature)).toEqual(Array.from(subtracted.tree.feature));
    expect(Array.from(direct.tree.threshold)).toEqual(Array.from(subtracted.tree.threshold));
    direct.tree.value.forEach((v, node) => expect(v).toBeCloseTo(subtracted.tree.value[node]!, 12));
  });

  it('routes binned rows with splitBin exactly as the float32 thresholds do', () => {
    const binned = binFeatures({ values, nRows: n, nFeatures });
    const grown = new HistogramTreeGrower(binned).grow(Int32Array.from({ length: n }, (_, i) => i), target, null, limits, allFeatures);
    const { tree, splitBin } = grown;
    for (let i = 0; i < n; i++) {
      let node = 0;
      while (tree.feature[node]! >= 0) {
        node = Math.fround(values[i * 3 + tree.feature[node]!]!) <= tree.threshold[node]! ? tree.left[node]! : tree.right[node]!;
      }
      expect(leafOfBinnedRow(tree, splitBin, binned.codes, n, i)).toBe(node);
    }
  });
});
