import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Notification } from '../src/notify/notifier';
import { SIGNATURE_HEADER, signatureMatches, TIMESTAMP_HEADER } from '../src/notify/signature';
import { SignedWebhookNotifier } from '../src/notify/webhook-notifier';

const SECRET = 'a-secret-of-at-least-16';
const notification: Notification = { notificationId: 7, taskId: 't-1', reason: 'escalated', level: 'manager', conflictType: 'OVERBOOKING', severity: 'CRITICAL', propertyId: 'villa', channel: 'AIRBNB', summary: 'two guests', dueAtMs: Date.UTC(2026, 10, 25) };

/** A local receiver answering with the statuses given, in order, recording what it got. */
async function receiver(statuses: number[]): Promise<{ url: string; got: { headers: IncomingMessage['headers']; body: string }[]; server: Server }> {
  const got: { headers: IncomingMessage['headers']; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ headers: req.headers, body });
      res.statusCode = statuses[got.length - 1] ?? 200;
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, got, server };
}

const servers: Server[] = [];
afterAll(() => Promise.all(servers.map((s) => new Promise((r) => s.close(r)))));

const notifier = (url: string, attempts = 3) => new SignedWebhookNotifier({ url, secret: SECRET, timeoutMs: 2_000, attempts, backoffMs: 5, now: Date.now });

describe('signed webhook notifications', () => {
  test('the POST carries the notification as JSON, signed with HMAC-SHA256 over timestamp and body', async () => {
    const r = await receiver([204]);
    servers.push(r.server);
    expect(await notifier(r.url).notify(notification)).toEqual({ delivered: true });
    expect(r.got).toHaveLength(1);
    const { headers, body } = r.got[0]!;
    expect(JSON.parse(body)).toMatchObject({ notification_id: 7, task_id: 't-1', level: 'manager', severity: 'CRITICAL', reason: 'escalated' });
    expect(signatureMatches(SECRET, Number(headers[TIMESTAMP_HEADER]), body, String(headers[SIGNATURE_HEADER]))).toBe(true);
    expect(signatureMatches('another-secret-xxxxxxx', Number(headers[TIMESTAMP_HEADER]), body, String(headers[SIGNATURE_HEADER]))).toBe(false);
  });

  test('a 5xx is retried with backoff until the receiver takes it', async () => {
    const r = await receiver([503, 500, 200]);
    servers.push(r.server);
    expect(await notifier(r.url).notify(notification)).toEqual({ delivered: true });
    expect(r.got).toHaveLength(3);
    expect(new Set(r.got.map((g) => g.body)).size).toBe(1);
  });

  test('failing every try reports the failure (the timer retries it later) instead of losing it', async () => {
    const r = await receiver([503, 503]);
    servers.push(r.server);
    expect(await notifier(r.url, 2).notify(notification)).toEqual({ delivered: false, error: 'HTTP 503' });
  });

  test('a 4xx other than 429 is not retried', async () => {
    const r = await receiver([400, 200]);
    servers.push(r.server);
    expect(await notifier(r.url).notify(notification)).toEqual({ delivered: false, error: 'HTTP 400' });
    expect(r.got).toHaveLength(1);
  });

  test('an unreachable receiver is a failed delivery, not an exception', async () => {
    const outcome = await notifier('http://127.0.0.1:1/hook', 1).notify(notification);
    expect(outcome.delivered).toBe(false);
  });
});
