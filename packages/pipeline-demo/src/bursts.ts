import { waitFor, type Knex } from '@cm/service-runtime';
import { ICAL_CHANNEL, type DemoChannel, type DemoProperty, type Portfolio, type Simulator } from './channels';

/** One guest in a burst: an instant booking or a request to book on a platform, or a direct booking the PMS makes. */
export type BurstBooking =
  | { readonly kind: 'instant'; readonly channel: 'AIRBNB' | 'BOOKING_COM' | 'EXPEDIA' }
  | { readonly kind: 'request'; readonly channel: 'AIRBNB' | 'BOOKING_COM' }
  | { readonly kind: 'direct' };

/**
 * The morning's bursts, one per villa: guests take the same nights at once, and the ledger takes
 * whichever reaches it first. Each burst can be resolved through the platforms' own APIs whoever
 * wins, because Booking.com and Expedia offer no host cancellation (the simulator's capability
 * table), so a loser there can only be kept, never cancelled:
 * - at most one instant booking on a platform without host cancellation; if it loses, the
 *   operator keeps its guest (keep_channel_guest) and the stay that won is cancelled: a direct
 *   booking, or an Airbnb one cancelled there as host. Two such losers could not both be kept;
 * - an Airbnb instant booking that loses is cancelled there as host (cancel_stay);
 * - a request to book that loses is declined by the system, without review. A request never
 *   races an instant booking on a platform without host cancellation: had the request won,
 *   keeping that guest would cancel a pending request as host, which no platform accepts;
 * - a direct booking that loses is refused to the PMS at once: nobody holds a confirmation.
 * Which guest wins varies from run to run (two runs: the direct booking won all four bursts, then
 * one of three), so the operator picks each task's action from the task, not from this list.
 */
export const BURSTS: readonly (readonly BurstBooking[])[] = [
  [{ kind: 'instant', channel: 'AIRBNB' }, { kind: 'instant', channel: 'EXPEDIA' }],
  [{ kind: 'instant', channel: 'BOOKING_COM' }, { kind: 'direct' }],
  [{ kind: 'request', channel: 'AIRBNB' }, { kind: 'direct' }],
  [{ kind: 'instant', channel: 'AIRBNB' }, { kind: 'request', channel: 'BOOKING_COM' }, { kind: 'direct' }],
];

/** A booking a guest made on a platform, with the command ingest made of it. */
export interface ChannelBooking {
  readonly property: DemoProperty;
  readonly channel: DemoChannel;
  readonly reservationId: string;
  readonly commandId: string;
  readonly request: boolean;
  readonly burst: boolean;
  checkIn: string;
  checkOut: string;
}

/** A direct booking made through the PMS API, with its command and what the ledger answered. */
export interface DirectBooking {
  readonly property: DemoProperty;
  readonly reference: string;
  readonly commandId: string | null;
  readonly status: number;
}

/**
 * A guest books on a platform (instant, or a request to book); null when the platform itself
 * refuses (nights closed there). The command id is ingest's: from its answer to the platform's
 * webhook, or, for Vrbo (iCal only: no webhook), found in the ledger once ingest read Vrbo's feed.
 */
export async function bookOnChannel(
  simulator: Simulator,
  db: Knex,
  booking: { property: DemoProperty; channel: DemoChannel; checkIn: string; checkOut: string; guest: string; request?: boolean; burst?: boolean },
): Promise<ChannelBooking | null> {
  const { property, channel, checkIn, checkOut, guest } = booking;
  const { status, body } = await simulator.call<{ reservation: { id: string }; webhook: { response: { body: { command_id?: string } } | null } }>('POST', `${simulator.listing(channel, property.listings[channel])}/bookings`, {
    check_in: checkIn,
    check_out: checkOut,
    guest: { name: guest, email: `${guest.toLowerCase().replace(/\W+/g, '.')}@guest.example` },
    total: { amount: String(180 * nightsBetween(checkIn, checkOut)), currency: 'EUR' },
    ...(booking.request ? { request: true } : {}),
  });
  if (status !== 201 && status !== 200) return null;
  const commandId = channel === ICAL_CHANNEL ? await importedCommandId(db, property, checkIn, checkOut) : body.webhook?.response?.body.command_id;
  if (!commandId) return null;
  return { property, channel, reservationId: body.reservation.id, commandId, request: booking.request === true, burst: booking.burst === true, checkIn, checkOut };
}

/** The command that took a Vrbo stay from its feed into the ledger (accepted or rejected), once ingest has read the feed. */
async function importedCommandId(db: Knex, property: DemoProperty, checkIn: string, checkOut: string): Promise<string | undefined> {
  return waitFor(
    `the Vrbo stay ${checkIn}..${checkOut} of ${property.propertyId} read from its feed and decided`,
    async () => {
      const row: { command_id: string } | undefined = await db('audit_log as a')
        .join('stays as s', function () {
          this.on('s.stay_key', '=', 'a.stay_key').andOn('s.property_id', '=', 'a.property_id');
        })
        .where({ 'a.property_id': property.propertyId, 's.source': ICAL_CHANNEL, 's.check_in': checkIn, 's.check_out': checkOut })
        .whereIn('a.action', ['booking_accepted', 'booking_rejected'])
        .orderBy('a.id')
        .first('a.command_id');
      return row?.command_id;
    },
    { timeoutMs: 30_000, intervalMs: 100 },
  ).catch(() => undefined);
}

/** The PMS books directly through ingest's PMS API, which answers with the ledger's decision (or 202 past its deadline). */
export async function bookDirect(pmsApi: string, portfolio: Portfolio, booking: { property: DemoProperty; reference: string; checkIn: string; checkOut: string; guest: string }): Promise<DirectBooking> {
  const answer = await fetch(`${pmsApi}/v1/properties/${encodeURIComponent(booking.property.propertyId)}/bookings`, {
    method: 'POST',
    headers: { authorization: `Bearer ${portfolio.apiKey}`, 'content-type': 'application/json', 'idempotency-key': `direct-${booking.reference}` },
    body: JSON.stringify({ reference: booking.reference, check_in: booking.checkIn, check_out: booking.checkOut, guest: { name: booking.guest }, total: { amount: String(170 * nightsBetween(booking.checkIn, booking.checkOut)), currency: 'EUR' } }),
  });
  const body = (await answer.json().catch(() => ({}))) as { command_id?: string };
  return { property: booking.property, reference: booking.reference, commandId: body.command_id ?? null, status: answer.status };
}

export function nightsBetween(checkIn: string, checkOut: string): number {
  return Math.round((Date.parse(checkOut) - Date.parse(checkIn)) / 86_400_000);
}
