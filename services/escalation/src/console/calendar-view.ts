import { addDays, calendarRange, mergeMultiCalendar, parseLocalDate, type LedgerNight, type ListingLastPass, type ListingPushes, type LocalDate, type NightAgreement, type NightHolder } from '@cm/domain';
import type { Channel } from '@cm/schemas';
import { panelOf, type Panel } from './panels';
import type { SourceAnswer } from './sources';

/** The three reads of a calendar, as ingest, the dispatcher and the reconciler answer them (docs/console-reads.md). */
export interface LedgerNightsBody {
  readonly nights: readonly { readonly date: string; readonly holder: { readonly stay_key: string; readonly kind: 'booking' | 'block'; readonly source: string; readonly reference: string; readonly status: string | null; readonly guest_name: string | null } | null }[];
}
export interface ChannelNightsBody {
  readonly listings: readonly { readonly channel: Channel; readonly listing_id: string; readonly nights: readonly { readonly date: string; readonly available: boolean; readonly push_state: 'in_sync' | 'pending_push' | 'failed' }[] }[];
}
export interface DriftBody {
  readonly listings: readonly { readonly channel: Channel; readonly listing_id: string; readonly pass_id: string; readonly checked_at: string; readonly outcome: ListingLastPass['outcome']; readonly drift: readonly { readonly check_in: string; readonly check_out: string; readonly kind: string }[] }[];
}

/** The nights a calendar page shows when the form leaves them out: from today, thirty nights. */
export const DEFAULT_NIGHTS = 30;

export interface CalendarRequest {
  readonly propertyId: string;
  readonly from: LocalDate;
  readonly to: LocalDate;
}

/** The form's values with today's defaults, or why the range is refused (the form is shown again with it). */
export function calendarRequestOf(query: { property_id?: string | undefined; from?: string | undefined; to?: string | undefined }, properties: readonly string[], today: LocalDate): { request: CalendarRequest } | { problem: string; form: { propertyId: string; from: string; to: string } } {
  const from = query.from ?? today;
  const to = query.to ?? (query.from === undefined ? addDays(today, DEFAULT_NIGHTS) : addDaysIfDate(query.from, DEFAULT_NIGHTS));
  const propertyId = query.property_id ?? properties[0] ?? '';
  const range = calendarRange(from, to);
  if ('problem' in range) return { problem: range.problem, form: { propertyId, from, to } };
  return { request: { propertyId, from: range.from, to: range.to } };
}

/** A default `to` after a given `from`; a `from` that is no date is left for calendarRange to refuse. */
function addDaysIfDate(text: string, days: number): string {
  const date = parseLocalDate(text);
  return date === 'not_iso_date' || date === 'not_a_calendar_day' ? text : addDays(date, days);
}

/** How a channel cell says whether the channel agrees: a symbol and the words a screen reader reads and the legend explains. */
export function agreementDisplay(agreement: NightAgreement): { readonly symbol: string; readonly words: string } {
  switch (agreement) {
    case 'in_sync':
      return { symbol: '✓', words: 'in sync' };
    case 'pending_push':
      return { symbol: '…', words: 'pending push' };
    case 'failed':
      return { symbol: '✗', words: 'push failed' };
    case 'drift_found':
      return { symbol: '≠', words: 'drift found' };
    case 'unknown':
      return { symbol: '·', words: 'free, nothing pushed yet' };
    default:
      return assertNever(agreement);
  }
}

export interface LedgerCellView {
  readonly date: string;
  /** A few letters: who the night came from. */
  readonly text: string;
  readonly label: string;
  readonly href: string | null;
  readonly held: boolean;
}

export interface ChannelCellView {
  readonly date: string;
  readonly agreement: NightAgreement;
  readonly symbol: string;
  readonly label: string;
  readonly href: string;
}

export interface ChannelRowView {
  readonly channel: Channel;
  readonly listingId: string;
  readonly lastPass: string;
  readonly cells: readonly ChannelCellView[];
}

export interface CalendarView {
  readonly dates: readonly { readonly date: string; readonly day: string; readonly weekday: string }[];
  /** Null when the ledger could not be read (its panel says why). */
  readonly ledger: readonly LedgerCellView[] | null;
  /** Null when there is no agreement to show: the ledger or the channel side could not be read. */
  readonly channels: readonly ChannelRowView[] | null;
  readonly panels: readonly Panel[];
  /** What the page shows less of because a source is missing. */
  readonly notes: readonly string[];
}

/** The calendar page from the three answers: each source that failed becomes a panel, the rest is merged by mergeMultiCalendar. */
export function calendarView(request: CalendarRequest, ledger: SourceAnswer<LedgerNightsBody>, channels: SourceAnswer<ChannelNightsBody>, drift: SourceAnswer<DriftBody>): CalendarView {
  const panels = [panelOf(ledger, 'the ledger row'), panelOf(channels, 'the channel rows'), panelOf(drift, 'drift found by the reconciler')].filter((p): p is Panel => p !== null);
  const notes: string[] = [];
  if (ledger.kind === 'ok' && channels.kind === 'ok' && drift.kind !== 'ok') notes.push('Without the reconciler, no cell can say "drift found": the channel rows show the pushes only.');
  if (ledger.kind !== 'ok' && channels.kind === 'ok') notes.push('Whether a channel agrees is decided against the ledger: without it, the channel rows are not shown.');
  const calendar = mergeMultiCalendar({
    from: request.from,
    to: request.to,
    ledger: ledger.kind === 'ok' ? ledger.body.nights.map(ledgerNightOf) : [],
    listings: channels.kind === 'ok' ? channels.body.listings.map(listingPushesOf) : [],
    lastPasses: drift.kind === 'ok' ? drift.body.listings.map(lastPassOf) : [],
  });
  const property = encodeURIComponent(request.propertyId);
  return {
    dates: calendar.ledger.map((n) => ({ date: n.date, day: n.date.slice(8), weekday: WEEKDAYS[new Date(`${n.date}T00:00:00Z`).getUTCDay()]! })),
    ledger: ledger.kind === 'ok' ? calendar.ledger.map((n) => ledgerCellOf(property, n.date, n.holder)) : null,
    channels:
      ledger.kind === 'ok' && channels.kind === 'ok'
        ? calendar.channels.map((row) => ({
            channel: row.channel,
            listingId: row.listingId,
            lastPass: row.lastPass ? `last checked ${new Date(row.lastPass.checkedAtMs).toISOString().slice(0, 16).replace('T', ' ')} UTC (${row.lastPass.outcome.replace('_', ' ')})` : 'not checked by the reconciler yet',
            cells: row.cells.map((cell) => {
              const shown = agreementDisplay(cell.agreement);
              const should = cell.shouldBeAvailable ? 'should be open' : 'should be closed';
              return {
                date: cell.date,
                agreement: cell.agreement,
                symbol: shown.symbol,
                label: `${row.channel} ${cell.date}: ${shown.words} (${should}${cell.drift ? `; ${cell.drift.kind.replaceAll('_', ' ')}` : ''}). Open its push history.`,
                href: `/pushes/${property}/${row.channel}/${encodeURIComponent(row.listingId)}/${cell.date}`,
              };
            }),
          }))
        : null,
    panels,
    notes,
  };
}

const WEEKDAYS = ['Su', 'Mo', 'Tu', 'We', 'Th', 'Fr', 'Sa'];

function ledgerCellOf(property: string, date: string, holder: NightHolder | null): LedgerCellView {
  if (holder === null) return { date, text: '', label: `${date}: free`, href: null, held: false };
  const who = holder.kind === 'block' ? `blocked (${holder.source}:${holder.reference})` : `${holder.stayKey}${holder.guestName ? `, ${holder.guestName}` : ''}${holder.status ? `, ${holder.status.toLowerCase()}` : ''}`;
  return { date, text: holder.kind === 'block' ? 'BLK' : holder.source.slice(0, 3), label: `${date}: held by ${who}. Open the booking.`, href: `/bookings/${property}/${encodeURIComponent(holder.stayKey)}`, held: true };
}

function ledgerNightOf(n: LedgerNightsBody['nights'][number]): LedgerNight {
  const h = n.holder;
  return { date: n.date as LocalDate, holder: h && { stayKey: h.stay_key, kind: h.kind, source: h.source, reference: h.reference, status: h.status, guestName: h.guest_name } };
}

function listingPushesOf(l: ChannelNightsBody['listings'][number]): ListingPushes {
  return { channel: l.channel, listingId: l.listing_id, nights: l.nights.map((n) => ({ date: n.date as LocalDate, available: n.available, pushState: n.push_state })) };
}

function lastPassOf(l: DriftBody['listings'][number]): ListingLastPass {
  return {
    channel: l.channel,
    listingId: l.listing_id,
    passId: l.pass_id,
    checkedAtMs: Date.parse(l.checked_at),
    outcome: l.outcome,
    drift: l.drift.map((d) => ({ checkIn: d.check_in as LocalDate, checkOut: d.check_out as LocalDate, kind: d.kind as ListingLastPass['drift'][number]['kind'] })),
  };
}

function assertNever(value: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(value)}`);
}
