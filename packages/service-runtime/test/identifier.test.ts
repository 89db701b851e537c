import { identifierProblem, MAX_IDENTIFIER_LENGTH, requiredIdentifierProblem } from '../src/identifier';

describe('identifierProblem: an id holds no character that hides or spoofs text', () => {
  it.each([
    ['acme', 'a plain id'],
    ['villa-1_A.b:c/d', 'punctuation'],
    ['Casa São João', 'accents and spaces'],
    ['民宿-東京', 'CJK'],
    ['🏠-42', 'an emoji (a surrogate pair)'],
    ['', "'' (its length is each edge's to judge)"],
  ])('%s is an identifier (%s)', (value) => {
    expect(identifierProblem(value)).toBeUndefined();
  });

  it.each([
    ['villa\u202Eexe.1', 'a bidirectional control character U+202E'],
    ['\u202Avilla', 'a bidirectional control character U+202A'],
    ['villa\u2066x\u2069', 'a bidirectional control character U+2066'],
    ['vil\u200Bla', 'a zero-width character U+200B'],
    ['vil\u200Dla', 'a zero-width character U+200D'],
    ['\uFEFFvilla', 'a zero-width character U+FEFF'],
    ['villa\u0000', 'a control character U+0000'],
    ['villa\n2', 'a control character U+000A'],
    ['villa\u007F', 'a control character U+007F'],
    ['villa\u00AD', 'an invisible format character U+00AD'],
    ['villa\u2028', 'a line or paragraph separator U+2028'],
  ])('%j is refused: contains %s', (value, what) => {
    expect(identifierProblem(value)).toBe(`contains ${what}`);
  });

  it.each([['villa\uD800'], ['\uDC00villa'], ['a\uDFFF\uD800b']])('%j (a lone surrogate) is refused as not well-formed Unicode', (value) => {
    expect(identifierProblem(value)).toBe('not well-formed Unicode (a lone surrogate)');
  });
});

describe('requiredIdentifierProblem: an id that must be there is non-empty and at most 200 characters', () => {
  it('an empty id is refused', () => {
    expect(requiredIdentifierProblem('')).toBe('empty');
  });

  it('200 characters are an id, 201 are refused', () => {
    expect(MAX_IDENTIFIER_LENGTH).toBe(200);
    expect(requiredIdentifierProblem('x'.repeat(200))).toBeUndefined();
    expect(requiredIdentifierProblem('x'.repeat(201))).toBe('longer than 200 characters');
  });

  it('within the length, the characters are judged as by identifierProblem', () => {
    expect(requiredIdentifierProblem('villa\u202E')).toBe('contains a bidirectional control character U+202E');
    expect(requiredIdentifierProblem('villa\uD800')).toBe('not well-formed Unicode (a lone surrogate)');
    expect(requiredIdentifierProblem('villa-1')).toBeUndefined();
  });
});
