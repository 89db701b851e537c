import type { IncomingMessage, ServerResponse } from 'node:http';
import { feedEtag, ifNoneMatchMatches } from './etag';

export const FEED_CONTENT_TYPE = 'text/calendar; charset=utf-8';

export interface FeedResponse {
  readonly status: 200 | 304;
  readonly headers: Readonly<Record<string, string>>;
  /** Empty for 304. */
  readonly body: string;
}

/**
 * The answer to a GET of a rendered feed: 304 with no body when the client's If-None-Match
 * already names this text, 200 with the text otherwise. Channels poll feeds every few minutes;
 * a 304 spares them the download and us the bandwidth.
 */
export function answerFeedRequest(ifNoneMatch: string | undefined, text: string): FeedResponse {
  const etag = feedEtag(text);
  // no-cache: a cache may keep the feed but must revalidate it each time, which the ETag makes cheap.
  const validators = { ETag: etag, 'Cache-Control': 'no-cache' };
  if (ifNoneMatchMatches(ifNoneMatch, etag)) return { status: 304, headers: validators, body: '' };
  return {
    status: 200,
    headers: { ...validators, 'Content-Type': FEED_CONTENT_TYPE, 'Content-Length': String(Buffer.byteLength(text, 'utf8')) },
    body: text,
  };
}

/** answerFeedRequest for node:http: GET and HEAD are answered, other methods get 405. */
export function serveFeed(req: IncomingMessage, res: ServerResponse, text: string): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD' }).end();
    return;
  }
  const answer = answerFeedRequest(req.headers['if-none-match'], text);
  res.writeHead(answer.status, answer.headers);
  res.end(req.method === 'HEAD' ? undefined : answer.body);
}
