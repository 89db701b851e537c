/**
 * PostgreSQL array literals for array bindings, written the way node-postgres writes them (every
 * element quoted, `\` and `"` escaped, null as NULL, a Buffer as `\\x` and its hex), only faster.
 * node-postgres escaped every element with two regular-expression passes and prepared it through
 * its general value conversion, and knex looked into every element for an undefined one: at
 * saturation that was a tenth of the arbiter's CPU (issue 22: its decision writes and outbox rows
 * send every column of 250 decisions as an array, JSON texts among them). For an array binding,
 * the statement's text and what reaches the server do not change: it was sent as this very literal
 * before. A JsonTexts column is another matter: its statement reads it with JSON_COLUMN.
 */

/** What needs escaping inside a quoted array element. */
const SPECIAL = /["\\]/;

function quoted(text: string): string {
  if (!SPECIAL.test(text)) return `"${text}"`;
  // Two plain-text passes: faster than one regular expression whose every match is replaced (measured).
  const backslashes = text.includes('\\') ? text.replaceAll('\\', '\\\\') : text;
  return `"${backslashes.replaceAll('"', '\\"')}"`;
}

/** The element as node-postgres writes it, or undefined when it is of a kind left to node-postgres (a Date, an object). */
function element(value: unknown, at: number): string | undefined {
  switch (typeof value) {
    case 'string':
      return quoted(value);
    case 'number':
    case 'bigint':
      return `"${String(value)}"`;
    case 'boolean':
      return value ? '"true"' : '"false"';
    case 'undefined':
      // knex refused an undefined anywhere in a binding; so do we, rather than send NULL for a bug.
      throw new TypeError(`undefined at index ${at} of an array binding`);
    case 'object':
      if (value === null) return 'NULL';
      if (Buffer.isBuffer(value)) return `\\\\x${value.toString('hex')}`;
      if (Array.isArray(value)) return literalOrUndefined(value);
      return undefined;
    default:
      return undefined;
  }
}

function literalOrUndefined(values: readonly unknown[]): string | undefined {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) {
    const part = element(values[i], i);
    if (part === undefined) return undefined;
    parts[i] = part;
  }
  return `{${parts.join(',')}}`;
}

/** The array's literal; an array holding a Date or another object is given back as it is, for node-postgres to write. */
export function arrayLiteral(values: readonly unknown[]): string | readonly unknown[] {
  return literalOrUndefined(values) ?? values;
}

/**
 * A column of JSON texts (each one JSON.stringify made, or null), sent as one JSON array that
 * JSON_COLUMN reads back: the texts are joined as they are, where an array literal escaped every
 * quote in them (most of the arbiter's bytes are JSON: outbox payloads, audit snapshots).
 */
export class JsonTexts extends Array<string | null> {}

export function jsonTexts(values: readonly (string | null)[]): JsonTexts {
  const column = new JsonTexts();
  for (const value of values) column.push(value);
  return column;
}

/**
 * The SQL of a jsonb[] from a JsonTexts binding, in its order. A null text is SQL NULL, and so is
 * the JSON text `null` (the array cannot tell them apart): only for columns whose values are JSON
 * objects, arrays, strings or numbers, or SQL NULL, as every one sent this way is.
 */
export const JSON_COLUMN = `ARRAY(SELECT NULLIF(e, 'null'::jsonb) FROM jsonb_array_elements(?::jsonb) WITH ORDINALITY AS json_column(e, n) ORDER BY n)`;

/** The bindings with each array binding written as its literal (see arrayLiteral), a JsonTexts as its JSON array; the others as they are. */
export function withArrayLiterals(bindings: readonly unknown[]): unknown[] {
  return bindings.map((binding) => {
    if (binding instanceof JsonTexts) return `[${binding.map((text) => text ?? 'null').join(',')}]`;
    return Array.isArray(binding) ? arrayLiteral(binding) : binding;
  });
}
