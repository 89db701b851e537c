import type { ConflictType } from '@cm/schemas';
import { assertNever } from '@cm/domain';

/**
 * The identity of "the same problem": one open review task per key. A channel-wide problem
 * (sync failures, drift) is one per property and channel, so one outage is one task whichever
 * signal (a SYNC_FAILED conflict or the streak of failed sync.results.v2) reports it; a reservation
 * action that failed is one per channel and reservation; a problem about a stay is one per stay
 * (its key from the facts, else the record's booking_ref).
 */
export function conflictKey(input: {
  readonly conflictType: ConflictType;
  readonly propertyId: string;
  readonly channel: string | null;
  readonly bookingRef: string | null;
  readonly details: Readonly<Record<string, string>>;
}): string {
  const { conflictType: type, propertyId, details } = input;
  const stay = (field: string) => details[field] ?? input.bookingRef ?? '-';
  switch (type) {
    case 'SYNC_FAILED':
      // A reservation action that did not land (a host cancellation, a decline...) is about one
      // reservation: its own task, not merged into the channel's push task. The dispatcher writes
      // reservation_action and booking_ref; the domain's facts name it reservationAction.
      if (details.reservation_action ?? details.reservationAction) return [type, propertyId, input.channel ?? details.channel ?? '-', details.booking_ref ?? input.bookingRef ?? '-'].join('|');
      return [type, propertyId, input.channel ?? details.channel ?? '-'].join('|');
    case 'AVAILABILITY_DRIFT':
    case 'PRICE_DRIFT':
      return [type, propertyId, input.channel ?? details.channel ?? '-'].join('|');
    case 'OVERBOOKING':
    case 'DOUBLE_BOOKING':
      return [type, propertyId, stay('losingKey')].join('|');
    case 'BLOCK_OVERLAP':
      return [type, propertyId, stay('blockKey')].join('|');
    case 'STATUS_MISMATCH':
    case 'GUEST_DATA':
    case 'PRICE_DISCREPANCY':
    case 'CURRENCY_MISMATCH':
    case 'RATE_PLAN':
    case 'DATE_MODIFICATION':
    case 'STALE_DATA':
    case 'GUEST_DISPUTE':
      return [type, propertyId, stay('key')].join('|');
    /* istanbul ignore next -- unreachable: the never check makes a missing case a compile error */
    default:
      return assertNever(type);
  }
}
