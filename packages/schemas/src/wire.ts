import { readValueSchema } from './avro-files';
import type { TopicHandle, TopicSpec } from './topics';

/**
 * avsc reads and writes a union of records as Avro's JSON form does: wrapped in an object keyed
 * by the variant's full name. In TypeScript such a union is the discriminated union tagged by
 * each variant's `kind` field (an enum of one symbol). A codec converts between the two at the
 * topic's edge, driven by the schema, so nothing else sees the wrapping. Records without such a
 * union pass through untouched.
 */
export interface WireCodec<V> {
  /** The value as avsc writes it. */
  toWire(value: V): unknown;
  /** The value avsc read, as its TypeScript type. */
  fromWire(wire: unknown): V;
}

/** Converts one value in one direction; null where the schema holds nothing to convert. */
type Convert = (value: unknown) => unknown;
interface Converter {
  readonly toWire: Convert;
  readonly fromWire: Convert;
}

type Schema = string | Schema[] | NamedSchema;
interface NamedSchema {
  type: string;
  name?: string;
  namespace?: string;
  fields?: { name: string; type: Schema }[];
  items?: Schema;
  values?: Schema;
  symbols?: string[];
}

/** The codec of a schema (parsed .avsc). */
export function wireCodecOf<V>(schema: unknown): WireCodec<V> {
  const converter = new ConverterBuilder().build(schema as Schema, undefined);
  return {
    toWire: (value) => (converter ? converter.toWire(value) : value),
    fromWire: (wire) => (converter ? converter.fromWire(wire) : wire) as V,
  };
}

const codecs = new Map<string, WireCodec<unknown>>();

/** The codec of a topic's value schema, built once per schema. */
export function wireCodec<V>(topic: TopicHandle<V> | TopicSpec): WireCodec<V> {
  let codec = codecs.get(topic.valueSchema);
  if (!codec) {
    codec = wireCodecOf(JSON.parse(readValueSchema(topic).schema));
    codecs.set(topic.valueSchema, codec);
  }
  return codec as WireCodec<V>;
}

class ConverterBuilder {
  /** The full name a name refers to: as written when it has a namespace (or names no type here), else in the enclosing one. */
  private resolve(name: string, namespace: string | undefined): string {
    if (name.includes('.') || !namespace) return name;
    const qualified = `${namespace}.${name}`;
    return this.named.has(qualified) ? qualified : name;
  }

  /** Named types by full name: a converter, or null when the type holds nothing to convert. */
  private readonly named = new Map<string, Converter | null>();
  /** Named records by full name, so a union naming one is known as a union of records. */
  private readonly records = new Map<string, NamedSchema & { fullName: string }>();

  build(schema: Schema, namespace: string | undefined): Converter | null {
    if (typeof schema === 'string') return this.named.get(this.resolve(schema, namespace)) ?? null;
    if (Array.isArray(schema)) return this.union(schema, namespace);
    switch (schema.type) {
      case 'record': {
        const ns = schema.namespace ?? namespace;
        const fields = schema.fields!.map((f) => ({ name: f.name, converter: this.build(f.type, ns) }));
        const converting = fields.filter((f): f is { name: string; converter: Converter } => f.converter !== null);
        const converter: Converter | null =
          converting.length === 0
            ? null
            : {
                toWire: (value) => convertFields(value, converting, 'toWire'),
                fromWire: (value) => convertFields(value, converting, 'fromWire'),
              };
        this.named.set(fullName(schema.name!, ns), converter);
        this.records.set(fullName(schema.name!, ns), { ...schema, fullName: fullName(schema.name!, ns) });
        return converter;
      }
      case 'enum':
      case 'fixed':
        this.named.set(fullName(schema.name!, schema.namespace ?? namespace), null);
        return null;
      case 'array': {
        const item = this.build(schema.items!, namespace);
        return item && { toWire: (v) => (v as unknown[]).map(item.toWire), fromWire: (v) => (v as unknown[]).map(item.fromWire) };
      }
      case 'map': {
        const value = this.build(schema.values!, namespace);
        const each = (f: Convert) => (v: unknown) => Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, f(x)]));
        return value && { toWire: each(value.toWire), fromWire: each(value.fromWire) };
      }
      default:
        return null;
    }
  }

  /**
   * A union with two or more records is wrapped by avsc: each record must then be a variant
   * tagged by its `kind`. A union with at most one record (`["null", X]`) is not wrapped; its
   * record is converted when it holds a tagged union itself.
   */
  private union(branches: Schema[], namespace: string | undefined): Converter | null {
    const converters = branches.map((b) => this.build(b, namespace));
    // After building: a record defined in this union, or earlier and named here, is known by now.
    const records = branches.flatMap((b) => {
      const record = typeof b === 'string' ? this.records.get(this.resolve(b, namespace)) : !Array.isArray(b) && b.type === 'record' ? this.records.get(fullName(b.name!, b.namespace ?? namespace)) : undefined;
      return record ? [record] : [];
    });
    if (records.length < 2) {
      const inner = converters.find((c) => c !== null);
      if (!inner) return null;
      const orNull = (f: Convert) => (v: unknown) => (v === null ? null : f(v));
      return { toWire: orNull(inner.toWire), fromWire: orNull(inner.fromWire) };
    }
    if (records.length !== branches.filter((b) => b !== 'null').length) throw new Error('a union of records may hold only records and null');
    const byKind = new Map<string, { name: string; converter: Converter | null }>();
    const byName = new Map<string, Converter | null>();
    for (const record of records) {
      const name = record.fullName;
      const kind = record.fields?.find((f) => f.name === 'kind')?.type;
      const symbols = typeof kind === 'object' && !Array.isArray(kind) && kind.type === 'enum' ? kind.symbols : undefined;
      if (symbols?.length !== 1) throw new Error(`${name}: a variant of a union of records needs a field 'kind', an enum of one symbol`);
      const converter = this.named.get(name) ?? null;
      byKind.set(symbols[0]!, { name, converter });
      byName.set(name, converter);
    }
    return {
      toWire: (value) => {
        if (value === null) return null;
        const kind = (value as { kind?: unknown }).kind;
        const variant = typeof kind === 'string' ? byKind.get(kind) : undefined;
        if (!variant) throw new Error(`no variant of the union has kind '${String(kind)}'`);
        return { [variant.name]: variant.converter ? variant.converter.toWire(value) : value };
      },
      fromWire: (wire) => {
        if (wire === null) return null;
        const entries = Object.entries(wire as Record<string, unknown>);
        if (entries.length !== 1 || !byName.has(entries[0]![0])) throw new Error(`a union of records carries one variant by its name, not ${JSON.stringify(Object.keys(wire as object))}`);
        const [name, value] = entries[0]!;
        const converter = byName.get(name);
        return converter ? converter.fromWire(value) : value;
      },
    };
  }
}

function convertFields(value: unknown, fields: readonly { name: string; converter: Converter }[], direction: keyof Converter): unknown {
  const out = { ...(value as Record<string, unknown>) };
  for (const { name, converter } of fields) out[name] = converter[direction](out[name]);
  return out;
}

function fullName(name: string, namespace: string | undefined): string {
  return name.includes('.') || !namespace ? name : `${namespace}.${name}`;
}
