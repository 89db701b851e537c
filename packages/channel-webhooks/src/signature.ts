import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * How a webhook delivery is signed: HMAC-SHA256, with the connection's secret, over
 * `<timestamp>.<raw body>`, where the timestamp (Unix seconds) is sent in its own header so a
 * captured delivery cannot be replayed outside the window.
 */
export const WEBHOOK_HEADERS = {
  connection: 'x-cm-connection',
  timestamp: 'x-cm-timestamp',
  signature: 'x-cm-signature',
} as const;

/** How far a delivery's timestamp may be from our clock, either way. */
export const REPLAY_WINDOW_SECONDS = 300;

const PREFIX = 'v1=';

export function signWebhook(secret: string, timestampSeconds: number, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret).update(`${timestampSeconds}.`).update(rawBody).digest('hex');
  return `${PREFIX}${mac}`;
}

/** Headers to send with a body, signed now. */
export function signedHeaders(connectionId: string, secret: string, rawBody: Buffer | string, nowMs = Date.now()): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    [WEBHOOK_HEADERS.connection]: connectionId,
    [WEBHOOK_HEADERS.timestamp]: String(timestamp),
    [WEBHOOK_HEADERS.signature]: signWebhook(secret, timestamp, rawBody),
  };
}

export type SignatureProblem = 'signature_missing' | 'signature_malformed' | 'timestamp_invalid' | 'timestamp_outside_window' | 'signature_mismatch';

/** Checks a delivery; compares in constant time so the signature cannot be guessed byte by byte. */
export function verifyWebhookSignature(input: {
  secret: string;
  rawBody: Buffer;
  timestamp: string | undefined;
  signature: string | undefined;
  nowMs: number;
  windowSeconds?: number;
}): SignatureProblem | null {
  if (!input.signature || input.timestamp === undefined) return 'signature_missing';
  if (!/^\d{1,12}$/.test(input.timestamp)) return 'timestamp_invalid';
  const timestamp = Number(input.timestamp);
  if (Math.abs(input.nowMs / 1000 - timestamp) > (input.windowSeconds ?? REPLAY_WINDOW_SECONDS)) return 'timestamp_outside_window';
  if (!/^v1=[0-9a-f]{64}$/.test(input.signature)) return 'signature_malformed';
  const expected = Buffer.from(signWebhook(input.secret, timestamp, input.rawBody).slice(PREFIX.length), 'hex');
  const given = Buffer.from(input.signature.slice(PREFIX.length), 'hex');
  return timingSafeEqual(expected, given) ? null : 'signature_mismatch';
}
