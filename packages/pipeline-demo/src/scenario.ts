import { epochDay, samples, type BookingCommand } from '@cm/schemas';

/**
 * The booking story the demo tells, on properties of its own run: the seed's race, a direct
 * booking losing nothing, a block, a date change, a cancellation, a price far from the PMS quote.
 */
export function bookingScenario(run: string, at: number): BookingCommand[] {
  const villa = `demo-${run}-villa`;
  const loft = `demo-${run}-loft`;
  let n = 0;
  const cmd = (over: Partial<BookingCommand> & { property_id: string; booking_ref: string }): BookingCommand => ({
    ...samples['booking.commands']({ id: `${run}-${++n}`, propertyId: over.property_id, at }),
    price: null,
    pms_quote: null,
    rate_plan: null,
    ...over,
  });
  const d = epochDay;
  return [
    // The seed's race: two channels, overlapping nights, milliseconds apart.
    cmd({ property_id: villa, source: 'AIRBNB', booking_ref: 'HMVILLA1', check_in: d('2026-12-20'), check_out: d('2026-12-25') }),
    cmd({ property_id: villa, source: 'BOOKING_COM', booking_ref: 'BDC-77', check_in: d('2026-12-22'), check_out: d('2026-12-27') }),
    // A direct booking, then a Vrbo guest on one of its nights.
    cmd({ property_id: loft, source: 'PMS', booking_ref: 'D-100', check_in: d('2027-01-03'), check_out: d('2027-01-06') }),
    cmd({ property_id: loft, source: 'VRBO', booking_ref: 'V-9', check_in: d('2027-01-05'), check_out: d('2027-01-08') }),
    // The host blocks nights; an Airbnb booking onto them loses.
    cmd({ property_id: loft, source: 'PMS', booking_ref: 'BLOCK-1', command_type: 'BLOCK_NIGHTS', check_in: d('2027-01-10'), check_out: d('2027-01-12'), reason: 'painting' }),
    cmd({ property_id: loft, source: 'AIRBNB', booking_ref: 'HMLOFT2', check_in: d('2027-01-11'), check_out: d('2027-01-13') }),
    // A guest moves their stay (free nights: accepted), then cancels.
    cmd({ property_id: loft, source: 'AIRBNB', booking_ref: 'HMLOFT3', check_in: d('2027-01-20'), check_out: d('2027-01-22') }),
    cmd({ property_id: loft, source: 'AIRBNB', booking_ref: 'HMLOFT3', source_version: 2, command_type: 'MODIFY_DATES', check_in: d('2027-01-21'), check_out: d('2027-01-24') }),
    cmd({ property_id: loft, source: 'AIRBNB', booking_ref: 'HMLOFT3', source_version: 3, command_type: 'CHANGE_STATUS', status: 'CANCELLED' }),
    // A channel price 20% over the PMS quote: accepted, and a human looks (5.2.1).
    cmd({ property_id: loft, source: 'BOOKING_COM', booking_ref: 'BDC-88', check_in: d('2027-02-01'), check_out: d('2027-02-04'), price: { amount_minor: 120_000, currency: 'EUR' }, pms_quote: { amount_minor: 100_000, currency: 'EUR' } }),
  ];
}
