import type { ServerResponse } from 'node:http';
import {
  answerFeedRequest,
  FEED_CONTENT_TYPE,
  feedEtag,
  fetchFeed,
  FeedHttpStatusError,
  FeedNetworkError,
  FeedTimeoutError,
  FeedTooLargeError,
  ifNoneMatchMatches,
  renderFeed,
  serveFeed,
  type FetchFeedResult,
} from '@cm/ical';
import { startLocalServer, type LocalServer } from './support/local-server';

const feedOf = (checkOut: string): string =>
  renderFeed({
    listingId: 'listing-9',
    calendarName: 'Conditional GET',
    timeZone: 'Europe/Madrid',
    entriesChangedAt: new Date('2026-05-01T00:00:00Z'),
    entries: [{ uid: 'stay-1@cm', kind: 'reservation', checkIn: '2026-06-01', checkOut }],
  });

describe('If-None-Match matching (RFC 9110 §13.1.2, weak comparison)', () => {
  const etag = '"abc"';
  test.each<[string, string | undefined, boolean]>([
    ['no header', undefined, false],
    ['an empty header', '', false],
    ['the same tag', '"abc"', true],
    ['the same tag, weak', 'W/"abc"', true],
    ['a list holding it', '"old", "abc"', true],
    ['a list holding it weak, without spaces', '"old",W/"abc"', true],
    ['*', '*', true],
    ['* with spaces', ' * ', true],
    ['another tag', '"abcd"', false],
    ['a list without it', '"a", W/"b"', false],
    ['an unquoted tag, as some clients send', 'abc', true],
  ])('%s', (_name, header, matches) => {
    expect(ifNoneMatchMatches(header, etag)).toBe(matches);
  });

  test('a comma inside a quoted tag does not split it', () => {
    expect(ifNoneMatchMatches('"a,bc"', '"a,bc"')).toBe(true);
    expect(ifNoneMatchMatches('"a", "bc"', '"a,bc"')).toBe(false);
  });
});

describe('answerFeedRequest', () => {
  const text = feedOf('2026-06-05');

  test('200 with the text, a strong quoted ETag from its hash, and text/calendar', () => {
    const answer = answerFeedRequest(undefined, text);
    expect(answer).toEqual({
      status: 200,
      headers: {
        ETag: feedEtag(text),
        'Cache-Control': 'no-cache',
        'Content-Type': 'text/calendar; charset=utf-8',
        'Content-Length': String(Buffer.byteLength(text)),
      },
      body: text,
    });
    expect(feedEtag(text)).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
  });

  test('304 with the ETag and no body when the client already has this text', () => {
    expect(answerFeedRequest(`W/${feedEtag(text)}`, text)).toEqual({
      status: 304,
      headers: { ETag: feedEtag(text), 'Cache-Control': 'no-cache' },
      body: '',
    });
  });
});

describe('fetchFeed against a real local HTTP server', () => {
  let server: LocalServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  const start = async (handle: Parameters<typeof startLocalServer>[0]): Promise<LocalServer> => {
    server = await startLocalServer(handle);
    return server;
  };

  test('200, then 304 for the ETag we kept, then 200 again when the calendar changes', async () => {
    let current = feedOf('2026-06-05');
    const { url, requests } = await start((req, res) => serveFeed(req, res, current));

    const first = await fetchFeed(url, { timeoutMs: 5_000 });
    expect(first).toEqual({ status: 'changed', text: current, etag: feedEtag(current), lastModified: undefined });
    expect(requests[0]?.headers['if-none-match']).toBeUndefined();

    const etag = first.status === 'changed' ? first.etag : undefined;
    expect(await fetchFeed(url, { timeoutMs: 5_000, ...(etag ? { etag } : {}) })).toEqual({ status: 'unchanged' });
    expect(requests[1]?.headers['if-none-match']).toBe(etag);

    current = feedOf('2026-06-06');
    const third = await fetchFeed(url, { timeoutMs: 5_000, ...(etag ? { etag } : {}) });
    expect(third).toEqual({ status: 'changed', text: current, etag: feedEtag(current), lastModified: undefined });
    expect(feedEtag(current)).not.toBe(etag);
  });

  test('serveFeed answers HEAD without a body and refuses other methods', async () => {
    const text = feedOf('2026-06-05');
    const { url } = await start((req, res) => serveFeed(req, res, text));
    const head = await fetch(url, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type'), head.headers.get('etag'), await head.text()]).toEqual([200, FEED_CONTENT_TYPE, feedEtag(text), '']);
    const post = await fetch(url, { method: 'POST', body: 'x' });
    expect([post.status, post.headers.get('allow')]).toEqual([405, 'GET, HEAD']);
  });

  test('If-Modified-Since carries the Last-Modified we kept, and a 304 reads as unchanged', async () => {
    const lastModified = 'Fri, 01 May 2026 00:00:00 GMT';
    const text = feedOf('2026-06-05');
    const { url, requests } = await start((req, res) => {
      if (req.headers['if-modified-since'] === lastModified) res.writeHead(304).end();
      else res.writeHead(200, { 'Last-Modified': lastModified, 'Content-Type': FEED_CONTENT_TYPE }).end(text);
    });
    expect(await fetchFeed(url, { timeoutMs: 5_000 })).toEqual({ status: 'changed', text, etag: undefined, lastModified });
    expect(await fetchFeed(url, { timeoutMs: 5_000, lastModified })).toEqual({ status: 'unchanged' });
    expect(requests[1]?.headers['if-modified-since']).toBe(lastModified);
  });

  test.each<[number, Record<string, string>, boolean, number | undefined]>([
    [500, {}, true, undefined],
    [503, { 'Retry-After': '120' }, true, 120],
    [429, { 'Retry-After': 'Wed, 21 Oct 2026 07:28:00 GMT' }, true, undefined],
    [404, {}, false, undefined],
    [410, {}, false, undefined],
  ])('HTTP %i is a typed error that says whether to retry', async (status, headers, retriable, retryAfterSeconds) => {
    const { url } = await start((_req, res) => res.writeHead(status, headers).end('nope'));
    const result = await fetchFeed(url, { timeoutMs: 5_000 });
    const error = failure(result);
    expect(error).toBeInstanceOf(FeedHttpStatusError);
    expect(error).toMatchObject({ code: 'ICAL_FEED_HTTP_STATUS', httpStatus: status, retriable, retryAfterSeconds });
  });

  test('a body larger than the cap, declared by Content-Length, is refused', async () => {
    const { url } = await start((_req, res) => res.writeHead(200, { 'Content-Length': String(2_000) }).end('x'.repeat(2_000)));
    const error = failure(await fetchFeed(url, { timeoutMs: 5_000, maxBytes: 1_000 }));
    expect(error).toBeInstanceOf(FeedTooLargeError);
    expect(error).toMatchObject({ code: 'ICAL_FEED_TOO_LARGE', maxBytes: 1_000, retriable: false });
  });

  test('an endless body with no Content-Length is cut at the cap', async () => {
    let closed = false;
    const { url } = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': FEED_CONTENT_TYPE });
      res.on('close', () => (closed = true));
      writeForever(res, Buffer.alloc(16_384, 'x'));
    });
    const error = failure(await fetchFeed(url, { timeoutMs: 10_000, maxBytes: 100_000 }));
    expect(error).toBeInstanceOf(FeedTooLargeError);
    await waitFor(() => closed);
  });

  test('a body of exactly the cap is read', async () => {
    const text = feedOf('2026-06-05');
    const { url } = await start((_req, res) => res.writeHead(200).end(text));
    const result = await fetchFeed(url, { timeoutMs: 5_000, maxBytes: Buffer.byteLength(text) });
    expect(result).toMatchObject({ status: 'changed', text });
  });

  test('a server that never answers times out', async () => {
    const { url } = await start(() => undefined);
    const startedAt = Date.now();
    const error = failure(await fetchFeed(url, { timeoutMs: 300 }));
    expect(error).toBeInstanceOf(FeedTimeoutError);
    expect(error).toMatchObject({ code: 'ICAL_FEED_TIMEOUT', timeoutMs: 300, retriable: true });
    expect(Date.now() - startedAt).toBeLessThan(5_000);
  });

  test('a server that sends its headers and then stalls in the body times out too', async () => {
    const { url } = await start((_req, res) => {
      res.writeHead(200, { 'Content-Type': FEED_CONTENT_TYPE });
      res.write('BEGIN:VCALENDAR\r\n');
    });
    expect(failure(await fetchFeed(url, { timeoutMs: 300 }))).toBeInstanceOf(FeedTimeoutError);
  });

  test('nothing listening is a network error, worth a retry', async () => {
    const closedServer = await startLocalServer(() => undefined);
    await closedServer.close();
    const error = failure(await fetchFeed(closedServer.url, { timeoutMs: 5_000 }));
    expect(error).toBeInstanceOf(FeedNetworkError);
    expect(error).toMatchObject({ code: 'ICAL_FEED_NETWORK', retriable: true });
    expect(error.message).toContain('ECONNREFUSED');
  });

  test('a fetch given in the options is the one used', async () => {
    const text = feedOf('2026-06-05');
    const { url } = await start((req, res) => serveFeed(req, res, text));
    const seen: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      seen.push(String(input));
      return fetch(input, init);
    };
    expect(await fetchFeed(url, { timeoutMs: 5_000, fetch: recordingFetch })).toMatchObject({ status: 'changed', text });
    expect(seen).toEqual([url]);
  });
});

function failure(result: FetchFeedResult): Error & Record<string, unknown> {
  if (result.status !== 'failed') throw new Error(`expected a failure, got ${result.status}`);
  return result.error as unknown as Error & Record<string, unknown>;
}

function writeForever(res: ServerResponse, chunk: Buffer): void {
  const pump = (): void => {
    while (!res.destroyed && res.write(chunk));
    if (!res.destroyed) res.once('drain', pump);
  };
  pump();
}

async function waitFor(condition: () => boolean, deadlineMs = 5_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met before the deadline');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
