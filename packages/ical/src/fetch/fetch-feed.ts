import {
  FeedHttpStatusError,
  FeedNetworkError,
  FeedTimeoutError,
  FeedTooLargeError,
  type FeedFetchError,
} from '../errors';
import { discard, readCappedBody } from './read-capped-body';

/** Real feeds of a busy listing are tens of kilobytes; 5 MiB leaves room for years of history. */
export const DEFAULT_MAX_FEED_BYTES = 5 * 1024 * 1024;

export interface FetchFeedOptions {
  /** The ETag of the last body we read, sent as If-None-Match. */
  readonly etag?: string;
  /** The Last-Modified of the last body we read, sent back verbatim as If-Modified-Since. */
  readonly lastModified?: string;
  /** For the whole exchange, body included: a server that trickles its body times out too. */
  readonly timeoutMs: number;
  readonly maxBytes?: number;
  /** The global fetch unless given (a proxy-aware client, an instrumented one). */
  readonly fetch?: typeof fetch;
}

export type FetchFeedResult =
  | { readonly status: 'unchanged' }
  | {
      readonly status: 'changed';
      readonly text: string;
      /** To keep for the next fetch; undefined when the server sends none. */
      readonly etag: string | undefined;
      readonly lastModified: string | undefined;
    }
  | { readonly status: 'failed'; readonly error: FeedFetchError };

/**
 * A conditional GET of a channel's feed: `unchanged` when the server answers 304 to our
 * validators, `changed` with the text otherwise. Failures are returned, not thrown: each error
 * has a code and says whether retrying can help.
 */
export async function fetchFeed(url: string, options: FetchFeedOptions): Promise<FetchFeedResult> {
  const fetchFn = options.fetch ?? fetch;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FEED_BYTES;
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetchFn(url, { headers: requestHeaders(options), signal });
    if (response.status === 304) {
      await discard(response);
      return { status: 'unchanged' };
    }
    if (!response.ok) {
      await discard(response);
      return failed(new FeedHttpStatusError(url, response.status, retryAfterSeconds(response.headers.get('retry-after'))));
    }
    const text = await readCappedBody(response, maxBytes);
    if (text === 'too_large') return failed(new FeedTooLargeError(url, maxBytes));
    return {
      status: 'changed',
      text,
      etag: response.headers.get('etag') ?? undefined,
      lastModified: response.headers.get('last-modified') ?? undefined,
    };
  } catch (error) {
    // The timeout aborts the request or the body read wherever it is; what is thrown then varies.
    if (signal.aborted) return failed(new FeedTimeoutError(url, options.timeoutMs));
    return failed(new FeedNetworkError(url, { cause: error }));
  }
}

function requestHeaders(options: FetchFeedOptions): Record<string, string> {
  return {
    accept: 'text/calendar, text/plain;q=0.9, */*;q=0.8',
    ...(options.etag === undefined ? {} : { 'if-none-match': options.etag }),
    ...(options.lastModified === undefined ? {} : { 'if-modified-since': options.lastModified }),
  };
}

/** Retry-After in seconds; the HTTP-date form would need a clock here and is left out. */
function retryAfterSeconds(header: string | null): number | undefined {
  return header !== null && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
}

function failed(error: FeedFetchError): FetchFeedResult {
  return { status: 'failed', error };
}
