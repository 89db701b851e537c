import { urlUnicodeProblem } from '../src/identifier';
import { Problem } from '../src/problem';
import { frameworkErrorProblem, refuseUnknownQuery, requireIdentifier } from '../src/read-params';

const problemOf = (act: () => unknown): Problem => {
  try {
    act();
  } catch (error) {
    if (error instanceof Problem) return error;
    throw error;
  }
  throw new Error('expected a problem');
};

describe('read parameters: each refusal a 400 naming the field', () => {
  it('an id is one value of 1 to 200 characters without control, format or bidirectional characters', () => {
    expect(requireIdentifier('propertyId', 'villa-7')).toBe('villa-7');
    expect(problemOf(() => requireIdentifier('propertyId', ''))).toMatchObject({ status: 400, code: 'invalid_id', errors: [{ path: 'propertyId', message: 'empty' }] });
    expect(problemOf(() => requireIdentifier('propertyId', 'x'.repeat(201))).errors).toEqual([{ path: 'propertyId', message: 'longer than 200 characters' }]);
    expect(problemOf(() => requireIdentifier('propertyId', 'villa\u0000')).detail).toContain('control character');
    expect(problemOf(() => requireIdentifier('propertyId', 'villa-\ud800')).detail).toContain('lone surrogate');
    expect(problemOf(() => requireIdentifier('property_id', ['a', 'b'])).errors).toEqual([{ path: 'property_id', message: 'one value expected' }]);
  });

  it('a query parameter a route does not take is refused, each one named', () => {
    expect(() => refuseUnknownQuery({})).not.toThrow();
    expect(problemOf(() => refuseUnknownQuery({ form: '2027-01-01', extra: '1' }))).toMatchObject({ status: 400, code: 'unknown_parameter', errors: [{ path: 'form' }, { path: 'extra' }] });
  });

  it('a URL is well-formed UTF-8 once percent-decoded, or refused', () => {
    expect(urlUnicodeProblem('/v1/properties/villa%207/drift?from=2027-01-01')).toBeUndefined();
    expect(urlUnicodeProblem('/v1/properties/%C3%A9t%C3%A9')).toBeUndefined();
    for (const bad of ['/v1/x%ED%A0%80', '/v1/x%FF', '/v1/x?y=%E2%82', '/v1/x%zz']) expect(urlUnicodeProblem(bad)).toContain('not well-formed UTF-8');
  });

  it("fastify's refusals before routing become problems", () => {
    expect(frameworkErrorProblem({ code: 'FST_ERR_BAD_URL', message: 'bad' })).toMatchObject({ status: 400, code: 'ill_formed_unicode' });
    expect(frameworkErrorProblem({ code: 'FST_ERR_MAX_PARAM_LENGTH', message: 'long' })).toMatchObject({ status: 414, code: 'uri_too_long' });
    expect(frameworkErrorProblem({ code: 'FST_ERR_OTHER', message: 'x'.repeat(300) })).toMatchObject({ status: 400, code: 'bad_request', detail: 'x'.repeat(200) });
  });
});
