import { Problem } from '../src/problem';
import { decimalOf, illFormedStrings, parseStrictJson } from '../src/strict-json';

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
});
