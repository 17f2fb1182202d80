/**
 * Typed access to `onnx-proto` (protobufjs static code, CommonJS), as in libs/ml/src/onnx: from ESM
 * only the default export is reliable, and its typings are re-exposed as plain aliases.
 * (@lib/ml keeps its own copy internal, so this lib has this small one.)
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxNamespace } from 'onnx-proto';

export const onnx: typeof OnnxNamespace = onnxProto.onnx;

export type IModelProto = OnnxNamespace.IModelProto;
export type IGraphProto = OnnxNamespace.IGraphProto;
export type INodeProto = OnnxNamespace.INodeProto;
export type ITensorProto = OnnxNamespace.ITensorProto;
export type IValueInfoProto = OnnxNamespace.IValueInfoProto;
export type IStringStringEntryProto = OnnxNamespace.IStringStringEntryProto;
export type ModelProto = OnnxNamespace.ModelProto;

export function encodeModel(model: IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Throws protobufjs' own error on malformed wire data. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}
