/** @jest-environment ./libs/ml/src/onnx/onnxruntime-jest-environment.cjs */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeModel, encodeModel, exportTreeEnsembleToOnnx, ModelLoadError, type IModelProto, modelContentSha256, randomTreeEnsemble, SeededRandom, type ModelLoadErrorCode } from '@lib/ml';
import { Mlp } from '../nn.js';
import { buildSacObservation, SAC_OBSERVATION_NAMES, SAC_OBSERVATION_SIZE } from '../observation.js';
import { runSac, SacActor, SacAgent, type RlEnvironment } from '../sac.js';
import { exportSacActorToOnnx, SAC_METADATA_KEYS } from './actor-onnx-export.js';
import { OnnxSacActor } from './onnx-sac-actor.js';

/** Observations as the environment produces them, including extremes and junk inputs. */
function observations(n: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const out = new Float32Array(n * SAC_OBSERVATION_SIZE);
  for (let i = 0; i < n; i++) {
    const p = [rng.next(), rng.next(), rng.next(), rng.next()];
    const s = p.reduce((a, b) => a + b, 0);
    const z = (rng.next() - 0.5) * 10;
    const obs = buildSacObservation({
      signal: i % 50 === 0 ? Number.NaN : z,
      confidence: Math.min(1, Math.abs(z) / 2),
      regimeProbabilities: p.map((v) => v / s),
      volatility: rng.next() * 0.05,
      position: (rng.next() - 0.5) * (i % 7 === 0 ? 10 : 2),
      drawdown: rng.next() * 0.6,
    });
    out.set(obs, i * SAC_OBSERVATION_SIZE);
  }
  return out;
}

/** A briefly trained actor (non-trivial weights), plus one with large random weights (tanh saturates). */
function trainedActor(): SacActor {
  const env: RlEnvironment = {
    observationSize: SAC_OBSERVATION_SIZE,
    reset: () => observations(1, 1),
    step: (a) => ({ observation: observations(1, 2), reward: -((a - 0.3) ** 2), done: true, terminal: true }),
  };
  const agent = new SacAgent({ hiddenSizes: [24, 16], batchSize: 16, warmupSteps: 50, updateAfter: 50, seed: 3 });
  runSac(agent, env, 300);
  return agent.actor;
}

const actors: Array<[string, SacActor]> = [
  ['trained', trainedActor()],
  ['large random weights', new SacActor(Mlp.create({ inputSize: 9, hiddenSizes: [32, 32], outputSize: 2 }, new SeededRandom(5), { outputScale: 4 }), -5, 1)],
];

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tm-sac-onnx-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function loadCode(source: string | Uint8Array): Promise<ModelLoadErrorCode> {
  try {
    const m = await OnnxSacActor.load(source);
    await m.dispose();
  } catch (error) {
    expect(error).toBeInstanceOf(ModelLoadError);
    return (error as ModelLoadError).code;
  }
  throw new Error('expected the load to fail');
}

describe('SAC actor ONNX export', () => {
  it.each(actors)('onnxruntime equals the TS deterministic actor to ≤ 1e-5 on 5,000 observations (%s)', async (_name, actor) => {
    const maxFraction = 0.8;
    const bytes = exportSacActorToOnnx(actor, { modelName: 'sizer-sac', version: '1', maxFraction, seed: 3 });
    const model = await OnnxSacActor.load(bytes);
    const n = 5000;
    const obs = observations(n, 11);
    const onnx = await model.fractions(obs, n);
    const ts = actor.deterministicActions(obs, n);
    let worst = 0;
    let spread = 0;
    for (let i = 0; i < n; i++) {
      worst = Math.max(worst, Math.abs(onnx[i]! - ts[i]! * maxFraction));
      spread = Math.max(spread, Math.abs(ts[i]!));
    }
    expect(worst).toBeLessThanOrEqual(1e-5);
    expect(spread).toBeGreaterThan(0.05); // the comparison is not between two near-constant outputs
    // single-row path = batch path
    for (const i of [0, 1, 49, 50, 4999]) {
      expect(await model.fraction(obs.slice(i * 9, i * 9 + 9))).toBeCloseTo(onnx[i]!, 7);
    }
    await model.dispose();
  });

  it('carries its metadata: observation names, maxFraction, seed, version (overridable), extra', async () => {
    const bytes = exportSacActorToOnnx(actors[0]![1], { modelName: 'sizer-sac', version: '7', maxFraction: 0.5, seed: 42, extra: { trainedTo: '2025-06-30' } });
    const path = join(dir, 'sac-actor.onnx');
    writeFileSync(path, bytes);
    const model = await OnnxSacActor.load(path);
    expect(model.version).toBe('7');
    expect(model.maxFraction).toBe(0.5);
    expect(model.metadata.seed).toBe(42);
    expect(model.metadata.hiddenSizes).toEqual([24, 16]);
    expect(model.metadata.observationNames).toEqual(SAC_OBSERVATION_NAMES);
    expect(model.metadata.extra).toEqual({ trainedTo: '2025-06-30' });
    await model.dispose();
    const renamed = await OnnxSacActor.load(path, 'registry-v3');
    expect(renamed.version).toBe('registry-v3');
    await renamed.dispose();
    // the graph uses default-domain opset 17 only
    const proto = decodeModel(bytes);
    expect(proto.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    expect(new Set((proto.graph?.node ?? []).map((n) => n.opType))).toEqual(new Set(['Gemm', 'Relu', 'Tanh', 'Mul']));
  });

  it('rejects missing, empty, truncated, garbage and altered files with ModelLoadError codes', async () => {
    const bytes = exportSacActorToOnnx(actors[0]![1], { modelName: 'sizer-sac', version: '1', maxFraction: 1, seed: 1 });
    expect(await loadCode(join(dir, 'nope.onnx'))).toBe('MODEL.MISSING');
    expect(await loadCode(dir)).toBe('MODEL.UNREADABLE');
    expect(await loadCode(new Uint8Array(0))).toBe('MODEL.CORRUPT');
    expect(await loadCode(bytes.slice(0, Math.floor(bytes.length / 2)))).toBe('MODEL.CORRUPT');
    expect(await loadCode(Uint8Array.from({ length: 300 }, (_, i) => (i * 37 + 11) & 0xff))).toBe('MODEL.CORRUPT');
    // one flipped byte inside a weight: still decodes, but the seal no longer matches
    const proto = decodeModel(bytes);
    const weight = proto.graph?.initializer?.[2]?.floatData?.[0];
    expect(weight).toBeDefined();
    const flipped = Uint8Array.from(bytes);
    const needle = new Uint8Array(new Float32Array([weight!]).buffer);
    const at = flipped.findIndex((_, i) => needle.every((b, k) => flipped[i + k] === b));
    expect(at).toBeGreaterThan(0);
    flipped[at + 3] = flipped[at + 3]! ^ 0x40;
    const path = join(dir, 'flipped.onnx');
    writeFileSync(path, flipped);
    expect(await loadCode(path)).toBe('MODEL.CORRUPT');
  });

  it('rejects a well-formed model that is not a SAC actor or was built for other observations (MODEL.METADATA)', async () => {
    const trees = randomTreeEnsemble({ seed: 1, nTrees: 2, depth: 2, featureNames: [...SAC_OBSERVATION_NAMES], kind: 'gbdt' });
    const treeBytes = exportTreeEnsembleToOnnx(trees, { modelName: 'x', version: '1', featureNames: [...SAC_OBSERVATION_NAMES], selectedFeatures: [] });
    expect(await loadCode(treeBytes)).toBe('MODEL.METADATA');

    const reseal = (mutate: (m: IModelProto) => void): Uint8Array => {
      const m = decodeModel(exportSacActorToOnnx(actors[0]![1], { modelName: 'sizer-sac', version: '1', maxFraction: 1, seed: 1 }));
      mutate(m);
      const props = m.metadataProps.filter((p) => p.key !== SAC_METADATA_KEYS.contentSha256);
      m.metadataProps = props;
      m.metadataProps = [...props, { key: SAC_METADATA_KEYS.contentSha256, value: modelContentSha256(m) }] as typeof m.metadataProps;
      return encodeModel(m);
    };
    const names = reseal((m) => {
      const entry = m.metadataProps!.find((p) => p.key === SAC_METADATA_KEYS.observationNames)!;
      entry.value = JSON.stringify([...SAC_OBSERVATION_NAMES].reverse());
    });
    expect(await loadCode(names)).toBe('MODEL.METADATA');
    const badMax = reseal((m) => {
      m.metadataProps!.find((p) => p.key === SAC_METADATA_KEYS.maxFraction)!.value = 'lots';
    });
    expect(await loadCode(badMax)).toBe('MODEL.METADATA');
    // resealed, valid metadata, but the input is 8 wide
    const shape = reseal((m) => {
      m.graph!.input![0]!.type!.tensorType!.shape!.dim![1]!.dimValue = 8;
    });
    expect(['MODEL.SHAPE', 'MODEL.CORRUPT']).toContain(await loadCode(shape));
  });
});
