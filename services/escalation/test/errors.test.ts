import { DependencyUnavailableError, dependencyErrorOf, RefusedValueError } from '../src/errors';

const withCode = (code: string): Error => Object.assign(new Error(code), { code });

describe('dependencyErrorOf: how escalation answers a dependency that failed', () => {
  // A data exception is the request's value, not a dependency that failed: retrying it changes nothing (a NUL in a note was a 503 to retry for ever).
  it.each(['22003', '22P05', '22021'])('%s: 400 invalid_value, not retriable', (code) => {
    expect(dependencyErrorOf(withCode(code))).toBeInstanceOf(RefusedValueError);
    expect(dependencyErrorOf(withCode(code))).toMatchObject({ status: 400, code: 'invalid_value', retriable: false });
  });

  it.each(['40001', '23505', '08006', '57P01', '42P01', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET'])('%s: 503 temporarily_unavailable', (code) => {
    expect(dependencyErrorOf(withCode(code))).toBeInstanceOf(DependencyUnavailableError);
    expect(dependencyErrorOf(withCode(code))).toMatchObject({ status: 503, code: 'temporarily_unavailable', retriable: true });
  });

  it.each([['no code', new Error('bug')], ['a fastify code', withCode('FST_ERR_SOMETHING')], ['nothing', undefined]])('%s: not a dependency failure', (_what, error) => {
    expect(dependencyErrorOf(error)).toBeNull();
  });
});
