import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { renderFeed, serveFeed, type CalendarEntry } from '@cm/ical';

/**
 * Our side's export feed of one listing, as the platform polls it: a real HTTP server on
 * 127.0.0.1 serving renderFeed's text of `entries` with its ETag (304 to If-None-Match). A test
 * changes `entries`, makes it serve a body of its own, or stall (never answer).
 */
export class OurFeedServer {
  entries: CalendarEntry[] = [];
  /** Served instead of the rendered feed when set. */
  body: string | null = null;
  stall = false;
  /** The headers of every request, in order. */
  readonly requests: IncomingHttpHeaders[] = [];
  private readonly server = createServer((req, res) => {
    this.requests.push(req.headers);
    if (this.stall) return;
    serveFeed(req, res, this.body ?? this.render());
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/ical/vrbo/V1.ics`;
  }

  /** The feed as it is served now (to cut it short, say). */
  render(): string {
    return renderFeed({ listingId: 'V1', calendarName: 'V1', timeZone: 'Europe/Lisbon', entries: this.entries, entriesChangedAt: new Date('2026-06-01T00:00:00Z') });
  }

  async stop(): Promise<void> {
    // A stalled request leaves its socket open; close() alone would wait for it.
    this.server.closeAllConnections();
    await new Promise<void>((resolve, reject) => this.server.close((error) => (error ? reject(error) : resolve())));
  }
}
