/** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { predictEnsemble, type TreeEnsembleModel } from '../trees/tree-ensemble.js';
import { SeededRandom } from '../random/seeded-random.js';
import {
  exportTreeEnsembleToOnnx,
  measureInferenceLatency,
  ModelLoadError,
  modelContentSha256,
  ONNX_METADATA_KEYS,
  OnnxTreeModel,
  randomTreeEnsemble,
  type ModelLoadErrorCode,
  type OnnxExportMeta,
} from './index.js';
import { decodeModel, encodeModel, onnx, type IModelProto } from './onnx-proto.js';

const FEATURES = ['ret_1', 'ret_6', 'ret_42', 'range', 'body', 'upper_wick', 'close_location', 'volume_z42', 'rv_42', 'btc_ret_1', 'hour', 'dow'];

const model: TreeEnsembleModel = randomTreeEnsemble({
  seed: 1,
  nTrees: 40,
  depth: 5,
  featureNames: FEATURES,
  kind: 'gbdt',
  baseScore: 0.002,
  treeWeights: 0.1,
});

const META: OnnxExportMeta = {
  modelName: 'btc-4h-gbdt',
  version: '2025.06.30-3',
  featureNames: FEATURES,
  selectedFeatures: ['ret_1', 'ret_42', 'range', 'rv_42', 'btc_ret_1'],
  extra: { trainedFrom: '2022-01-01', trainedTo: '2025-06-30', parentVersion: '2025.06.23-1', 'ünïcode key': 'välue ✓' },
};

const bytes = exportTreeEnsembleToOnnx(model, META);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tm-onnx-load-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadError(source: Uint8Array | string): Promise<ModelLoadError> {
  try {
    const loaded = await OnnxTreeModel.load(source);
    await loaded.dispose();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelLoadError);
    return error as ModelLoadError;
  }
  throw new Error('expected the load to fail');
}

async function expectCode(source: Uint8Array | string, code: ModelLoadErrorCode): Promise<ModelLoadError> {
  const error = await loadError(source);
  expect(error.code).toBe(code);
  expect(error.message.startsWith(code)).toBe(true);
  return error;
}

/** Decode, edit, re-encode; `reseal` recomputes tm.content_sha256 (a well-formed but altered model). */
function edit(mutate: (m: IModelProto) => void, reseal: boolean): Uint8Array {
  const m = decodeModel(bytes);
  mutate(m);
  if (reseal) {
    const props = m.metadataProps.filter((p) => p.key !== ONNX_METADATA_KEYS.contentSha256);
    m.metadataProps = props;
    m.metadataProps = [...props, new onnx.StringStringEntryProto({ key: ONNX_METADATA_KEYS.contentSha256, value: modelContentSha256(m) })];
  }
  return encodeModel(m);
}

function setProp(m: IModelProto, key: string, value: string): void {
  const entry = (m.metadataProps ?? []).find((p) => p.key === key);
  if (!entry) throw new Error(`no ${key}`);
  entry.value = value;
}

describe('OnnxTreeModel: metadata and identity', () => {
  test('metadata round trip: names, selection, version, kind, extra', async () => {
    const loaded = await OnnxTreeModel.load(bytes);
    try {
      expect(loaded.metadata).toEqual({
        format: 'trade-matrix/tree-ensemble-regressor@1',
        kind: 'gbdt',
        modelName: META.modelName,
        version: META.version,
        featureNames: FEATURES,
        selectedFeatures: META.selectedFeatures,
        nTrees: 40,
        extra: META.extra,
      });
      expect(loaded.nFeatures).toBe(12);
      expect(loaded.byteLength).toBe(bytes.byteLength);
      expect(loaded.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(loaded.sha256).toMatch(/^[0-9a-f]{64}$/);
    } finally {
      await loaded.dispose();
    }
  });

  test('the file declares IR 8, opsets ai.onnx 17 + ai.onnx.ml 3 and one TreeEnsembleRegressor', () => {
    const m = decodeModel(bytes);
    expect(Number(m.irVersion)).toBe(8);
    expect(m.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17], ['ai.onnx.ml', 3]]);
    expect(m.graph?.node?.map((n) => [n.opType, n.domain])).toEqual([['TreeEnsembleRegressor', 'ai.onnx.ml']]);
    expect(m.metadataProps.at(-1)?.key).toBe(ONNX_METADATA_KEYS.contentSha256);
    const props = new Map(m.metadataProps.map((p) => [p.key, p.value]));
    expect(JSON.parse(props.get(ONNX_METADATA_KEYS.featureNames)!)).toEqual(FEATURES);
    expect(JSON.parse(props.get(ONNX_METADATA_KEYS.selectedFeatures)!)).toEqual(META.selectedFeatures);
  });

  test('export is deterministic: same model and meta, same bytes and sha256', async () => {
    const again = exportTreeEnsembleToOnnx(model, META);
    expect(Buffer.from(again).equals(Buffer.from(bytes))).toBe(true);
  });

  test('another version of the same trees has another sha256', async () => {
    const [a, b] = await Promise.all([
      OnnxTreeModel.load(bytes),
      OnnxTreeModel.load(exportTreeEnsembleToOnnx(model, { ...META, version: '2025.07.07-1' })),
    ]);
    expect(a.sha256).not.toBe(b.sha256);
    expect(b.metadata.version).toBe('2025.07.07-1');
    await Promise.all([a.dispose(), b.dispose()]);
  });
});

describe('OnnxTreeModel: corrupt or missing models fail with ModelLoadError', () => {
  test('missing file → MODEL.MISSING', async () => {
    const error = await expectCode(join(dir, 'nope', 'model.onnx'), 'MODEL.MISSING');
    expect(error.source).toBe(join(dir, 'nope', 'model.onnx'));
  });

  test('a directory instead of a file → MODEL.UNREADABLE', async () => {
    await expectCode(dir, 'MODEL.UNREADABLE');
  });

  test('empty file and empty bytes → MODEL.CORRUPT', async () => {
    const path = join(dir, 'empty.onnx');
    writeFileSync(path, new Uint8Array(0));
    await expectCode(path, 'MODEL.CORRUPT');
    await expectCode(new Uint8Array(0), 'MODEL.CORRUPT');
  });

  test('random bytes → MODEL.CORRUPT', async () => {
    const rng = new SeededRandom(3);
    for (const size of [1, 7, 64, 4096, 100_000]) {
      const garbage = Uint8Array.from({ length: size }, () => rng.int(256));
      await expectCode(garbage, 'MODEL.CORRUPT');
    }
    await expectCode(new TextEncoder().encode('this is not an onnx model\n'), 'MODEL.CORRUPT');
  });

  test('truncated file → MODEL.CORRUPT, wherever it is cut', async () => {
    const path = join(dir, 'truncated.onnx');
    writeFileSync(path, bytes.subarray(0, Math.floor(bytes.length / 2)));
    await expectCode(path, 'MODEL.CORRUPT');
    const rng = new SeededRandom(17);
    const cuts = [1, 2, 10, bytes.length - 1, bytes.length - 40, bytes.length - 100];
    for (let i = 0; i < 40; i++) cuts.push(1 + rng.int(bytes.length - 1));
    for (const cut of cuts) await expectCode(bytes.subarray(0, cut), 'MODEL.CORRUPT');
  });

  test('every metadata entry boundary: cutting there still fails (the seal is last)', async () => {
    const m = decodeModel(bytes);
    // Encode prefixes of the metadata list: each is a well-formed protobuf of a cut-short file.
    for (let keep = 0; keep < m.metadataProps.length; keep++) {
      const prefix = encodeModel({ ...m, metadataProps: m.metadataProps.slice(0, keep) });
      const error = await loadError(prefix);
      expect(keep === 0 ? ['MODEL.METADATA'] : ['MODEL.CORRUPT']).toContain(error.code);
    }
  });

  test('a flipped byte anywhere → MODEL.CORRUPT', async () => {
    const rng = new SeededRandom(23);
    for (let i = 0; i < 60; i++) {
      const damaged = Uint8Array.from(bytes);
      const at = rng.int(damaged.length);
      damaged[at] = damaged[at]! ^ (1 << rng.int(8));
      await expectCode(damaged, 'MODEL.CORRUPT');
    }
  });

  test('a changed threshold with the old seal → MODEL.CORRUPT', async () => {
    const damaged = edit((m) => {
      const values = m.graph!.node![0]!.attribute!.find((a) => a.name === 'nodes_values')!;
      values.floats![0] = values.floats![0]! + 1;
    }, false);
    const error = await expectCode(damaged, 'MODEL.CORRUPT');
    expect(error.message).toMatch(/sha256/);
  });

  test('a valid ONNX model without Trade-Matrix metadata → MODEL.METADATA', async () => {
    await expectCode(edit((m) => (m.metadataProps = []), false), 'MODEL.METADATA');
  });

  test('unparseable metadata → MODEL.METADATA', async () => {
    await expectCode(edit((m) => setProp(m, ONNX_METADATA_KEYS.featureNames, '["ret_1",'), true), 'MODEL.METADATA');
    await expectCode(edit((m) => setProp(m, ONNX_METADATA_KEYS.kind, 'svm'), true), 'MODEL.METADATA');
    await expectCode(edit((m) => setProp(m, ONNX_METADATA_KEYS.format, 'someone-else@2'), true), 'MODEL.METADATA');
  });

  test('input width ≠ metadata feature names → MODEL.SHAPE', async () => {
    // Metadata lists 11 names for a 12-wide input.
    const fewerNames = edit((m) => {
      setProp(m, ONNX_METADATA_KEYS.featureNames, JSON.stringify(FEATURES.slice(0, 11)));
      setProp(m, ONNX_METADATA_KEYS.nFeatures, '11');
    }, true);
    const error = await expectCode(fewerNames, 'MODEL.SHAPE');
    expect(error.message).toMatch(/input width is 12 but the metadata lists 11/);
    // The graph declares a 13-wide input for 12 names.
    const widerInput = edit((m) => {
      m.graph!.input![0]!.type!.tensorType!.shape!.dim![1] = { dimValue: 13 };
    }, true);
    await expectCode(widerInput, 'MODEL.SHAPE');
  });

  test('a fixed batch dimension → MODEL.SHAPE', async () => {
    const fixed = edit((m) => {
      m.graph!.input![0]!.type!.tensorType!.shape!.dim![0] = { dimValue: 1 };
      m.graph!.output![0]!.type!.tensorType!.shape!.dim![0] = { dimValue: 1 };
    }, true);
    await expectCode(fixed, 'MODEL.SHAPE');
  });

  test('a split on a feature beyond the input width → MODEL.SHAPE', async () => {
    const beyond = edit((m) => {
      const ids = m.graph!.node![0]!.attribute!.find((a) => a.name === 'nodes_featureids')!;
      ids.ints![0] = 12;
    }, true);
    const error = await expectCode(beyond, 'MODEL.SHAPE');
    expect(error.message).toMatch(/feature 12/);
  });

  test('onnxruntime refusing a well-sealed model (ai.onnx.ml opset 5) → MODEL.CORRUPT', async () => {
    const opset5 = edit((m) => {
      m.opsetImport = [new onnx.OperatorSetIdProto({ domain: '', version: 17 }), new onnx.OperatorSetIdProto({ domain: 'ai.onnx.ml', version: 5 })];
    }, true);
    const error = await expectCode(opset5, 'MODEL.CORRUPT');
    expect(error.message).toMatch(/onnxruntime rejected/);
  });
});

describe('OnnxTreeModel: prediction API', () => {
  let loaded: OnnxTreeModel;
  const rng = new SeededRandom(8);
  const rows = Array.from({ length: 64 }, () => Array.from({ length: 12 }, () => Math.fround((rng.next() - 0.5) * 4)));

  beforeAll(async () => {
    loaded = await OnnxTreeModel.load(bytes);
  });
  afterAll(async () => loaded.dispose());

  test('predictOne accepts number[] and Float64Array', async () => {
    for (const row of rows.slice(0, 8)) {
      const expected = predictEnsemble(model, row);
      expect(Math.abs((await loaded.predictOne(row)) - expected)).toBeLessThanOrEqual(1e-5);
      expect(Math.abs((await loaded.predictOne(Float64Array.from(row))) - expected)).toBeLessThanOrEqual(1e-5);
    }
  });

  test('overlapping predictOne calls do not share the input buffer', async () => {
    const results = await Promise.all(rows.map((row) => loaded.predictOne(row)));
    rows.forEach((row, i) => expect(Math.abs(results[i]! - predictEnsemble(model, row))).toBeLessThanOrEqual(1e-5));
  });

  test('predictBatch takes row-major Float64Array, Float32Array or number[]', async () => {
    const flat = rows.flat();
    const expected = rows.map((row) => predictEnsemble(model, row));
    for (const input of [Float64Array.from(flat), Float32Array.from(flat), flat]) {
      const out = await loaded.predictBatch(input, rows.length);
      expect(out).toBeInstanceOf(Float64Array);
      expect(out.length).toBe(rows.length);
      out.forEach((v, i) => expect(Math.abs(v - expected[i]!)).toBeLessThanOrEqual(1e-5));
    }
    expect(await loaded.predictBatch(new Float64Array(0), 0)).toEqual(new Float64Array(0));
  });

  test('wrong widths are rejected before onnxruntime', async () => {
    await expect(loaded.predictOne([1, 2, 3])).rejects.toThrow(RangeError);
    await expect(loaded.predictBatch(new Float64Array(25), 2)).rejects.toThrow(RangeError);
    await expect(loaded.predictBatch(new Float64Array(24), -1)).rejects.toThrow(RangeError);
  });

  test('NaN features follow the false (right) branch, as predictEnsemble does', async () => {
    const row = rows[0]!.map((v, i) => (i % 3 === 0 ? Number.NaN : v));
    expect(Math.abs((await loaded.predictOne(row)) - predictEnsemble(model, row))).toBeLessThanOrEqual(1e-5);
  });

  test('measureInferenceLatency reports percentiles (no timing assertion)', async () => {
    const r = await measureInferenceLatency(loaded, rows, 200, { warmup: 20 });
    expect(r.iterations).toBe(200);
    expect(r.p50Micros).toBeGreaterThan(0);
    expect(r.p99Micros).toBeGreaterThanOrEqual(r.p50Micros);
    expect(r.maxMicros).toBeGreaterThanOrEqual(r.p99Micros);
    const flat = await measureInferenceLatency(loaded, Float64Array.from(rows.flat()), 50, { warmup: 5 });
    expect(flat.iterations).toBe(50);
  });

  test('a disposed model refuses to predict', async () => {
    const other = await OnnxTreeModel.load(bytes);
    await other.dispose();
    await other.dispose();
    await expect(other.predictOne(rows[0]!)).rejects.toThrow(/disposed/);
  });
});
