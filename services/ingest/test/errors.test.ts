import { KafkaSendError } from '@cm/service-runtime';
import { DependencyUnavailableError, dependencyErrorOf, LedgerRefusedValueError } from '../src/errors';

const withCode = (code: string): Error => Object.assign(new Error(code), { code });

describe('dependencyErrorOf: how ingest answers a dependency that failed', () => {
  it.each(['22003', '22P02', '22008'])('%s (a data exception) is the request’s fault: 400 invalid_value', (code) => {
    expect(dependencyErrorOf(withCode(code))).toBeInstanceOf(LedgerRefusedValueError);
    expect(dependencyErrorOf(withCode(code))).toMatchObject({ status: 400, code: 'invalid_value', retriable: false });
  });

  it.each(['40001', '23505', '08006', '57P01', '42P01', 'ECONNREFUSED', 'ETIMEDOUT', 'ECONNRESET'])('%s: 503 temporarily_unavailable, retry after a second', (code) => {
    expect(dependencyErrorOf(withCode(code))).toBeInstanceOf(DependencyUnavailableError);
    expect(dependencyErrorOf(withCode(code))).toMatchObject({ status: 503, code: 'temporarily_unavailable', headers: { 'retry-after': '1' } });
  });

  it('a failed Kafka send: 503', () => {
    expect(dependencyErrorOf(new KafkaSendError(['channel.inbound'], { cause: new Error('broker gone') }))).toBeInstanceOf(DependencyUnavailableError);
  });

  it.each([['no code', new Error('bug')], ['a fastify code', withCode('FST_ERR_SOMETHING')], ['nothing', undefined]])('%s: not a dependency failure', (_what, error) => {
    expect(dependencyErrorOf(error)).toBeNull();
  });
});
