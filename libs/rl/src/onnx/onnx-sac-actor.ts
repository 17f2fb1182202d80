/**
 * The exported SAC actor served by onnxruntime-node. Loading checks, in order: the file exists and
 * reads; the bytes decode as ONNX with a graph; the sha256 seal matches; the metadata is a SAC actor
 * with the observation names this build uses; onnxruntime accepts it; input [N, 9] and output
 * [N, 1] are float32. Every failure is a ModelLoadError (code MISSING, UNREADABLE, CORRUPT,
 * METADATA or SHAPE), the same codes the signal models use.
 */
import * as ort from 'onnxruntime-node';
import { decodeModel, inspectModel, ModelLoadError, modelContentSha256, readModelBytes, type ModelProto } from '@lib/ml';
import { SAC_OBSERVATION_NAMES, SAC_OBSERVATION_SIZE, type RlSizer } from '../observation.js';
import { SAC_METADATA_KEYS, SAC_ONNX_FORMAT } from './actor-onnx-export.js';

export interface SacActorMetadata {
  readonly modelName: string;
  readonly version: string;
  readonly maxFraction: number;
  readonly seed: number;
  readonly hiddenSizes: readonly number[];
  readonly observationNames: readonly string[];
  /** Entries outside the tm.* namespace. */
  readonly extra: Readonly<Record<string, string>>;
}

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error));

function props(model: ModelProto): Map<string, string> {
  const map = new Map<string, string>();
  for (const p of model.metadataProps) if (p.key) map.set(p.key, p.value ?? '');
  return map;
}

function parseMetadata(map: Map<string, string>, source: string | undefined): SacActorMetadata {
  const K = SAC_METADATA_KEYS;
  const fail = (message: string): never => {
    throw new ModelLoadError('MODEL.METADATA', message, source);
  };
  const format = map.get(K.format);
  if (format !== SAC_ONNX_FORMAT) fail(`not a SAC actor: ${K.format} is ${JSON.stringify(format)} (expected ${SAC_ONNX_FORMAT})`);
  let names: unknown;
  try {
    names = JSON.parse(map.get(K.observationNames) ?? 'null');
  } catch {
    names = null;
  }
  if (!Array.isArray(names) || names.length !== SAC_OBSERVATION_NAMES.length || names.some((n, i) => n !== SAC_OBSERVATION_NAMES[i])) {
    fail(`${K.observationNames} must be ${JSON.stringify(SAC_OBSERVATION_NAMES)}, got ${map.get(K.observationNames) ?? 'nothing'}`);
  }
  const maxFraction = Number(map.get(K.maxFraction));
  if (!(Number.isFinite(maxFraction) && maxFraction >= 0)) fail(`${K.maxFraction} must be a finite number ≥ 0, got ${JSON.stringify(map.get(K.maxFraction))}`);
  const seed = Number(map.get(K.seed));
  let hidden: unknown;
  try {
    hidden = JSON.parse(map.get(K.hiddenSizes) ?? '[]');
  } catch {
    hidden = [];
  }
  const extra: Record<string, string> = {};
  for (const [k, v] of map) if (!k.startsWith('tm.')) extra[k] = v;
  return {
    modelName: map.get(K.modelName) || fail(`${K.modelName} is missing`),
    version: map.get(K.version) || fail(`${K.version} is missing`),
    maxFraction,
    seed: Number.isInteger(seed) ? seed : Number.NaN,
    hiddenSizes: Array.isArray(hidden) ? hidden.filter((h): h is number => typeof h === 'number') : [],
    observationNames: SAC_OBSERVATION_NAMES,
    extra,
  };
}

/** Decodes and checks the bytes before onnxruntime sees them. */
function inspect(bytes: Uint8Array, source: string | undefined): SacActorMetadata {
  if (bytes.byteLength === 0) throw new ModelLoadError('MODEL.CORRUPT', 'the model is empty (0 bytes)', source);
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    throw new ModelLoadError('MODEL.CORRUPT', `not a valid ONNX protobuf: ${describe(error)}`, source, { cause: error });
  }
  if (!model.graph || (model.graph.node ?? []).length === 0) throw new ModelLoadError('MODEL.CORRUPT', 'the ONNX model has no graph or no nodes', source);
  const entries = model.metadataProps;
  const seal = entries[entries.length - 1];
  if (seal?.key !== SAC_METADATA_KEYS.contentSha256) {
    throw new ModelLoadError('MODEL.CORRUPT', `metadata ${SAC_METADATA_KEYS.contentSha256} is missing (file cut short or not sealed)`, source);
  }
  model.metadataProps = entries.slice(0, -1);
  const actual = modelContentSha256(model);
  model.metadataProps = entries;
  if (actual !== seal.value) throw new ModelLoadError('MODEL.CORRUPT', 'the model does not match its recorded sha256 (changed or damaged bytes)', source);
  return parseMetadata(props(model), source);
}

function checkSession(session: ort.InferenceSession, source: string | undefined): void {
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
    throw new ModelLoadError('MODEL.SHAPE', `expected one input and one output, found ${session.inputNames.length} and ${session.outputNames.length}`, source);
  }
  if (!input?.isTensor || input.type !== 'float32' || input.shape.length !== 2 || input.shape[1] !== SAC_OBSERVATION_SIZE) {
    throw new ModelLoadError('MODEL.SHAPE', `the input must be float32 [N, ${SAC_OBSERVATION_SIZE}]`, source);
  }
  if (!output?.isTensor || output.type !== 'float32' || output.shape.length !== 2 || output.shape[1] !== 1) {
    throw new ModelLoadError('MODEL.SHAPE', 'the output must be float32 [N, 1]', source);
  }
}

/** The deterministic SAC actor (tanh(mean) × maxFraction) on onnxruntime. Not safe to share across worker threads. */
export class OnnxSacActor implements RlSizer {
  readonly maxFraction: number;
  private readonly inputName: string;
  private readonly outputName: string;
  private disposed = false;

  private constructor(
    private readonly session: ort.InferenceSession,
    readonly metadata: SacActorMetadata,
    readonly version: string,
  ) {
    this.maxFraction = metadata.maxFraction;
    this.inputName = session.inputNames[0]!;
    this.outputName = session.outputNames[0]!;
  }

  /** Loads from a path or bytes; `version` overrides the model's own (e.g. the registry version). */
  static async load(path: string | Uint8Array, version?: string): Promise<OnnxSacActor> {
    const { bytes, path: source } = await readModelBytes(path);
    const metadata: SacActorMetadata = inspectModel(() => inspect(bytes, source), source);
    let session: ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['cpu'],
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
      });
    } catch (error) {
      throw new ModelLoadError('MODEL.CORRUPT', `onnxruntime rejected the model: ${describe(error)}`, source, { cause: error });
    }
    try {
      checkSession(session, source);
    } catch (error) {
      await session.release().catch(() => undefined);
      throw error;
    }
    return new OnnxSacActor(session, metadata, version ?? metadata.version);
  }

  /** Target fraction for one observation (from buildSacObservation); 0 if the model returns a non-finite value. */
  async fraction(observation: Float32Array): Promise<number> {
    const out = await this.fractions(observation, 1);
    return out[0]!;
  }

  /** Target fractions for n observations given row-major (n × 9). */
  async fractions(observations: Float32Array, n: number): Promise<Float64Array> {
    if (this.disposed) throw new Error(`SAC actor ${this.metadata.modelName} ${this.version} has been disposed`);
    if (observations.length !== n * SAC_OBSERVATION_SIZE) {
      throw new RangeError(`OnnxSacActor: expected ${n} × ${SAC_OBSERVATION_SIZE} values, got ${observations.length}`);
    }
    const result = await this.session.run({ [this.inputName]: new ort.Tensor('float32', observations, [n, SAC_OBSERVATION_SIZE]) });
    const tensor = result[this.outputName];
    // Checked by type tag, not instanceof: the native binding allocates in Node's main realm.
    if (tensor?.type !== 'float32') throw new Error(`onnxruntime returned no float32 output ${this.outputName}`);
    const data = tensor.data as Float32Array;
    const max = this.maxFraction;
    return Float64Array.from(data, (v) => (Number.isFinite(v) ? Math.min(max, Math.max(-max, v)) : 0));
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }
}
