import { createHash } from 'node:crypto';
import { encodeModel, type IModelProto } from './onnx-proto.js';

/**
 * Keys of the ModelProto.metadata_props that the exporter writes and the loader reads. Every
 * Trade-Matrix key starts with `tm.`; `extra` entries may use any other key.
 */
export const ONNX_METADATA_KEYS = {
  format: 'tm.format',
  kind: 'tm.kind',
  modelName: 'tm.model_name',
  version: 'tm.model_version',
  nFeatures: 'tm.n_features',
  nTrees: 'tm.n_trees',
  featureNames: 'tm.feature_names',
  selectedFeatures: 'tm.selected_features',
  /**
   * sha256 (hex) of the whole ModelProto encoded without this entry; always the LAST entry, so a
   * file cut short loses it and any changed byte before it breaks it.
   */
  contentSha256: 'tm.content_sha256',
} as const;

export const ONNX_TREE_FORMAT = 'trade-matrix/tree-ensemble-regressor@1';
export const RESERVED_METADATA_PREFIX = 'tm.';

/** What a Trade-Matrix tree model carries besides its graph. */
export interface OnnxTreeModelMetadata {
  readonly format: string;
  readonly kind: 'gbdt' | 'random_forest';
  readonly modelName: string;
  readonly version: string;
  /** Names of the input columns, in input order (its length is the input width). */
  readonly featureNames: readonly string[];
  /** The feature-selection result (e.g. Boruta's confirmed list) recorded with the model. */
  readonly selectedFeatures: readonly string[];
  readonly nTrees: number;
  /** Every metadata entry whose key does not start with `tm.`. */
  readonly extra: Readonly<Record<string, string>>;
}

/** sha256 (hex) of the encoded model, as recorded in (and checked against) tm.content_sha256. */
export function modelContentSha256(model: IModelProto): string {
  return createHash('sha256').update(encodeModel(model)).digest('hex');
}

/** Why metadata could not be read; the loader maps it to a ModelLoadError code. */
export class MetadataParseError extends Error {
  constructor(
    message: string,
    readonly reason: 'absent' | 'invalid',
  ) {
    super(message);
    this.name = 'MetadataParseError';
  }
}

function parseStringArray(key: string, raw: string | undefined): string[] {
  if (raw === undefined) throw new MetadataParseError(`metadata ${key} is missing`, 'invalid');
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new MetadataParseError(`metadata ${key} is not valid JSON`, 'invalid');
  }
  if (!Array.isArray(parsed) || !parsed.every((v): v is string => typeof v === 'string')) {
    throw new MetadataParseError(`metadata ${key} must be a JSON array of strings`, 'invalid');
  }
  return parsed;
}

function parseCount(key: string, raw: string | undefined): number {
  const n = raw === undefined ? Number.NaN : Number(raw);
  if (!Number.isSafeInteger(n) || n < 0 || String(n) !== raw) {
    throw new MetadataParseError(`metadata ${key} must be a non-negative integer, got ${JSON.stringify(raw)}`, 'invalid');
  }
  return n;
}

function required(props: ReadonlyMap<string, string>, key: string): string {
  const v = props.get(key);
  if (v === undefined || v === '') throw new MetadataParseError(`metadata ${key} is missing`, 'invalid');
  return v;
}

/** Parses the Trade-Matrix entries of metadata_props (the content hash is checked by the loader). */
export function parseTreeModelMetadata(props: ReadonlyMap<string, string>): OnnxTreeModelMetadata {
  const K = ONNX_METADATA_KEYS;
  const format = props.get(K.format);
  if (format === undefined) {
    throw new MetadataParseError(`not a Trade-Matrix tree model: metadata ${K.format} is absent`, 'absent');
  }
  if (format !== ONNX_TREE_FORMAT) {
    throw new MetadataParseError(`unsupported model format ${JSON.stringify(format)} (expected ${ONNX_TREE_FORMAT})`, 'invalid');
  }
  const kind = required(props, K.kind);
  if (kind !== 'gbdt' && kind !== 'random_forest') {
    throw new MetadataParseError(`metadata ${K.kind} must be gbdt or random_forest, got ${JSON.stringify(kind)}`, 'invalid');
  }
  const featureNames = parseStringArray(K.featureNames, props.get(K.featureNames));
  const nFeatures = parseCount(K.nFeatures, props.get(K.nFeatures));
  if (nFeatures !== featureNames.length) {
    throw new MetadataParseError(
      `metadata ${K.nFeatures} = ${nFeatures} but ${K.featureNames} lists ${featureNames.length} names`,
      'invalid',
    );
  }
  const extra: Record<string, string> = {};
  for (const [key, value] of props) if (!key.startsWith(RESERVED_METADATA_PREFIX)) extra[key] = value;
  return {
    format,
    kind,
    modelName: required(props, K.modelName),
    version: required(props, K.version),
    featureNames,
    selectedFeatures: parseStringArray(K.selectedFeatures, props.get(K.selectedFeatures)),
    nTrees: parseCount(K.nTrees, props.get(K.nTrees)),
    extra,
  };
}
