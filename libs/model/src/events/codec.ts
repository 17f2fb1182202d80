import { Money } from '../types/money.js';
import { Price } from '../types/price.js';
import { Quantity } from '../types/quantity.js';
import { parseDecimal, formatDecimal, FIXED_PRECISION } from '../types/fixed-point.js';

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

export class CodecError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CodecError';
  }
}

/** Encodes one field to JSON and back; amounts travel as decimal strings, never as floats. */
export interface FieldCodec<T> {
  encode(value: T): JsonValue;
  decode(json: JsonValue | undefined, path: string): T;
}

function expectString(json: JsonValue | undefined, path: string): string {
  if (typeof json !== 'string') throw new CodecError(`${path}: expected a string, got ${JSON.stringify(json)}`);
  return json;
}

export const Field = {
  string: <T extends string = string>(): FieldCodec<T> => ({
    encode: (v) => v,
    decode: (j, path) => expectString(j, path) as T,
  }),
  int: (): FieldCodec<number> => ({
    encode: (v) => v,
    decode: (j, path) => {
      if (typeof j !== 'number' || !Number.isSafeInteger(j)) throw new CodecError(`${path}: expected an integer, got ${JSON.stringify(j)}`);
      return j;
    },
  }),
  bool: (): FieldCodec<boolean> => ({
    encode: (v) => v,
    decode: (j, path) => {
      if (typeof j !== 'boolean') throw new CodecError(`${path}: expected a boolean`);
      return j;
    },
  }),
  oneOf: <const T extends string>(values: readonly T[]): FieldCodec<T> => ({
    encode: (v) => v,
    decode: (j, path) => {
      const s = expectString(j, path);
      if (!(values as readonly string[]).includes(s)) throw new CodecError(`${path}: '${s}' is not one of ${values.join(', ')}`);
      return s as T;
    },
  }),
  price: (): FieldCodec<Price> => ({
    encode: (v) => v.toString(),
    decode: (j, path) => parseString(j, path, (s) => Price.parse(s)),
  }),
  quantity: (): FieldCodec<Quantity> => ({
    encode: (v) => v.toString(),
    decode: (j, path) => parseString(j, path, (s) => Quantity.parse(s)),
  }),
  money: (): FieldCodec<Money> => ({
    encode: (v) => v.toString(),
    decode: (j, path) => parseString(j, path, (s) => Money.fromWire(s)),
  }),
  /** A raw fixed-point fraction (rates), written as a decimal string. */
  rate: (): FieldCodec<bigint> => ({
    encode: (v) => trimDecimal(formatDecimal(v, FIXED_PRECISION)),
    decode: (j, path) => parseString(j, path, (s) => parseDecimal(s).raw),
  }),
  json: <T extends JsonValue>(): FieldCodec<T> => ({
    encode: (v) => v,
    decode: (j, path) => {
      if (j === undefined) throw new CodecError(`${path}: missing`);
      return j as T;
    },
  }),
  optional: <T>(inner: FieldCodec<T>): FieldCodec<T | null> => ({
    encode: (v) => (v === null ? null : inner.encode(v)),
    decode: (j, path) => (j === null || j === undefined ? null : inner.decode(j, path)),
  }),
};

function trimDecimal(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Parses a string field, reporting a parse failure as a CodecError that names the field path once. */
function parseString<T>(json: JsonValue | undefined, path: string, parse: (text: string) => T): T {
  const text = expectString(json, path);
  try {
    return parse(text);
  } catch (err) {
    throw new CodecError(`${path}: ${(err as Error).message}`);
  }
}

export type Schema = Record<string, FieldCodec<unknown>>;
export type FieldsOf<S extends Schema> = { readonly [K in keyof S]: S[K] extends FieldCodec<infer T> ? T : never };

/** Per schema: its keys, codecs and error paths, computed once (decoding runs per stored event on replay). */
const plans = new WeakMap<Schema, Map<string, Array<readonly [string, FieldCodec<unknown>, string]>>>();

function planOf(schema: Schema, path: string): Array<readonly [string, FieldCodec<unknown>, string]> {
  let byPath = plans.get(schema);
  if (!byPath) {
    byPath = new Map();
    plans.set(schema, byPath);
  }
  let plan = byPath.get(path);
  if (!plan) {
    plan = Object.keys(schema).map((key) => [key, schema[key]!, `${path}.${key}`] as const);
    byPath.set(path, plan);
  }
  return plan;
}

export function encodeFields<S extends Schema>(schema: S, value: FieldsOf<S>): JsonObject {
  const out: JsonObject = {};
  for (const [key, codec] of planOf(schema, '')) {
    out[key] = codec.encode((value as Record<string, unknown>)[key]);
  }
  return out;
}

export function decodeFields<S extends Schema>(schema: S, json: JsonValue, path: string): FieldsOf<S> {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw new CodecError(`${path}: expected an object`);
  const out: Record<string, unknown> = {};
  for (const [key, codec, fieldPath] of planOf(schema, path)) {
    out[key] = codec.decode(json[key], fieldPath);
  }
  return out as FieldsOf<S>;
}
