/**
 * Exports the SAC actor's deterministic policy as ONNX:
 *
 *   observation float32 [N, 9] → (Gemm → Relu)* → Gemm (mean head) → Tanh → Mul(maxFraction) → fraction float32 [N, 1]
 *
 * Only the mean row of the output layer is exported: serving never samples, so the log-std head
 * is dead weight. Default-domain opset 17 operators only, float32 weights.
 *
 * Metadata (`tm.*` keys): format, kind, name, version, observation names, maxFraction, seed, hidden
 * sizes, and last a sha256 seal of everything before it (the loader recomputes it, so any changed
 * or missing byte is caught).
 */
import { SAC_OBSERVATION_NAMES, SAC_OBSERVATION_SIZE } from '../observation.js';
import type { SacActor } from '../sac.js';
import { encodeModel, modelContentSha256, onnx, ONNX_EXPORT_VERSIONS, RESERVED_METADATA_PREFIX, type IModelProto, type INodeProto, type IStringStringEntryProto, type ITensorProto, type IValueInfoProto } from '@lib/ml';

export const SAC_ONNX_FORMAT = 'trade-matrix/sac-actor@1';
export const SAC_ONNX_INPUT = 'observation';
export const SAC_ONNX_OUTPUT = 'fraction';

export const SAC_METADATA_KEYS = {
  format: 'tm.format',
  kind: 'tm.kind',
  modelName: 'tm.model_name',
  version: 'tm.model_version',
  observationNames: 'tm.observation_names',
  nObservations: 'tm.n_observations',
  maxFraction: 'tm.max_fraction',
  seed: 'tm.seed',
  hiddenSizes: 'tm.hidden_sizes',
  /** sha256 of the model encoded without this entry; always the last entry. */
  contentSha256: 'tm.content_sha256',
} as const;

export interface SacOnnxMeta {
  readonly modelName: string;
  readonly version: string;
  readonly maxFraction: number;
  readonly seed: number;
  /** More metadata entries (training span, metrics…); keys must not start with `tm.`. */
  readonly extra?: Readonly<Record<string, string>>;
}

const DataType = onnx.TensorProto.DataType;
const AttributeType = onnx.AttributeProto.AttributeType;

function floatTensor(name: string, dims: number[], values: ArrayLike<number>): ITensorProto {
  const data = Array.from(values, (v) => Math.fround(v));
  if (data.some((v) => !Number.isFinite(v))) throw new RangeError(`ONNX export: tensor ${name} has a non-finite (or float32-overflowing) value`);
  return { name, dims, dataType: DataType.FLOAT, floatData: data };
}

function valueInfo(name: string, dims: (number | string)[]): IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

const gemm = (name: string, input: string, w: string, b: string, output: string): INodeProto => ({
  name,
  opType: 'Gemm',
  input: [input, w, b],
  output: [output],
  attribute: [{ name: 'transB', type: AttributeType.INT, i: 1 }],
});

/** Serialises the deterministic actor (tanh(mean) × maxFraction) to ONNX bytes. */
export function exportSacActorToOnnx(actor: SacActor, meta: SacOnnxMeta): Uint8Array {
  const net = actor.network;
  if (net.inputSize !== SAC_OBSERVATION_SIZE) throw new RangeError(`ONNX export: the actor takes ${net.inputSize} inputs, the observation has ${SAC_OBSERVATION_SIZE}`);
  if (!meta.modelName || !meta.version) throw new RangeError('ONNX export: modelName and version are required');
  if (!(Number.isFinite(meta.maxFraction) && meta.maxFraction >= 0)) throw new RangeError(`ONNX export: maxFraction must be finite and ≥ 0, got ${meta.maxFraction}`);
  for (const key of Object.keys(meta.extra ?? {})) {
    if (key.startsWith(RESERVED_METADATA_PREFIX)) throw new RangeError(`ONNX export: extra metadata key ${key} uses the reserved prefix tm.`);
  }
  const sizes = net.sizes;
  const layers = sizes.length - 1;
  const initializer: ITensorProto[] = [];
  const node: INodeProto[] = [];
  let current = SAC_ONNX_INPUT;
  for (let l = 0; l < layers; l++) {
    const nIn = sizes[l]!;
    const last = l === layers - 1;
    const nOut = last ? 1 : sizes[l + 1]!; // last layer: the mean row only
    const { weights, biases } = net.layerOffsets(l);
    initializer.push(floatTensor(`W${l}`, [nOut, nIn], net.params.subarray(weights, weights + nOut * nIn)));
    initializer.push(floatTensor(`b${l}`, [nOut], net.params.subarray(biases, biases + nOut)));
    const out = last ? 'mean' : `h${l}`;
    node.push(gemm(`dense${l}`, current, `W${l}`, `b${l}`, out));
    if (!last) {
      node.push({ name: `relu${l}`, opType: 'Relu', input: [out], output: [`a${l}`] });
      current = `a${l}`;
    }
  }
  initializer.push(floatTensor('max_fraction', [1], [meta.maxFraction]));
  node.push({ name: 'squash', opType: 'Tanh', input: ['mean'], output: ['action'] });
  node.push({ name: 'scale', opType: 'Mul', input: ['action', 'max_fraction'], output: [SAC_ONNX_OUTPUT] });

  const K = SAC_METADATA_KEYS;
  const props: IStringStringEntryProto[] = [
    { key: K.format, value: SAC_ONNX_FORMAT },
    { key: K.kind, value: 'sac_actor' },
    { key: K.modelName, value: meta.modelName },
    { key: K.version, value: meta.version },
    { key: K.observationNames, value: JSON.stringify(SAC_OBSERVATION_NAMES) },
    { key: K.nObservations, value: String(SAC_OBSERVATION_SIZE) },
    { key: K.maxFraction, value: String(meta.maxFraction) },
    { key: K.seed, value: String(meta.seed) },
    { key: K.hiddenSizes, value: JSON.stringify(sizes.slice(1, -1)) },
    ...Object.entries(meta.extra ?? {}).map(([key, value]) => ({ key, value })),
  ];
  const proto: IModelProto = {
    irVersion: ONNX_EXPORT_VERSIONS.irVersion,
    opsetImport: [{ domain: '', version: ONNX_EXPORT_VERSIONS.defaultOpset }],
    producerName: 'trade-matrix',
    producerVersion: '0.1.0',
    domain: 'io.trade-matrix',
    docString: `SAC position sizer ${meta.modelName} ${meta.version}: deterministic actor tanh(mean) × maxFraction`,
    graph: {
      name: meta.modelName,
      input: [valueInfo(SAC_ONNX_INPUT, ['N', SAC_OBSERVATION_SIZE])],
      output: [valueInfo(SAC_ONNX_OUTPUT, ['N', 1])],
      initializer,
      node,
    },
    metadataProps: props,
  };
  props.push({ key: K.contentSha256, value: modelContentSha256(proto) });
  return encodeModel(proto);
}
