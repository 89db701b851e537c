/**
 * TypeScript types from the .avsc files, so record types and schemas cannot drift: the build
 * writes src/generated/records.ts from them, and a test fails when the committed file differs.
 */

type AvroType = string | AvroType[] | AvroNamed | AvroArray | AvroMap | AvroLogical;
interface AvroField {
  name: string;
  type: AvroType;
  doc?: string;
  default?: unknown;
}
interface AvroRecord {
  type: 'record';
  name: string;
  namespace?: string;
  doc?: string;
  fields: AvroField[];
}
interface AvroEnum {
  type: 'enum';
  name: string;
  namespace?: string;
  doc?: string;
  symbols: string[];
}
type AvroNamed = AvroRecord | AvroEnum;
interface AvroArray {
  type: 'array';
  items: AvroType;
}
interface AvroMap {
  type: 'map';
  values: AvroType;
}
interface AvroLogical {
  type: 'int' | 'long';
  logicalType: 'date' | 'timestamp-millis';
}

const PRIMITIVES: Record<string, string> = {
  null: 'null',
  boolean: 'boolean',
  int: 'number',
  long: 'number',
  float: 'number',
  double: 'number',
  string: 'string',
  bytes: 'Buffer',
};

interface Named {
  readonly fullName: string;
  readonly definition: string;
  readonly source: string;
}

/** Generates the TypeScript of every named type in the schemas, each once. */
export function generateTypes(schemas: readonly { file: string; schema: string }[]): string {
  const named = new Map<string, Named>();
  const out: string[] = [];

  const typeOf = (type: AvroType, namespace: string | undefined, file: string): string => {
    if (typeof type === 'string') {
      if (type in PRIMITIVES) return PRIMITIVES[type]!;
      return shortName(type);
    }
    if (Array.isArray(type)) return type.map((t) => typeOf(t, namespace, file)).join(' | ');
    switch (type.type) {
      case 'record':
      case 'enum':
        declare(type, namespace, file);
        return type.name;
      case 'array':
        return `${wrap(typeOf(type.items, namespace, file))}[]`;
      case 'map':
        return `Record<string, ${typeOf(type.values, namespace, file)}>`;
      case 'int':
      case 'long':
        return type.logicalType === 'date' ? 'EpochDay' : 'EpochMillis';
    }
  };

  const declare = (type: AvroNamed, enclosing: string | undefined, file: string): void => {
    const ns = type.namespace ?? enclosing;
    const fullName = ns ? `${ns}.${type.name}` : type.name;
    const definition = JSON.stringify(type);
    const seen = named.get(fullName);
    if (seen) {
      if (seen.definition !== definition) {
        throw new Error(`${fullName} is defined differently in ${seen.source} and ${file}: keep every copy identical`);
      }
      return;
    }
    for (const other of named.values()) {
      if (shortName(other.fullName) === type.name) throw new Error(`${fullName} and ${other.fullName} share the name ${type.name}`);
    }
    named.set(fullName, { fullName, definition, source: file });
    const lines: string[] = [];
    if (type.type === 'enum') {
      lines.push(`${doc(type.doc, '')}export const ${type.name}Symbols = [${type.symbols.map((s) => `'${s}'`).join(', ')}] as const;`);
      lines.push(`export type ${type.name} = (typeof ${type.name}Symbols)[number];`);
    } else {
      const fields = type.fields.map((f) => `${doc(f.doc, '  ')}  ${f.name}: ${typeOf(f.type, ns, file)};`);
      lines.push(`${doc(type.doc, '')}export interface ${type.name} {`, ...fields, '}');
    }
    out.push(lines.join('\n'));
  };

  for (const { file, schema } of schemas) {
    const parsed = JSON.parse(schema) as AvroType;
    if (typeof parsed !== 'object' || Array.isArray(parsed) || parsed.type !== 'record') throw new Error(`${file}: expected a record`);
    declare(parsed, undefined, file);
  }

  return [
    '// Generated from packages/schemas/avro/*.avsc by `pnpm --filter @cm/schemas generate`. Do not edit.',
    '',
    '/** Avro `date`: days since 1970-01-01, a property-local calendar date. */',
    'export type EpochDay = number;',
    '/** Avro `timestamp-millis`: milliseconds since the epoch, UTC. */',
    'export type EpochMillis = number;',
    '',
    out.join('\n\n'),
    '',
  ].join('\n');
}

function shortName(fullName: string): string {
  return fullName.slice(fullName.lastIndexOf('.') + 1);
}

function wrap(type: string): string {
  return type.includes('|') ? `(${type})` : type;
}

function doc(text: string | undefined, indent: string): string {
  return text ? `${indent}/** ${text.replace(/\*\//g, '*\\/')} */\n` : '';
}
