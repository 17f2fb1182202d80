import { CodecError, decodeFields, encodeFields, type FieldsOf, type JsonObject, type JsonValue, type Schema } from './codec.js';

/**
 * Base of every event. The wire identity is `type` + `version` (a stable string such as
 * 'order.filled'), never the class name; the store and replay key on it.
 */
export abstract class DomainEvent {
  abstract readonly tsEvent: number;
  get type(): string {
    return (this.constructor as unknown as { type: string }).type;
  }
  get version(): number {
    return (this.constructor as unknown as { version: number }).version;
  }
  /** Payload keys are written in schema order, then tsEvent: the JSON of an event is byte-stable. */
  toPayload(): JsonObject {
    const schema = (this.constructor as unknown as { schema: Schema }).schema;
    return { ...encodeFields(schema, this as unknown as FieldsOf<Schema>), tsEvent: this.tsEvent };
  }
}

export interface EventClass<E extends DomainEvent = DomainEvent> {
  readonly type: string;
  readonly version: number;
  /** Older wire names that decode into this class (renames keep old streams readable). */
  readonly aliases: readonly string[];
  readonly schema: Schema;
  fromPayload(payload: JsonValue): E;
  new (...args: never[]): E;
}

type DefinedEvent<S extends Schema> = {
  new (fields: FieldsOf<S> & { readonly tsEvent: number }): DomainEvent & FieldsOf<S> & { readonly tsEvent: number };
  readonly type: string;
  readonly version: number;
  readonly aliases: readonly string[];
  readonly schema: S;
  fromPayload(payload: JsonValue): DomainEvent & FieldsOf<S> & { readonly tsEvent: number };
};

/**
 * Declares an event class from its wire name, version and field schema:
 * `export class OrderFilledEvent extends defineEvent('order.filled', 1, {...}) {}`.
 * Payload keys are written in schema order, so the JSON of an event is byte-stable.
 */
export function defineEvent<S extends Schema>(type: string, version: number, schema: S, aliases: readonly string[] = []): DefinedEvent<S> {
  const keys = Object.keys(schema);
  class Defined extends DomainEvent {
    static readonly type = type;
    static readonly version = version;
    static readonly aliases = aliases;
    static readonly schema = schema;
    declare readonly tsEvent: number;
    constructor(fields: FieldsOf<S> & { readonly tsEvent: number }) {
      super();
      for (const key of keys) (this as Record<string, unknown>)[key] = (fields as Record<string, unknown>)[key];
      (this as { tsEvent: number }).tsEvent = fields.tsEvent;
    }
    static fromPayload(payload: JsonValue): Defined {
      const fields = decodeFields(schema, payload, type) as FieldsOf<S> & { tsEvent: number };
      const ts = (payload as JsonObject).tsEvent;
      if (typeof ts !== 'number' || !Number.isSafeInteger(ts)) throw new CodecError(`${type}.tsEvent: expected an integer`);
      fields.tsEvent = ts;
      // `this` is the concrete subclass, so decoding yields e.g. an OrderFilledEvent instance.
      return new this(fields);
    }
  }
  return Defined as unknown as DefinedEvent<S>;
}
