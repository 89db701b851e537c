import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-cm-signature';
export const TIMESTAMP_HEADER = 'x-cm-timestamp';

/** HMAC-SHA256 over `<timestamp ms>.<body>`, hex, as `v1=<hex>`: a receiver checks both and refuses old timestamps. */
export function signBody(secret: string, timestampMs: number, body: string): string {
  return `v1=${createHmac('sha256', secret).update(`${timestampMs}.${body}`, 'utf8').digest('hex')}`;
}

export function signatureMatches(secret: string, timestampMs: number, body: string, signature: string): boolean {
  const expected = Buffer.from(signBody(secret, timestampMs, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
