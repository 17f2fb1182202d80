/**
 * Narrow, typed access to the `onnx-proto` package (protobufjs 6 static code for onnx.proto).
 *
 * The package is CommonJS and assigns its namespace at run time, so from ESM only its default
 * export (module.exports) is reliable; its typings are re-exposed here as plain type aliases so
 * the rest of this folder never touches protobufjs' `Long` or `any`.
 */
import onnxProto from 'onnx-proto';
import type { onnx as OnnxNamespace } from 'onnx-proto';

export const onnx: typeof OnnxNamespace = onnxProto.onnx;

export type IModelProto = OnnxNamespace.IModelProto;
export type IGraphProto = OnnxNamespace.IGraphProto;
export type INodeProto = OnnxNamespace.INodeProto;
export type IAttributeProto = OnnxNamespace.IAttributeProto;
export type IValueInfoProto = OnnxNamespace.IValueInfoProto;
export type ITensorProto = OnnxNamespace.ITensorProto;
export type IStringStringEntryProto = OnnxNamespace.IStringStringEntryProto;
export type ModelProto = OnnxNamespace.ModelProto;

/** protobufjs decodes int64 fields to `number` or to a Long (when `long` is resolvable). */
export type Int64Like = number | { toString(): string };

export function int64ToNumber(value: Int64Like | null | undefined): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value.toString());
}

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: false });

export function utf8(text: string): Uint8Array {
  return utf8Encoder.encode(text);
}

export function fromUtf8(bytes: Uint8Array | null | undefined): string {
  return bytes ? utf8Decoder.decode(bytes) : '';
}

export function encodeModel(model: IModelProto): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** Throws protobufjs' own error on malformed wire data. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return onnx.ModelProto.decode(bytes);
}

export function encodeGraph(graph: IGraphProto): Uint8Array {
  return onnx.GraphProto.encode(graph).finish();
}
