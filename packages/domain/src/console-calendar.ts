import type { Channel } from '@cm/schemas';
import type { MismatchKind } from './drift';
import { addDays, nightCount, parseStayDates, type LocalDate, type StayDatesProblem } from './stay-dates';

/**
 * The operator console's multi-calendar (issue 23.3): one row for the ledger and one per channel
 * listing, a cell per night. Each fact has its own owner, read through its own endpoint: who holds
 * a night (the ledger, through ingest), what the dispatcher pushed (sync-dispatcher) and what the
 * reconciler's last pass found (reconciler). This merges the three into rows, and decides per
 * listing-night whether the channel agrees with the ledger.
 */

/** The longest range of nights the console reads at once: two months, what one screen shows. */
export const MAX_CALENDAR_NIGHTS = 62;

/** [from, to) as the console may ask for it, or why not: both calendar days, to after from, at most MAX_CALENDAR_NIGHTS nights. */
export function calendarRange(from: string, to: string): { readonly from: LocalDate; readonly to: LocalDate } | { readonly problem: string } {
  const dates = parseStayDates(from, to);
  if (typeof dates === 'string') return { problem: RANGE_PROBLEMS[dates] };
  const nights = nightCount(dates);
  if (nights > MAX_CALENDAR_NIGHTS) return { problem: `at most ${MAX_CALENDAR_NIGHTS} nights at once; [from, to) has ${nights}` };
  return { from: dates.checkIn, to: dates.checkOut };
}

const RANGE_PROBLEMS: Readonly<Record<StayDatesProblem, string>> = {
  not_iso_date: 'from and to are YYYY-MM-DD dates',
  not_a_calendar_day: 'from or to is no such calendar day',
  check_out_not_after_check_in: 'to must be after from: the nights are [from, to)',
};

/** The stay that holds a night in the ledger. */
export interface NightHolder {
  readonly stayKey: string;
  readonly kind: 'booking' | 'block';
  /** PMS, a channel (AIRBNB, ...) or an iCal feed: who the stay came from. */
  readonly source: string;
  readonly reference: string;
  /** A booking's status (PENDING, CONFIRMED); null for a block. */
  readonly status: string | null;
  readonly guestName: string | null;
}

export interface LedgerNight {
  readonly date: LocalDate;
  readonly holder: NightHolder | null;
}

/** Where the dispatcher stands with one listing-night. */
export type PushState = 'in_sync' | 'pending_push' | 'failed';

export interface PushedNight {
  readonly date: LocalDate;
  /** What the channel should show: the ledger's state as the dispatcher last recorded it. */
  readonly available: boolean;
  readonly pushState: PushState;
}

export interface ListingPushes {
  readonly channel: Channel;
  readonly listingId: string;
  /** Only the nights the dispatcher has a state for; a night never changed has none. */
  readonly nights: readonly PushedNight[];
}

/** A run of nights the reconciler found differing on a channel, and whether its correction landed. */
export interface DriftFound {
  readonly checkIn: LocalDate;
  readonly checkOut: LocalDate;
  readonly kind: MismatchKind;
}

/** What the reconciler's last pass found of one listing. */
export interface ListingLastPass {
  readonly channel: Channel;
  readonly listingId: string;
  readonly passId: string;
  readonly checkedAtMs: number;
  /** pending / failed: its correction has not landed; fixed: acknowledged; in_sync; unread. */
  readonly outcome: 'in_sync' | 'pending' | 'fixed' | 'failed' | 'unread';
  readonly drift: readonly DriftFound[];
}

/**
 * Whether a channel shows what the ledger holds on a night:
 * - `failed`: the push of the night's state failed and is waiting to be tried again;
 * - `drift_found`: the last pass found the channel differing there and its correction has not landed;
 * - `pending_push`: the state is on its way (recorded, not acknowledged, or not yet recorded by the dispatcher);
 * - `in_sync`: the channel acknowledged the ledger's state, or the night is held by the channel's own
 *   reservation (nothing is pushed to the channel a booking came from: it closed the night itself);
 * - `unknown`: nothing was ever pushed for a free night and no pass found it differing.
 */
export type NightAgreement = 'failed' | 'drift_found' | 'pending_push' | 'in_sync' | 'unknown';

export interface ChannelCell {
  readonly date: LocalDate;
  readonly agreement: NightAgreement;
  /** What the channel should show, by the ledger (free: available). */
  readonly shouldBeAvailable: boolean;
  /** The drift the last pass found on this night, when its correction has not landed. */
  readonly drift: { readonly passId: string; readonly kind: MismatchKind } | null;
}

export interface ChannelRow {
  readonly channel: Channel;
  readonly listingId: string;
  /** The last pass that checked this listing, for the health view's link. */
  readonly lastPass: { readonly passId: string; readonly checkedAtMs: number; readonly outcome: ListingLastPass['outcome'] } | null;
  readonly cells: readonly ChannelCell[];
}

export interface MultiCalendar {
  readonly from: LocalDate;
  readonly to: LocalDate;
  readonly ledger: readonly LedgerNight[];
  readonly channels: readonly ChannelRow[];
}

export interface MultiCalendarInput {
  readonly from: LocalDate;
  /** Exclusive. */
  readonly to: LocalDate;
  readonly ledger: readonly LedgerNight[];
  /** Every listing of the property; one with no pushes yet still gets a row. */
  readonly listings: readonly ListingPushes[];
  readonly lastPasses: readonly ListingLastPass[];
}

/** The calendar of [from, to): the ledger row, then a row per listing ordered by channel and listing id. */
export function mergeMultiCalendar(input: MultiCalendarInput): MultiCalendar {
  const dates = nightsBetween(input.from, input.to);
  const holders = new Map(input.ledger.map((n) => [n.date, n.holder] as const));
  const ledger = dates.map((date) => ({ date, holder: holders.get(date) ?? null }));
  const passes = new Map(input.lastPasses.map((p) => [listingKey(p.channel, p.listingId), p] as const));
  const channels = [...input.listings]
    .sort((a, b) => (a.channel === b.channel ? compare(a.listingId, b.listingId) : compare(a.channel, b.channel)))
    .map((listing) => channelRow(listing, ledger, passes.get(listingKey(listing.channel, listing.listingId)) ?? null));
  return { from: input.from, to: input.to, ledger, channels };
}

function channelRow(listing: ListingPushes, ledger: readonly LedgerNight[], pass: ListingLastPass | null): ChannelRow {
  const pushed = new Map(listing.nights.map((n) => [n.date, n] as const));
  return {
    channel: listing.channel,
    listingId: listing.listingId,
    lastPass: pass ? { passId: pass.passId, checkedAtMs: pass.checkedAtMs, outcome: pass.outcome } : null,
    cells: ledger.map((night) => {
      const drift = driftOn(pass, night.date);
      const shouldBeAvailable = night.holder === null;
      const heldHere = night.holder !== null && night.holder.source === listing.channel;
      return { date: night.date, agreement: agreementOf({ shouldBeAvailable, heldHere, pushed: pushed.get(night.date), drift }), shouldBeAvailable, drift };
    }),
  };
}

export interface NightFacts {
  /** The ledger leaves the night free. */
  readonly shouldBeAvailable: boolean;
  /** The night is held by a reservation made on this very channel. */
  readonly heldHere: boolean;
  readonly pushed: PushedNight | undefined;
  readonly drift: ChannelCell['drift'];
}

/** The rule of one listing-night: a failure first, then drift not yet corrected, then whether the push caught up with the ledger. */
export function agreementOf({ shouldBeAvailable, heldHere, pushed, drift }: NightFacts): NightAgreement {
  if (pushed?.pushState === 'failed') return 'failed';
  if (drift !== null) return 'drift_found';
  if (pushed === undefined) return heldHere ? 'in_sync' : shouldBeAvailable ? 'unknown' : 'pending_push';
  // The dispatcher's state lags the ledger while the change is on the topic: not yet on its way to the channel.
  if (pushed.available !== shouldBeAvailable) return 'pending_push';
  switch (pushed.pushState) {
    case 'pending_push':
      return 'pending_push';
    case 'in_sync':
      return 'in_sync';
    default:
      return assertNever(pushed.pushState);
  }
}

/** The drift of the last pass on a night, unless its correction landed (fixed) or the pass found none. */
function driftOn(pass: ListingLastPass | null, date: LocalDate): ChannelCell['drift'] {
  if (pass === null) return null;
  switch (pass.outcome) {
    case 'pending':
    case 'failed': {
      const found = pass.drift.find((d) => d.checkIn <= date && date < d.checkOut);
      return found ? { passId: pass.passId, kind: found.kind } : null;
    }
    case 'in_sync':
    case 'fixed':
    case 'unread':
      return null;
    default:
      return assertNever(pass.outcome);
  }
}

function nightsBetween(from: LocalDate, to: LocalDate): LocalDate[] {
  const dates: LocalDate[] = [];
  for (let date = from; date < to; date = addDays(date, 1)) dates.push(date);
  return dates;
}

const listingKey = (channel: string, listingId: string) => `${channel}\u0000${listingId}`;
const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
