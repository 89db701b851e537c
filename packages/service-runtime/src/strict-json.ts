import { Problem } from './problem';

type FieldProblem = { readonly path: string; readonly message: string };

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * A request body as I-JSON (RFC 7493): UTF-8 without a byte that is not, strings that are
 * well-formed Unicode (no lone surrogate, escaped or not), and numbers that mean what they say.
 * A lenient parser turns all three into other values silently: a U+FFFD, a string another
 * language cannot decode, a price of 0 for `1e-400`. Each is refused with the field it is in.
 */
export function parseStrictJson(raw: Buffer): unknown {
  if (raw.length === 0) throw new Problem(400, 'empty_body', 'the body is empty; a JSON object is expected');
  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    throw new Problem(400, 'malformed_utf8', 'the body is not well-formed UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text, readNumberAsWritten as Reviver);
  } catch (error) {
    if (error instanceof Problem) throw error;
    throw new Problem(400, 'malformed_json', `the body is not JSON: ${(error as Error).message.slice(0, 200)}`);
  }
  const problems = illFormedStrings(value);
  if (problems.length > 0) throw new Problem(400, 'ill_formed_unicode', 'strings must be well-formed Unicode: a lone surrogate is not a character', problems);
  const names = memberNameProblems(text);
  if (names.length > 0) throw new Problem(400, 'duplicate_member', 'each member of an object must have a name of its own (RFC 7493), and none may be __proto__', names);
  return value;
}

/**
 * Object members named twice in one object, or named `__proto__`, by their dotted paths, in JSON
 * text that JSON.parse took. JSON.parse keeps the last of two members silently, where another
 * reader (a gateway, a log, another language's parser) may keep the first: the two would act on
 * different requests. A `__proto__` member is dropped by the schemas that read records.
 */
export function memberNameProblems(text: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  let i = 0;
  const skipSpace = () => {
    while (i < text.length && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const stringEnd = (from: number) => {
    let j = from + 1;
    while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
    return j + 1;
  };
  const at = (path: string, key: string | number) => (path ? `${path}.${key}` : String(key));
  const value = (path: string): void => {
    skipSpace();
    const c = text[i];
    if (c === '{') {
      i++;
      const names = new Set<string>();
      skipSpace();
      if (text[i] === '}') return void i++;
      for (;;) {
        skipSpace();
        const end = stringEnd(i);
        const name = JSON.parse(text.slice(i, end)) as string;
        i = end;
        skipSpace();
        i++; // ':'
        if (names.has(name)) problems.push({ path: at(path, name), message: 'this name appears twice in its object' });
        else if (name === '__proto__') problems.push({ path: at(path, name), message: 'not a name a member may have' });
        names.add(name);
        value(at(path, name));
        skipSpace();
        if (text[i++] === '}') return;
      }
    }
    if (c === '[') {
      i++;
      skipSpace();
      if (text[i] === ']') return void i++;
      for (let index = 0; ; index++) {
        value(at(path, index));
        skipSpace();
        if (text[i++] === ']') return;
      }
    }
    if (c === '"') {
      i = stringEnd(i);
      return;
    }
    while (i < text.length && !',]} \t\n\r'.includes(text[i]!)) i++;
  };
  value('');
  return problems;
}

type Reviver = (this: unknown, key: string, value: unknown) => unknown;

/** JSON.parse gives a reviver each primitive's source text (Node 21+), so a number can be checked against what was written. */
function readNumberAsWritten(key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || context?.source === undefined) return value;
  if (!Number.isFinite(value) || decimalOf(context.source) !== decimalOf(String(value))) {
    throw new Problem(400, 'number_not_representable', `'${context.source.slice(0, 40)}'${key ? ` (in '${key.slice(0, 40)}')` : ''} cannot be read as written: it is beyond a 64-bit float's range or precision; send it as a decimal string`);
  }
  return value;
}

/** A decimal's value in one spelling (`<sign><digits>e<exponent>`, digits without leading or trailing zeros), or '' if it is none. */
export function decimalOf(text: string): string {
  const match = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!match) return '';
  const fraction = match[3] ?? '';
  let digits = (match[2]! + fraction).replace(/^0+/, '');
  let exponent = Number(match[4] ?? '0') - fraction.length;
  const trailing = /0*$/.exec(digits)![0].length;
  digits = digits.slice(0, digits.length - trailing);
  exponent += trailing;
  return digits === '' ? '0' : `${match[1]}${digits}e${exponent}`;
}

/** Every string (object keys included) that is not well-formed Unicode, by its dotted path. */
export function illFormedStrings(value: unknown, path = ''): FieldProblem[] {
  const at = (key: string | number) => (path ? `${path}.${key}` : String(key));
  if (typeof value === 'string') return value.isWellFormed() ? [] : [{ path: path || '(body)', message: 'not well-formed Unicode (a lone surrogate)' }];
  if (Array.isArray(value)) return value.flatMap((item, i) => illFormedStrings(item, at(i)));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) =>
      key.isWellFormed() ? illFormedStrings(item, at(key)) : [{ path: at(key.toWellFormed()), message: 'this key is not well-formed Unicode (a lone surrogate)' }],
    );
  }
  return [];
}
