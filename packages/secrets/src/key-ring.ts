import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { KeyRingInvalidError, SecretUnreadableError } from './errors';

/**
 * AES-256-GCM under a key ring: `SECRETS_KEYS="k2:<base64 of 32 bytes>,k1:<base64>"`. The first
 * key seals, every key opens, so a key rotates without downtime: give every instance the new key
 * second, then first, re-encrypt what is stored (`admin secrets reencrypt`), then drop the old one.
 *
 * A sealed value is `v1.<key id>.<iv>.<ciphertext>.<tag>` (base64url parts). Its associated data
 * is its own header and the context it protects (`connection:<id>:webhook_secret`), so a value
 * copied onto another row, or relabelled with another key id, fails authentication.
 */

const FORMAT = 'v1';
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const PART = /^[A-Za-z0-9_-]*$/;

export class KeyRing {
  readonly #keys: ReadonlyMap<string, Buffer>;
  /** The id of the key that seals: the first of the ring. */
  readonly currentKeyId: string;

  private constructor(keys: ReadonlyMap<string, Buffer>, currentKeyId: string) {
    this.#keys = keys;
    this.currentKeyId = currentKeyId;
  }

  /** The ring of `id:<base64 32 bytes>` entries separated by commas, first the sealing key. */
  static parse(text: string): KeyRing {
    const entries = text.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
    if (entries.length === 0) throw new KeyRingInvalidError('no keys: expected "<id>:<base64 of 32 bytes>", comma-separated, the sealing key first');
    const keys = new Map<string, Buffer>();
    entries.forEach((entry, index) => {
      const colon = entry.indexOf(':');
      const id = colon < 0 ? '' : entry.slice(0, colon);
      const material = colon < 0 ? '' : entry.slice(colon + 1);
      if (!KEY_ID.test(id)) throw new KeyRingInvalidError(`entry ${index + 1} has no usable id: expected "<id>:<base64>", the id 1 to 32 of A-Z a-z 0-9 _ -`);
      if (keys.has(id)) throw new KeyRingInvalidError(`key id '${id}' is given twice`);
      const key = BASE64.test(material) ? Buffer.from(material, material.includes('-') || material.includes('_') ? 'base64url' : 'base64') : Buffer.alloc(0);
      if (key.length !== KEY_BYTES) throw new KeyRingInvalidError(`key '${id}' is not the base64 of ${KEY_BYTES} bytes (e.g. \`openssl rand -base64 32\`)`);
      keys.set(id, key);
    });
    return new KeyRing(keys, entries[0]!.slice(0, entries[0]!.indexOf(':')));
  }

  /** A ring of one new random key: for a scratch run (a demo, a benchmark) that keeps nothing. */
  static random(id = 'scratch'): { ring: KeyRing; text: string } {
    const text = `${id}:${randomBytes(KEY_BYTES).toString('base64')}`;
    return { ring: KeyRing.parse(text), text };
  }

  get keyIds(): readonly string[] {
    return [...this.#keys.keys()];
  }

  /** Seals a secret for the record `context` names, under the current key. */
  seal(plaintext: string, context: string): string {
    const header = `${FORMAT}.${this.currentKeyId}`;
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys.get(this.currentKeyId)!, iv, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData(header, context));
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [header, iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  /** The secret sealed for `context`; SecretUnreadableError when it does not open. */
  open(sealed: string, context: string): string {
    const parts = sealed.split('.');
    const [format, keyId, iv, ciphertext, tag] = parts;
    if (parts.length !== 5 || format !== FORMAT || !KEY_ID.test(keyId!) || ![iv, ciphertext, tag].every((p) => PART.test(p!))) throw new SecretUnreadableError('malformed', context);
    const key = this.#keys.get(keyId!);
    if (!key) throw new SecretUnreadableError('unknown_key', context, keyId);
    const ivBytes = Buffer.from(iv!, 'base64url');
    const tagBytes = Buffer.from(tag!, 'base64url');
    if (ivBytes.length !== IV_BYTES || tagBytes.length !== TAG_BYTES) throw new SecretUnreadableError('malformed', context);
    const decipher = createDecipheriv('aes-256-gcm', key, ivBytes, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(`${FORMAT}.${keyId}`, context));
    decipher.setAuthTag(tagBytes);
    try {
      return Buffer.concat([decipher.update(Buffer.from(ciphertext!, 'base64url')), decipher.final()]).toString('utf8');
    } catch {
      throw new SecretUnreadableError('not_authentic', context, keyId);
    }
  }

  /** True when the value was sealed under the current key (re-encryption leaves it as it is). */
  isCurrent(sealed: string): boolean {
    return sealed.startsWith(`${FORMAT}.${this.currentKeyId}.`);
  }

  /** Key material never reaches a log line or an answer: printed or serialised, a ring shows its ids. */
  toJSON(): { keyIds: readonly string[] } {
    return { keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    return `KeyRing(${this.keyIds.join(', ')})`;
  }
}

/** The id of the key a value was sealed under (without opening it), or undefined when it is not one of our envelopes. */
export function sealedKeyId(sealed: string): string | undefined {
  const [format, keyId] = sealed.split('.', 3);
  return format === FORMAT && keyId !== undefined && KEY_ID.test(keyId) ? keyId : undefined;
}

function associatedData(header: string, context: string): Buffer {
  return Buffer.from(`${header}\u0000${context}`, 'utf8');
}
