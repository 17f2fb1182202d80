import fc from 'fast-check';
import { SeededRandom } from '../random/seeded-random.js';
import { binFeatures, quantileUpperEdges, type BinnedFeatures } from './feature-binning.js';
import type { FeatureMatrix } from './feature-matrix.js';

function column(values: number[]): FeatureMatrix {
  return { values: Float64Array.from(values), nRows: values.length, nFeatures: 1 };
}

/** The contract trees rely on: "code <= b" ⇔ "Math.fround(x) <= upperEdge(b)" for every split bin b. */
function expectCodesAgreeWithEdges(x: FeatureMatrix, binned: BinnedFeatures): void {
  for (let f = 0; f < x.nFeatures; f++) {
    const offset = binned.binOffset[f]!;
    const nBins = binned.nBins[f]!;
    for (let i = 0; i < x.nRows; i++) {
      const v = Math.fround(x.values[i * x.nFeatures + f]!);
      const code = binned.codes[f * x.nRows + i]!;
      expect(code).toBeLessThan(nBins);
      for (let b = 0; b < nBins - 1; b++) {
        if (v <= binned.upperEdges[offset + b]! !== code <= b) {
          throw new Error(`feature ${f} row ${i}: value ${v} in bin ${code} disagrees with edge ${b} = ${binned.upperEdges[offset + b]}`);
        }
      }
    }
  }
}

describe('binFeatures', () => {
  it('gives each distinct value its own bin when there are few, with float32 edges between them', () => {
    const x = column([3, 1, 2, 2, 1, 5, 3]);
    const binned = binFeatures(x, 255);
    expect(binned.nBins[0]).toBe(4);
    expect(Array.from(binned.codes)).toEqual([2, 0, 1, 1, 0, 3, 2]);
    const edges = Array.from(binned.upperEdges);
    expect(edges.slice(0, 3)).toEqual([1.5, 2.5, 4]);
    expect(edges[3]).toBe(Infinity);
    expectCodesAgreeWithEdges(x, binned);
  });

  it('cuts continuous data into at most maxBins bins of roughly equal counts', () => {
    const random = new SeededRandom(7);
    const n = 10_000;
    const x = column(Array.from({ length: n }, () => random.next() * 100 - 50));
    const binned = binFeatures(x, 64);
    expect(binned.nBins[0]).toBeLessThanOrEqual(64);
    expect(binned.nBins[0]).toBeGreaterThanOrEqual(60);
    const counts = new Array<number>(binned.nBins[0]!).fill(0);
    for (const c of binned.codes) counts[c]!++;
    expect(Math.max(...counts)).toBeLessThanOrEqual(Math.ceil((2 * n) / 64));
    expect(Math.min(...counts)).toBeGreaterThan(0);
    expectCodesAgreeWithEdges(x, binned);
  });

  it('never splits a tied value across bins, even when it is most of the data', () => {
    const random = new SeededRandom(3);
    const values = Array.from({ length: 2_000 }, (_, i) => (i % 2 === 0 ? 0 : random.next()));
    const x = column(values);
    const binned = binFeatures(x, 32);
    const zeroCodes = new Set(values.flatMap((v, i) => (v === 0 ? [binned.codes[i]!] : [])));
    expect(zeroCodes.size).toBe(1);
    expectCodesAgreeWithEdges(x, binned);
  });

  it('puts NaN and +Infinity in the last bin (they go right at every split) and handles constant columns', () => {
    const x: FeatureMatrix = {
      values: Float64Array.from([1, 7, NaN, 7, 2, 7, Infinity, 7, -Infinity, 7, NaN, 7]),
      nRows: 6,
      nFeatures: 2,
    };
    const binned = binFeatures(x, 255);
    expect(binned.nBins[1]).toBe(1);
    const last = binned.nBins[0]! - 1;
    expect(binned.codes[1]).toBe(last);
    expect(binned.codes[3]).toBe(last);
    expect(binned.codes[5]).toBe(last);
    expect(binned.codes[4]).toBe(0);
    expectCodesAgreeWithEdges(x, binned);
  });

  it('gives an all-NaN column a single bin', () => {
    const binned = binFeatures(column([NaN, NaN, NaN]), 255);
    expect(binned.nBins[0]).toBe(1);
    expect(Array.from(binned.codes)).toEqual([0, 0, 0]);
  });

  it('keeps codes consistent with float32 edges for any doubles (property)', () => {
    const cell = fc.oneof(
      fc.double(),
      fc.double({ min: -1, max: 1, noNaN: true }),
      fc.integer({ min: -3, max: 3 }),
      fc.constantFrom(Number.MIN_VALUE, -0, 0, 3.4028235677973366e38, 1e39, -1e39, 1 + 2 ** -30),
    );
    fc.assert(
      fc.property(fc.array(cell, { minLength: 1, maxLength: 300 }), fc.integer({ min: 2, max: 256 }), (values, maxBins) => {
        const x = column(values);
        const binned = binFeatures(x, maxBins);
        expect(binned.nBins[0]).toBeLessThanOrEqual(maxBins);
        const edges = binned.upperEdges;
        for (let b = 0; b < edges.length; b++) {
          expect(Math.fround(edges[b]!)).toBe(edges[b]);
          if (b > 0) expect(edges[b]!).toBeGreaterThan(edges[b - 1]!);
        }
        expectCodesAgreeWithEdges(x, binned);
      }),
      { numRuns: 300 },
    );
  });

  it('places edges strictly between neighbouring values, even adjacent float32s', () => {
    const a = Math.fround(1);
    const b = 1 + 2 ** -23; // the next float32 after 1
    const edges = quantileUpperEdges(Float64Array.from([a, a, b]), 255);
    expect(Array.from(edges)).toEqual([a]);
  });

  it('rejects a bin count that does not fit one byte', () => {
    expect(() => binFeatures(column([1, 2]), 257)).toThrow(/maxBins/);
    expect(() => binFeatures(column([1, 2]), 1)).toThrow(/maxBins/);
  });
});
