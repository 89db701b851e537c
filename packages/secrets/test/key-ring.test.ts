import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { ConfigError, parseConfig } from '@cm/service-runtime';
import { KeyRing, KeyRingInvalidError, maskSecret, secretsConfig, SecretUnreadableError } from '../src';

const keyText = (id: string) => `${id}:${randomBytes(32).toString('base64')}`;
const K1 = keyText('k1');
const K2 = keyText('k2');
const CONTEXT = 'connection:acme-airbnb:webhook_secret';
const SECRET = 'whsec_6f1b8f0f2c4e4c0b9d3e';

function unreadable(run: () => unknown): SecretUnreadableError {
  try {
    run();
  } catch (error) {
    if (error instanceof SecretUnreadableError) return error;
    throw error;
  }
  throw new Error('expected the secret not to open');
}

describe('key ring', () => {
  it('opens what it sealed, and the sealed text names its format and key but not the secret', () => {
    const ring = KeyRing.parse(K1);
    const sealed = ring.seal(SECRET, CONTEXT);
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(sealed).not.toContain(SECRET);
    expect(ring.open(sealed, CONTEXT)).toBe(SECRET);
    expect(ring.seal(SECRET, CONTEXT)).not.toBe(sealed);
  });

  it('refuses a value sealed under a key it does not hold', () => {
    const sealed = KeyRing.parse(K1).seal(SECRET, CONTEXT);
    expect(unreadable(() => KeyRing.parse(K2).open(sealed, CONTEXT)).reason).toBe('unknown_key');
  });

  it('refuses a value sealed under another key of the same id', () => {
    const sealed = KeyRing.parse(K1).seal(SECRET, CONTEXT);
    expect(unreadable(() => KeyRing.parse(keyText('k1')).open(sealed, CONTEXT)).reason).toBe('not_authentic');
  });

  it('refuses a tampered value: ciphertext, tag, iv or relabelled key', () => {
    const ring = KeyRing.parse(`${K1},${K2}`);
    const sealed = ring.seal(SECRET, CONTEXT);
    const parts = sealed.split('.');
    const flip = (text: string) => `${text.slice(0, -2)}${text.at(-2) === 'A' ? 'B' : 'A'}${text.at(-1)}`;
    for (const index of [2, 3, 4]) {
      const altered = parts.map((p, i) => (i === index ? flip(p) : p)).join('.');
      expect(unreadable(() => ring.open(altered, CONTEXT)).reason).toBe('not_authentic');
    }
    expect(unreadable(() => ring.open(['v1', 'k2', ...parts.slice(2)].join('.'), CONTEXT)).reason).toBe('not_authentic');
    expect(unreadable(() => ring.open(`v2.${parts.slice(1).join('.')}`, CONTEXT)).reason).toBe('malformed');
    expect(unreadable(() => ring.open(SECRET, CONTEXT)).reason).toBe('malformed');
  });

  it('refuses a value copied onto another record (its associated data names the record)', () => {
    const ring = KeyRing.parse(K1);
    const sealed = ring.seal(SECRET, CONTEXT);
    expect(unreadable(() => ring.open(sealed, 'connection:other-airbnb:webhook_secret')).reason).toBe('not_authentic');
    expect(unreadable(() => ring.open(sealed, 'connection:acme-airbnb:credentials')).reason).toBe('not_authentic');
  });

  it('rotates: the new key second opens only; first, it seals and the old key still opens; then the old key goes', () => {
    const old = KeyRing.parse(K1);
    const sealedOld = old.seal(SECRET, CONTEXT);
    const newSecond = KeyRing.parse(`${K1},${K2}`);
    expect(newSecond.currentKeyId).toBe('k1');
    expect(newSecond.open(sealedOld, CONTEXT)).toBe(SECRET);
    const newFirst = KeyRing.parse(`${K2},${K1}`);
    expect(newFirst.open(sealedOld, CONTEXT)).toBe(SECRET);
    expect(newFirst.isCurrent(sealedOld)).toBe(false);
    const resealed = newFirst.seal(newFirst.open(sealedOld, CONTEXT), CONTEXT);
    expect(newFirst.isCurrent(resealed)).toBe(true);
    expect(old.open(newSecond.seal(SECRET, CONTEXT), CONTEXT)).toBe(SECRET);
    const dropped = KeyRing.parse(K2);
    expect(dropped.open(resealed, CONTEXT)).toBe(SECRET);
    expect(unreadable(() => dropped.open(sealedOld, CONTEXT)).reason).toBe('unknown_key');
  });

  it.each([
    ['', /no keys/],
    ['k1', /no usable id/],
    ['k1:', /not the base64 of 32 bytes/],
    [`k1:${randomBytes(16).toString('base64')}`, /not the base64 of 32 bytes/],
    [`k1:${randomBytes(32).toString('hex')}`, /not the base64 of 32 bytes/],
    [`${K1},${K1}`, /given twice/],
    [`bad id:${randomBytes(32).toString('base64')}`, /no usable id/],
  ])('refuses the ill-formed ring %#', (text, problem) => {
    expect(() => KeyRing.parse(text)).toThrow(KeyRingInvalidError);
    expect(() => KeyRing.parse(text)).toThrow(problem);
  });

  it('takes base64url keys and spaces around entries', () => {
    const ring = KeyRing.parse(` k3:${randomBytes(32).toString('base64url')} , ${K1} `);
    expect(ring.keyIds).toEqual(['k3', 'k1']);
  });

  it('never shows key material when printed or serialised', () => {
    const ring = KeyRing.parse(`${K2},${K1}`);
    const material = [K1, K2].map((k) => k.split(':')[1]!);
    for (const shown of [JSON.stringify(ring), inspect(ring), String(inspect({ config: ring }))]) {
      for (const key of material) expect(shown).not.toContain(key);
      expect(shown).toContain('k2');
    }
  });

  it('is a configuration error naming SECRETS_KEYS, missing or ill-formed, without quoting the value', () => {
    const config = (env: Record<string, string>) => {
      try {
        parseConfig('ingest', secretsConfig, env);
      } catch (error) {
        if (error instanceof ConfigError) return error.message;
        throw error;
      }
      throw new Error('expected a configuration error');
    };
    expect(config({})).toContain('SECRETS_KEYS: is required but not set');
    const shortKey = randomBytes(16).toString('base64');
    const message = config({ SECRETS_KEYS: `k1:${shortKey}` });
    expect(message).toMatch(/SECRETS_KEYS: key 'k1' is not the base64 of 32 bytes/);
    expect(message).not.toContain(shortKey);
    expect(parseConfig('ingest', secretsConfig, { SECRETS_KEYS: K1 }).SECRETS_KEYS.currentKeyId).toBe('k1');
  });

  it('masks a secret to its last four characters', () => {
    expect(maskSecret(SECRET)).toBe('****9d3e');
    expect(maskSecret('short')).toBe('****');
    expect(maskSecret(null)).toBe('(none)');
  });
});
