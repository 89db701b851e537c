import type { FeedProblem } from '@cm/ical';

/**
 * What a listing's iCal sync has done, both ways: the platform's export feed (its version, and how
 * it was fetched) and the platform's polls of our feed (how they went, and the validators it keeps
 * for the next conditional GET).
 */

/** `full` a 200 with the feed; `not_modified` a 304; `broken` an empty or cut feed a fault served. */
export const EXPORT_FETCH_OUTCOMES = ['full', 'not_modified', 'broken'] as const;
export type ExportFetchOutcome = (typeof EXPORT_FETCH_OUTCOMES)[number];

/** `changed` a new feed applied; `unchanged` a 304; `failed` no answer, an error status, or a feed cut short (not applied). */
export const POLL_OUTCOMES = ['changed', 'unchanged', 'failed'] as const;
export type PollOutcomeKind = (typeof POLL_OUTCOMES)[number];

export type PollOutcome =
  | {
      readonly kind: 'changed';
      /** Nights whose open/closed flag the feed changed. */
      readonly nightsChanged: number;
      /** Nights the feed closes now. */
      readonly nightsClosed: number;
      readonly events: number;
      /** Events the parser left out, each with why. */
      readonly problems: readonly FeedProblem[];
    }
  | { readonly kind: 'unchanged' }
  | { readonly kind: 'failed'; readonly code: string; readonly message: string; readonly retriable: boolean };

/** What the platform sends back on its next poll, for the URL it read them from. */
export interface FeedValidators {
  readonly url: string;
  readonly etag: string | undefined;
  readonly lastModified: string | undefined;
}

/**
 * When the export's content last changed: every event's DTSTAMP and the Last-Modified header, so a
 * re-render of the same content is byte-identical (same ETag). Found when a render sees new
 * content; whole seconds (HTTP dates have no finer grain), one second later at least than the
 * version before, so If-Modified-Since never takes a newer version for one the client holds.
 */
export class FeedVersion {
  private content: string | null = null;
  private changedAtMs = 0;

  stamp(content: string, nowMs: number): number {
    if (content !== this.content) {
      this.content = content;
      this.changedAtMs = Math.max(Math.floor(nowMs / 1000) * 1000, this.changedAtMs + 1000);
    }
    return this.changedAtMs;
  }
}

export class ListingIcal {
  readonly exportVersion = new FeedVersion();
  private readonly fetches = zeroes(EXPORT_FETCH_OUTCOMES);
  private lastFetch: { readonly at: string; readonly outcome: ExportFetchOutcome; readonly etag: string } | null = null;
  private readonly polls = zeroes(POLL_OUTCOMES);
  private lastPoll: { readonly at: string; readonly outcome: PollOutcome } | null = null;
  /** Kept from the last feed applied; a failed or unchanged poll keeps them as they were. */
  validators: FeedValidators | null = null;

  recordFetch(outcome: ExportFetchOutcome, etag: string, at: string): void {
    this.fetches[outcome]++;
    this.lastFetch = { at, outcome, etag };
  }

  recordPoll(outcome: PollOutcome, at: string): void {
    this.polls[outcome.kind]++;
    this.lastPoll = { at, outcome };
  }

  exportView(): IcalExportRecordView {
    return { fetches: { ...this.fetches }, last_fetch: this.lastFetch && { ...this.lastFetch } };
  }

  importView(): IcalImportRecordView {
    return {
      polls: { ...this.polls },
      last_poll: this.lastPoll && { at: this.lastPoll.at, ...pollOutcomeView(this.lastPoll.outcome) },
      etag: this.validators?.etag ?? null,
      last_modified: this.validators?.lastModified ?? null,
    };
  }
}

export interface IcalExportRecordView {
  readonly fetches: Readonly<Record<ExportFetchOutcome, number>>;
  /** The last fetch answered: when, how, and the ETag of what it was given (or held, on a 304). */
  readonly last_fetch: { readonly at: string; readonly outcome: ExportFetchOutcome; readonly etag: string } | null;
}

export interface IcalImportRecordView {
  readonly polls: Readonly<Record<PollOutcomeKind, number>>;
  readonly last_poll: ({ readonly at: string } & PollOutcomeView) | null;
  /** The validators of the feed the platform holds: the version of our feed it last applied. */
  readonly etag: string | null;
  readonly last_modified: string | null;
}

export type PollOutcomeView =
  | { readonly outcome: 'changed'; readonly nights_changed: number; readonly nights_closed: number; readonly events: number; readonly problems: readonly FeedProblem[] }
  | { readonly outcome: 'unchanged' }
  | { readonly outcome: 'failed'; readonly error: { readonly code: string; readonly message: string; readonly retriable: boolean } };

export function pollOutcomeView(outcome: PollOutcome): PollOutcomeView {
  switch (outcome.kind) {
    case 'changed':
      return { outcome: 'changed', nights_changed: outcome.nightsChanged, nights_closed: outcome.nightsClosed, events: outcome.events, problems: outcome.problems };
    case 'unchanged':
      return { outcome: 'unchanged' };
    case 'failed':
      return { outcome: 'failed', error: { code: outcome.code, message: outcome.message, retriable: outcome.retriable } };
    default: {
      const unknown: never = outcome;
      throw new Error(`unknown poll outcome ${JSON.stringify(unknown)}`);
    }
  }
}

function zeroes<K extends string>(keys: readonly K[]): Record<K, number> {
  return Object.fromEntries(keys.map((key) => [key, 0])) as Record<K, number>;
}
