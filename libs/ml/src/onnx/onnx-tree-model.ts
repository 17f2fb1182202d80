import { createHash } from 'node:crypto';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { inspectModel, ModelLoadError, readModelBytes } from './model-load-error.js';
import {
  MetadataParseError,
  modelContentSha256,
  ONNX_METADATA_KEYS,
  parseTreeModelMetadata,
  RESERVED_METADATA_PREFIX,
  type OnnxTreeModelMetadata,
} from './onnx-metadata.js';
import { decodeModel, int64ToNumber, type ModelProto } from './onnx-proto.js';

export interface OnnxTreeModelOptions {
  /**
   * onnxruntime intra-op threads. Default 1: one row through 300 trees takes tens of µs, less
   * than handing work to a thread pool costs, and the trader runs other work on the second core.
   */
  readonly intraOpNumThreads?: number;
  /** Passed to onnxruntime as is (overrides the defaults above). */
  readonly sessionOptions?: InferenceSession.SessionOptions;
}

interface DecodedTreeModel {
  readonly metadata: OnnxTreeModelMetadata;
  readonly maxFeatureId: number;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function metadataMap(model: ModelProto): Map<string, string> {
  const props = new Map<string, string>();
  for (const entry of model.metadataProps) {
    if (entry.key) props.set(entry.key, entry.value ?? '');
  }
  return props;
}

/**
 * Checks tm.content_sha256 (the last metadata entry) against the re-encoded rest of the model.
 * A model with no tm.* entry at all is left to the metadata check (a foreign ONNX file); one with
 * tm.* entries but no seal was cut short.
 */
function verifySeal(model: ModelProto, source: string | undefined): void {
  const props = model.metadataProps;
  const last = props[props.length - 1];
  if (last?.key !== ONNX_METADATA_KEYS.contentSha256) {
    if (props.some((p) => p.key?.startsWith(RESERVED_METADATA_PREFIX))) {
      throw new ModelLoadError('MODEL.CORRUPT', `metadata ${ONNX_METADATA_KEYS.contentSha256} is missing (file cut short?)`, source);
    }
    return;
  }
  model.metadataProps = props.slice(0, -1);
  let actual: string;
  try {
    actual = modelContentSha256(model);
  } finally {
    model.metadataProps = props;
  }
  if (actual !== last.value) {
    throw new ModelLoadError('MODEL.CORRUPT', 'the model does not match its recorded sha256 (changed or damaged bytes)', source);
  }
}

/** Everything we check from the protobuf itself, before onnxruntime sees the bytes. */
function inspect(bytes: Uint8Array, source: string | undefined): DecodedTreeModel {
  if (bytes.byteLength === 0) throw new ModelLoadError('MODEL.CORRUPT', 'the model is empty (0 bytes)', source);
  let model: ModelProto;
  try {
    model = decodeModel(bytes);
  } catch (error) {
    throw new ModelLoadError('MODEL.CORRUPT', `not a valid ONNX protobuf: ${describe(error)}`, source, { cause: error });
  }
  const graph = model.graph;
  const nodes = graph?.node ?? [];
  if (!graph || nodes.length === 0) {
    throw new ModelLoadError('MODEL.CORRUPT', 'the ONNX model has no graph or no nodes', source);
  }
  verifySeal(model, source);
  const props = metadataMap(model);
  let metadata: OnnxTreeModelMetadata;
  try {
    metadata = parseTreeModelMetadata(props);
  } catch (error) {
    if (error instanceof MetadataParseError) {
      throw new ModelLoadError('MODEL.METADATA', error.message, source, { cause: error });
    }
    throw error;
  }
  const ensemble = nodes.find((n) => n.opType === 'TreeEnsembleRegressor' && n.domain === 'ai.onnx.ml');
  if (!ensemble || nodes.length !== 1) {
    throw new ModelLoadError('MODEL.SHAPE', 'expected exactly one ai.onnx.ml TreeEnsembleRegressor node', source);
  }
  const featureIds = (ensemble.attribute ?? []).find((a) => a.name === 'nodes_featureids')?.ints ?? [];
  let maxFeatureId = -1;
  for (const f of featureIds) maxFeatureId = Math.max(maxFeatureId, int64ToNumber(f));
  return { metadata, maxFeatureId };
}

function checkSession(session: InferenceSession, decoded: DecodedTreeModel, source: string | undefined): void {
  const width = decoded.metadata.featureNames.length;
  if (session.inputNames.length !== 1 || session.outputNames.length !== 1) {
    throw new ModelLoadError(
      'MODEL.SHAPE',
      `expected one input and one output, found ${session.inputNames.length} and ${session.outputNames.length}`,
      source,
    );
  }
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  if (!input?.isTensor || input.type !== 'float32' || input.shape.length !== 2) {
    throw new ModelLoadError('MODEL.SHAPE', 'the input must be a float32 tensor [N, nFeatures]', source);
  }
  if (input.shape[1] !== width) {
    throw new ModelLoadError(
      'MODEL.SHAPE',
      `input width is ${String(input.shape[1])} but the metadata lists ${width} feature names`,
      source,
    );
  }
  if (typeof input.shape[0] !== 'string') {
    throw new ModelLoadError('MODEL.SHAPE', `the batch dimension must be dynamic, found ${String(input.shape[0])}`, source);
  }
  if (!output?.isTensor || output.type !== 'float32' || output.shape.length !== 2 || output.shape[1] !== 1) {
    throw new ModelLoadError('MODEL.SHAPE', 'the output must be a float32 tensor [N, 1]', source);
  }
  if (decoded.maxFeatureId >= width) {
    throw new ModelLoadError('MODEL.SHAPE', `a split uses feature ${decoded.maxFeatureId} but the input has ${width} columns`, source);
  }
}

/** A tree-ensemble regressor served by onnxruntime-node. Not safe to share across worker threads. */
export class OnnxTreeModel {
  readonly nFeatures: number;
  private readonly inputName: string;
  private readonly outputName: string;
  /** Reused for every single-row call: no allocation on the hot path. */
  private readonly rowBuffer: Float32Array;
  private readonly rowFeeds: Record<string, Tensor>;
  private rowBusy = false;
  private disposed = false;

  private constructor(
    private readonly session: InferenceSession,
    readonly metadata: OnnxTreeModelMetadata,
    /** sha256 (hex) of the exact bytes loaded: the registry's artifact hash. */
    readonly sha256: string,
    /** Size of the loaded model in bytes. */
    readonly byteLength: number,
  ) {
    this.nFeatures = metadata.featureNames.length;
    this.inputName = session.inputNames[0]!;
    this.outputName = session.outputNames[0]!;
    this.rowBuffer = new Float32Array(this.nFeatures);
    this.rowFeeds = { [this.inputName]: new Tensor('float32', this.rowBuffer, [1, this.nFeatures]) };
  }

  /**
   * Loads a model from bytes or a file path. Every failure is a ModelLoadError whose `code` says
   * what went wrong (see ModelLoadErrorCode); nothing else is thrown.
   */
  static async load(source: Uint8Array | string, options: OnnxTreeModelOptions = {}): Promise<OnnxTreeModel> {
    const { bytes, path } = await readModelBytes(source);
    const decoded = inspectModel(() => inspect(bytes, path), path);
    const sessionOptions: InferenceSession.SessionOptions = {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      executionMode: 'sequential',
      intraOpNumThreads: options.intraOpNumThreads ?? 1,
      interOpNumThreads: 1,
      ...options.sessionOptions,
    };
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(bytes, sessionOptions);
    } catch (error) {
      throw new ModelLoadError('MODEL.CORRUPT', `onnxruntime rejected the model: ${describe(error)}`, path, { cause: error });
    }
    try {
      checkSession(session, decoded, path);
    } catch (error) {
      await session.release().catch(() => undefined);
      throw error;
    }
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    return new OnnxTreeModel(session, decoded.metadata, sha256, bytes.byteLength);
  }

  /** Prediction for one row of `nFeatures` values (converted to float32, as the model sees them). */
  async predictOne(row: ArrayLike<number>): Promise<number> {
    this.checkOpen();
    if (row.length !== this.nFeatures) {
      throw new RangeError(`predictOne: expected ${this.nFeatures} features, got ${row.length}`);
    }
    // The run starts on a later tick (onnxruntime-node defers it with setImmediate), so a call
    // that overlaps an unfinished one must not overwrite the shared buffer.
    if (this.rowBusy) return (await this.run(Float32Array.from(row), 1))[0]!;
    this.rowBusy = true;
    try {
      const buf = this.rowBuffer;
      for (let i = 0; i < buf.length; i++) buf[i] = row[i]!;
      const out = await this.session.run(this.rowFeeds);
      return this.outputData(out)[0]!;
    } finally {
      this.rowBusy = false;
    }
  }

  /**
   * Predictions for `nRows` rows given row-major in one array of nRows × nFeatures values.
   * A Float32Array is passed to onnxruntime without copying.
   */
  async predictBatch(rows: ArrayLike<number>, nRows: number): Promise<Float64Array> {
    this.checkOpen();
    if (!Number.isInteger(nRows) || nRows < 0) throw new RangeError(`predictBatch: nRows must be a non-negative integer, got ${nRows}`);
    if (rows.length !== nRows * this.nFeatures) {
      throw new RangeError(`predictBatch: expected ${nRows} × ${this.nFeatures} = ${nRows * this.nFeatures} values, got ${rows.length}`);
    }
    if (nRows === 0) return new Float64Array(0);
    const input = rows instanceof Float32Array ? rows : Float32Array.from(rows);
    return Float64Array.from(await this.run(input, nRows));
  }

  /** Frees the onnxruntime session; the model cannot predict afterwards. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.session.release();
  }

  private async run(input: Float32Array, nRows: number): Promise<Float32Array> {
    const feeds = { [this.inputName]: new Tensor('float32', input, [nRows, this.nFeatures]) };
    return this.outputData(await this.session.run(feeds));
  }

  private outputData(out: InferenceSession.ReturnType): Float32Array {
    const tensor = out[this.outputName];
    // Checked by type tag, not instanceof: the native binding allocates in Node's main realm.
    if (tensor?.type !== 'float32') throw new Error(`onnxruntime returned no float32 output ${this.outputName}`);
    return tensor.data as Float32Array;
  }

  private checkOpen(): void {
    if (this.disposed) throw new Error(`model ${this.metadata.modelName} ${this.metadata.version} has been disposed`);
  }
}
