import type { RegressionTree, TreeEnsembleModel } from '../trees/tree-ensemble.js';
import {
  modelContentSha256,
  ONNX_METADATA_KEYS,
  ONNX_TREE_FORMAT,
  RESERVED_METADATA_PREFIX,
} from './onnx-metadata.js';
import {
  encodeModel,
  onnx,
  utf8,
  type IAttributeProto,
  type IGraphProto,
  type IModelProto,
  type IStringStringEntryProto,
  type IValueInfoProto,
} from './onnx-proto.js';

/** Versions written into every exported model (see ../shared/TOOLCHAIN.md for what loads). */
export const ONNX_EXPORT_VERSIONS = {
  /** IR 8 = ONNX 1.12, the release that introduced default-domain opset 17. */
  irVersion: 8,
  defaultOpset: 17,
  /** TreeEnsembleRegressor is deprecated (rejected by onnxruntime) from ai.onnx.ml opset 5. */
  mlOpset: 3,
} as const;

export const ONNX_INPUT_NAME = 'features';
export const ONNX_OUTPUT_NAME = 'prediction';

export interface OnnxExportMeta {
  readonly modelName: string;
  readonly version: string;
  /** Input columns in order; must equal `model.featureNames`. */
  readonly featureNames: readonly string[];
  /** Feature-selection result recorded with the model (stored as given, JSON). */
  readonly selectedFeatures: readonly string[];
  /** More metadata_props entries; keys must not start with `tm.`. */
  readonly extra?: Readonly<Record<string, string>>;
}

export interface OnnxExportOptions {
  /** Free text stored as ModelProto.doc_string. */
  readonly docString?: string;
}

/** The ensemble cannot be expressed faithfully as an ONNX TreeEnsembleRegressor. */
export class OnnxExportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OnnxExportError';
  }
}

interface FlatEnsemble {
  treeIds: number[];
  nodeIds: number[];
  featureIds: number[];
  modes: Uint8Array[];
  values: number[];
  trueIds: number[];
  falseIds: number[];
  targetTreeIds: number[];
  targetNodeIds: number[];
  targetWeights: number[];
}

const BRANCH_LEQ = utf8('BRANCH_LEQ');
const LEAF = utf8('LEAF');

/**
 * Appends one tree, renumbering its reachable nodes in pre-order (root 0, ids consecutive, as the
 * operator requires) and checking it is a proper binary tree: in-range children, no cycles or
 * shared nodes, valid feature indices, float32-representable thresholds, finite leaves.
 */
function appendTree(flat: FlatEnsemble, tree: RegressionTree, treeId: number, weight: number, nFeatures: number): void {
  const n = tree.feature.length;
  const where = (i: number) => `tree ${treeId}, node ${i}`;
  if (n === 0) throw new OnnxExportError(`tree ${treeId} has no nodes`);
  if (tree.threshold.length !== n || tree.left.length !== n || tree.right.length !== n || tree.value.length !== n) {
    throw new OnnxExportError(`tree ${treeId}: feature/threshold/left/right/value lengths differ`);
  }
  // Pass 1: pre-order ids (left subtree before right).
  const newId = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const stack: number[] = [0];
  while (stack.length > 0) {
    const i = stack.pop()!;
    if (i < 0 || i >= n || !Number.isInteger(i)) throw new OnnxExportError(`tree ${treeId}: child index ${i} out of range [0, ${n})`);
    if (newId[i] !== -1) throw new OnnxExportError(`${where(i)} is reached twice (cycle or shared node)`);
    newId[i] = order.length;
    order.push(i);
    const f = tree.feature[i]!;
    if (f < 0) continue; // a leaf (predictTree's rule)
    if (!Number.isInteger(f) || f < 0 || f >= nFeatures) {
      throw new OnnxExportError(`${where(i)}: feature index ${f} outside [0, ${nFeatures})`);
    }
    stack.push(tree.right[i]!, tree.left[i]!);
  }
  // Pass 2: emit.
  for (const i of order) {
    const id = newId[i]!;
    flat.treeIds.push(treeId);
    flat.nodeIds.push(id);
    const f = tree.feature[i]!;
    if (f < 0) {
      const v = tree.value[i]!;
      if (!Number.isFinite(v)) throw new OnnxExportError(`${where(i)}: leaf value ${v} is not finite`);
      flat.featureIds.push(0);
      flat.modes.push(LEAF);
      flat.values.push(0);
      flat.trueIds.push(0);
      flat.falseIds.push(0);
      flat.targetTreeIds.push(treeId);
      flat.targetNodeIds.push(id);
      flat.targetWeights.push(weight * v);
    } else {
      const t = tree.threshold[i]!;
      if (!Number.isFinite(t) || Math.fround(t) !== t) {
        throw new OnnxExportError(`${where(i)}: threshold ${t} is not a finite float32 value (use Math.fround when fitting)`);
      }
      flat.featureIds.push(f);
      flat.modes.push(BRANCH_LEQ);
      flat.values.push(t);
      flat.trueIds.push(newId[tree.left[i]!]!);
      flat.falseIds.push(newId[tree.right[i]!]!);
    }
  }
}

const AttributeType = onnx.AttributeProto.AttributeType;
const DataType = onnx.TensorProto.DataType;

const ints = (name: string, values: number[]): IAttributeProto => ({ name, type: AttributeType.INTS, ints: values });
const floats = (name: string, values: number[]): IAttributeProto => ({ name, type: AttributeType.FLOATS, floats: values });
const strings = (name: string, values: Uint8Array[]): IAttributeProto => ({ name, type: AttributeType.STRINGS, strings: values });
const string = (name: string, value: string): IAttributeProto => ({ name, type: AttributeType.STRING, s: utf8(value) });
const int = (name: string, value: number): IAttributeProto => ({ name, type: AttributeType.INT, i: value });

function tensorValueInfo(name: string, dims: (number | string)[]): IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: DataType.FLOAT,
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function validateMeta(model: TreeEnsembleModel, meta: OnnxExportMeta): void {
  if (!meta.modelName) throw new OnnxExportError('meta.modelName is empty');
  if (!meta.version) throw new OnnxExportError('meta.version is empty');
  const names = meta.featureNames;
  if (names.length === 0) throw new OnnxExportError('meta.featureNames is empty');
  if (names.length !== model.featureNames.length || names.some((n, i) => n !== model.featureNames[i])) {
    throw new OnnxExportError(
      `meta.featureNames (${names.length}) must equal model.featureNames (${model.featureNames.length}) in order`,
    );
  }
  if (new Set(names).size !== names.length) throw new OnnxExportError('meta.featureNames has duplicates');
  if (new Set(meta.selectedFeatures).size !== meta.selectedFeatures.length) {
    throw new OnnxExportError('meta.selectedFeatures has duplicates');
  }
  for (const key of Object.keys(meta.extra ?? {})) {
    if (key.startsWith(RESERVED_METADATA_PREFIX)) throw new OnnxExportError(`extra metadata key ${key} uses the reserved prefix tm.`);
  }
  if (model.trees.length === 0) throw new OnnxExportError('the ensemble has no trees');
  if (model.treeWeights.length !== model.trees.length) {
    throw new OnnxExportError(`treeWeights has ${model.treeWeights.length} entries for ${model.trees.length} trees`);
  }
  if (!Number.isFinite(model.baseScore)) throw new OnnxExportError(`baseScore ${model.baseScore} is not finite`);
  model.treeWeights.forEach((w, t) => {
    if (!Number.isFinite(w)) throw new OnnxExportError(`treeWeights[${t}] = ${w} is not finite`);
  });
}

/**
 * Serialises a tree ensemble as an ONNX model: one `ai.onnx.ml` TreeEnsembleRegressor node,
 * input `features` float32 [N, nFeatures], output `prediction` float32 [N, 1], computing
 * baseScore + Σ_t treeWeight_t · leaf_t(x) with BRANCH_LEQ splits (x <= threshold goes to the
 * tree's left child), exactly as `predictEnsemble` does.
 */
export function exportTreeEnsembleToOnnx(
  model: TreeEnsembleModel,
  meta: OnnxExportMeta,
  options: OnnxExportOptions = {},
): Uint8Array {
  validateMeta(model, meta);
  const nFeatures = meta.featureNames.length;
  const flat: FlatEnsemble = {
    treeIds: [], nodeIds: [], featureIds: [], modes: [], values: [], trueIds: [], falseIds: [],
    targetTreeIds: [], targetNodeIds: [], targetWeights: [],
  };
  model.trees.forEach((tree, t) => appendTree(flat, tree, t, model.treeWeights[t]!, nFeatures));

  const attribute: IAttributeProto[] = [
    string('aggregate_function', 'SUM'),
    int('n_targets', 1),
    string('post_transform', 'NONE'),
    ints('nodes_treeids', flat.treeIds),
    ints('nodes_nodeids', flat.nodeIds),
    ints('nodes_featureids', flat.featureIds),
    strings('nodes_modes', flat.modes),
    ints('nodes_truenodeids', flat.trueIds),
    ints('nodes_falsenodeids', flat.falseIds),
    ints('target_treeids', flat.targetTreeIds),
    ints('target_nodeids', flat.targetNodeIds),
    ints('target_ids', new Array<number>(flat.targetNodeIds.length).fill(0)),
    // float attributes: with a float32 input onnxruntime keeps thresholds, weights and the sum in
    // float32 (its *_as_tensor double variants are accepted only for a float64 input).
    floats('nodes_values', flat.values),
    floats('target_weights', flat.targetWeights),
    floats('base_values', [model.baseScore]),
  ];

  const graph: IGraphProto = {
    name: meta.modelName,
    input: [tensorValueInfo(ONNX_INPUT_NAME, ['N', nFeatures])],
    output: [tensorValueInfo(ONNX_OUTPUT_NAME, ['N', 1])],
    node: [
      {
        name: 'tree_ensemble',
        opType: 'TreeEnsembleRegressor',
        domain: 'ai.onnx.ml',
        input: [ONNX_INPUT_NAME],
        output: [ONNX_OUTPUT_NAME],
        attribute,
      },
    ],
  };

  const K = ONNX_METADATA_KEYS;
  const props: IStringStringEntryProto[] = [
    { key: K.format, value: ONNX_TREE_FORMAT },
    { key: K.kind, value: model.kind },
    { key: K.modelName, value: meta.modelName },
    { key: K.version, value: meta.version },
    { key: K.nFeatures, value: String(nFeatures) },
    { key: K.nTrees, value: String(model.trees.length) },
    { key: K.featureNames, value: JSON.stringify(meta.featureNames) },
    { key: K.selectedFeatures, value: JSON.stringify(meta.selectedFeatures) },
    ...Object.entries(meta.extra ?? {}).map(([key, value]) => ({ key, value })),
  ];

  const proto: IModelProto = {
    irVersion: ONNX_EXPORT_VERSIONS.irVersion,
    opsetImport: [
      { domain: '', version: ONNX_EXPORT_VERSIONS.defaultOpset },
      { domain: 'ai.onnx.ml', version: ONNX_EXPORT_VERSIONS.mlOpset },
    ],
    producerName: 'trade-matrix',
    producerVersion: '0.1.0',
    domain: 'io.trade-matrix',
    docString: options.docString ?? `${model.kind} tree ensemble ${meta.modelName} ${meta.version}`,
    graph,
    metadataProps: props,
  };
  // Seal: the hash of everything above goes in as the last metadata entry.
  props.push({ key: K.contentSha256, value: modelContentSha256(proto) });
  return encodeModel(proto);
}
