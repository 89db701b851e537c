import { arrayLiteral, withArrayLiterals } from '../src/array-literals';

// node-postgres's own writing of an array binding: the literal must be the very text it sent.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { prepareValue } = require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown };

describe('array bindings are written as the literal node-postgres wrote for them', () => {
  const cases: [string, unknown[]][] = [
    ['plain texts', ['a', 'b c', '']],
    ['texts holding quotes, backslashes, braces, commas and NULL', ['say "hi"', 'C:\\dir\\', '{a,b}', 'NULL', '\\"', '"']],
    ['JSON texts', [JSON.stringify({ a: 'x"y', b: [1, 2], c: 'back\\slash' }), '{}']],
    ['texts beyond ASCII', ['Zoë', '東京', '🏖️', '\u2028']],
    ['numbers', [0, -0, 1.5, -42, Number.MAX_SAFE_INTEGER, Number.NaN, Number.POSITIVE_INFINITY]],
    ['big integers', [12n, -9007199254740993n]],
    ['booleans', [true, false]],
    ['nulls among values', [null, 'a', null]],
    ['buffers', [Buffer.from([0, 1, 255]), Buffer.alloc(0)]],
    ['nested arrays', [[1, 2], ['a', null]]],
    ['an empty array', []],
  ];
  for (const [name, values] of cases) {
    it(name, () => {
      expect(arrayLiteral(values)).toBe(prepareValue(values));
    });
  }

  it('an array holding a Date or an object is left for node-postgres to write', () => {
    const withDate = [new Date(0), 'a'];
    const withObject = [{ a: 1 }];
    expect(arrayLiteral(withDate)).toBe(withDate);
    expect(arrayLiteral(withObject)).toBe(withObject);
  });

  it('an undefined element is refused, as knex refused it, rather than sent as NULL', () => {
    expect(() => arrayLiteral(['a', undefined])).toThrow(/undefined at index 1/);
  });

  it('only array bindings are rewritten', () => {
    const when = new Date(0);
    expect(withArrayLiterals(['x', 3, null, when, ['a"b']])).toEqual(['x', 3, null, when, '{"a\\"b"}']);
  });
});
