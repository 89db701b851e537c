import { Writable } from 'node:stream';
import { createLogger, REDACTED_LOG_PATHS } from '../src';

describe('logger', () => {
  it('censors every secret field, at the top of a line and one level down', () => {
    let written = '';
    const sink = new Writable({ write: (chunk: Buffer, _encoding, done) => ((written += chunk.toString()), done()) });
    const log = createLogger('test', 'info', sink);
    const secrets = REDACTED_LOG_PATHS.filter((p) => !p.startsWith('*.')).map((field, i) => [field, `plain-secret-${i}-of-${field}`] as const);
    log.info(Object.fromEntries(secrets), 'top level');
    log.info({ connection: Object.fromEntries(secrets), connectionId: 'acme-airbnb' }, 'nested');
    for (const [, value] of secrets) expect(written).not.toContain(value);
    expect(written).toContain('[redacted]');
    expect(written).toContain('acme-airbnb');
  });
});
