import { Problem } from '../src/problem';
import { decimalOf, illFormedStrings, memberNameProblems, parseStrictJson } from '../src/strict-json';

const refusal = (text: string | Buffer) => {
  try {
    parseStrictJson(Buffer.isBuffer(text) ? text : Buffer.from(text));
  } catch (error) {
    if (error instanceof Problem) return { code: error.code, errors: error.errors };
    throw error;
  }
  return undefined;
};

describe('request bodies are read as I-JSON (RFC 7493)', () => {
  it('a number is taken only if its value is the one written', () => {
    expect(parseStrictJson(Buffer.from('{"a":612.50,"b":6.125e2,"c":-0,"d":9007199254740991,"e":1e21,"f":0.000001}'))).toEqual({ a: 612.5, b: 612.5, c: -0, d: 9007199254740991, e: 1e21, f: 0.000001 });
    for (const written of ['1e-400', '-1e-400', '1e400', '9007199254740993', '0.1000000000000000055511151231257827']) {
      expect({ written, code: refusal(`{"amount":${written}}`)?.code }).toEqual({ written, code: 'number_not_representable' });
    }
  });

  it('decimals compare by value, not by spelling', () => {
    expect(decimalOf('612.50')).toBe(decimalOf('6.125e2'));
    expect(decimalOf('0.0')).toBe('0');
    expect(decimalOf('-0')).toBe('0');
    expect(decimalOf('1e-400')).not.toBe(decimalOf('0'));
    expect(decimalOf('100')).toBe('1e2');
  });

  it('a lone surrogate in a value or a key is refused with its path', () => {
    expect(refusal('{"guest":{"name":"Ana \\ud800"}}')).toEqual({ code: 'ill_formed_unicode', errors: [{ path: 'guest.name', message: expect.stringContaining('lone surrogate') }] });
    expect(refusal('{"list":["ok","\\udc00x"]}')?.errors).toEqual([{ path: 'list.1', message: expect.any(String) }]);
    expect(refusal('{"\\ud800":1}')?.code).toBe('ill_formed_unicode');
    expect(illFormedStrings({ a: 'fine 👩‍👩‍👧', b: '\uD83D\uDE00' })).toEqual([]);
  });

  it('bytes that are not UTF-8, an empty body and a body that is not JSON each have their own code', () => {
    expect(refusal(Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]))?.code).toBe('malformed_utf8');
    expect(refusal(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]))?.code).toBe('malformed_utf8');
    expect(refusal('')?.code).toBe('empty_body');
    expect(refusal('{"a":')?.code).toBe('malformed_json');
  });

  // Found by a review: JSON.parse kept the last of two members, and a schema dropped __proto__, both silently.
  it('a name twice in one object is refused with its path, however either is spelled; the same name in two objects is not', () => {
    expect(refusal('{"check_in":"2027-01-01","check_out":"2027-01-03","check_in":"2027-02-01"}')).toEqual({ code: 'duplicate_member', errors: [{ path: 'check_in', message: expect.stringContaining('twice') }] });
    expect(refusal('{"a":{"b":1,"\\u0062":2}}')?.errors).toEqual([{ path: 'a.b', message: expect.any(String) }]);
    expect(refusal('{"list":[{"x":1},{"x":2,"x":3}]}')?.errors).toEqual([{ path: 'list.1.x', message: expect.any(String) }]);
    expect(parseStrictJson(Buffer.from('{"a":{"x":1},"b":{"x":1},"c":[{"x":1},{"x":1}]}'))).toEqual({ a: { x: 1 }, b: { x: 1 }, c: [{ x: 1 }, { x: 1 }] });
  });

  it('a member named __proto__ is refused, wherever it is', () => {
    expect(refusal('{"preferences":{"__proto__":"x","bed":"y"}}')).toEqual({ code: 'duplicate_member', errors: [{ path: 'preferences.__proto__', message: expect.any(String) }] });
    expect(refusal('[{"\\u005f_proto__":{}}]')?.errors).toEqual([{ path: '0.__proto__', message: expect.any(String) }]);
  });

  it('names are read past strings holding quotes, escapes, braces and commas, and past any spacing', () => {
    const text = ' {\n "a" : "x\\"}, \\"b\\": {[", "b" :\t[ 1 , -2.5e3 , true , null , { } , [ ] , "]" ] ,\r\n "c":{"a":"\\\\"} } ';
    expect(memberNameProblems(text)).toEqual([]);
    expect(Object.keys(parseStrictJson(Buffer.from(text)) as object)).toEqual(['a', 'b', 'c']);
    expect(memberNameProblems(text.replace('"c":', '"a":'))).toEqual([{ path: 'a', message: expect.any(String) }]);
    expect(memberNameProblems('"just a string"')).toEqual([]);
    expect(memberNameProblems('42')).toEqual([]);
  });
});
