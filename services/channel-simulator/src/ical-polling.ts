import { FEED_LEVEL_PROBLEMS, fetchFeed, parseFeed } from '@cm/ical';
import { DEFAULTS } from './defaults';
import { applyImportedFeed } from './ical-import';
import type { PollOutcome } from './ical-record';
import type { Listing, ListingSettings } from './listing';

/**
 * The platform polling our export feed of its iCal listings, as Airbnb and Vrbo do: by conditional
 * GET (the ETag and Last-Modified of the last feed applied), every `icalPollSeconds` (the first
 * poll at once when the import is set up or changed) and whenever asked. One listing's polls run
 * one at a time. Stopping clears the timers and aborts the polls in flight.
 */
export class IcalPolling {
  private readonly tails = new Map<string, Promise<PollOutcome>>();
  private readonly schedules = new Map<string, Schedule>();
  private stopping = new AbortController();

  /** Starts, changes or ends the listing's timed polls after its settings were set. */
  configure(listing: Listing): void {
    const key = scheduleKey(listing.settings);
    const current = this.schedules.get(listing.id);
    if (current && current.listing === listing && current.key === key) return;
    this.unschedule(listing.id);
    if (key === null) return;
    const schedule: Schedule = { listing, key, timer: undefined };
    this.schedules.set(listing.id, schedule);
    this.arm(schedule, 0);
  }

  /** Polls now, after any poll of the listing in flight; resolves with how it went (never rejects). */
  poll(listing: Listing): Promise<PollOutcome> {
    const signal = this.stopping.signal;
    const previous = this.tails.get(listing.id) ?? Promise.resolve();
    const next = previous.then(() => pollListing(listing, signal));
    this.tails.set(listing.id, next);
    void next.then(() => {
      if (this.tails.get(listing.id) === next) this.tails.delete(listing.id);
    });
    return next;
  }

  /** Ends every timed poll and aborts the polls in flight (reset, close); polls asked later run again. */
  cancelAll(): void {
    for (const id of [...this.schedules.keys()]) this.unschedule(id);
    this.stopping.abort();
    this.stopping = new AbortController();
  }

  /** Resolves when the polls in flight have ended. */
  async settled(): Promise<void> {
    await Promise.all([...this.tails.values()]);
  }

  private arm(schedule: Schedule, delayMs: number): void {
    schedule.timer = setTimeout(() => {
      void this.poll(schedule.listing).then(() => {
        if (this.schedules.get(schedule.listing.id) === schedule) this.arm(schedule, schedule.listing.settings.icalPollSeconds * 1000);
      });
    }, delayMs);
    schedule.timer.unref();
  }

  private unschedule(listingId: string): void {
    clearTimeout(this.schedules.get(listingId)?.timer);
    this.schedules.delete(listingId);
  }
}

interface Schedule {
  readonly listing: Listing;
  /** The settings the schedule was made for: other settings make a new schedule. */
  readonly key: string;
  timer: NodeJS.Timeout | undefined;
}

/** Null when the listing is not polled on a timer. */
function scheduleKey(settings: ListingSettings): string | null {
  if (settings.sync !== 'ical' || settings.importUrl === null || settings.icalPollSeconds === 0) return null;
  return `${settings.icalPollSeconds} ${settings.importUrl}`;
}

/** One poll of the listing's import URL, applied to its calendar and recorded. */
async function pollListing(listing: Listing, stopping: AbortSignal): Promise<PollOutcome> {
  const outcome = await fetchAndApply(listing, stopping).catch(
    (error: unknown): PollOutcome => ({ kind: 'failed', code: 'internal_error', message: error instanceof Error ? error.message : String(error), retriable: false }),
  );
  listing.ical.recordPoll(outcome, new Date().toISOString());
  return outcome;
}

async function fetchAndApply(listing: Listing, stopping: AbortSignal): Promise<PollOutcome> {
  const { importUrl, timeZone } = listing.settings;
  if (importUrl === null) return { kind: 'failed', code: 'no_import_url', message: 'the listing has no import_url to poll', retriable: false };
  // Validators read from another URL say nothing of this one.
  const held = listing.ical.validators?.url === importUrl ? listing.ical.validators : null;
  const fetched = await fetchFeed(importUrl, {
    timeoutMs: DEFAULTS.icalFetchTimeoutMs,
    ...(held?.etag === undefined ? {} : { etag: held.etag }),
    ...(held?.lastModified === undefined ? {} : { lastModified: held.lastModified }),
    fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ? AbortSignal.any([init.signal, stopping]) : stopping }),
  });
  if (stopping.aborted) return { kind: 'failed', code: 'stopping', message: 'the simulator stopped polling', retriable: true };
  switch (fetched.status) {
    case 'failed':
      return { kind: 'failed', code: fetched.error.code, message: fetched.error.message, retriable: fetched.error.retriable };
    case 'unchanged':
      return { kind: 'unchanged' };
    case 'changed': {
      const { entries, problems } = parseFeed(fetched.text, { timeZone });
      const incomplete = problems.filter((problem) => FEED_LEVEL_PROBLEMS.includes(problem.code));
      // A feed cut short is not the calendar: applying it would reopen nights that are taken.
      if (incomplete.length > 0) return { kind: 'failed', code: 'feed_incomplete', message: incomplete.map((problem) => problem.reason).join('; '), retriable: true };
      const applied = applyImportedFeed(listing.calendar, entries);
      listing.ical.validators = { url: importUrl, etag: fetched.etag, lastModified: fetched.lastModified };
      return { kind: 'changed', nightsChanged: applied.nightsChanged, nightsClosed: applied.nightsClosed, events: entries.length, problems };
    }
    default: {
      const unknown: never = fetched;
      throw new Error(`unknown fetch result ${JSON.stringify(unknown)}`);
    }
  }
}
