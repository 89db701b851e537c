import { DependencyUnavailableError, dependencyErrorOf } from '../src/errors';

const withCode = (code: string): Error => Object.assign(new Error(code), { code });

describe('dependencyErrorOf: how escalation answers a dependency that failed', () => {
  it.each(['22003', '40001', '23505', '08006', '57P01', '42P01', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET'])('%s: 503 temporarily_unavailable', (code) => {
    expect(dependencyErrorOf(withCode(code))).toBeInstanceOf(DependencyUnavailableError);
    expect(dependencyErrorOf(withCode(code))).toMatchObject({ status: 503, code: 'temporarily_unavailable', retriable: true });
  });

  it.each([['no code', new Error('bug')], ['a fastify code', withCode('FST_ERR_SOMETHING')], ['nothing', undefined]])('%s: not a dependency failure', (_what, error) => {
    expect(dependencyErrorOf(error)).toBeNull();
  });
});
