import { epochDay, samples, type BookingCommand, type CreateBooking } from '@cm/schemas';

/**
 * The booking story the demo tells, on properties of its own run: the seed's race, a direct
 * booking losing nothing, a block, a date change, a cancellation, a price far from the PMS quote.
 */
export function bookingScenario(run: string, at: number): BookingCommand[] {
  const villa = `demo-${run}-villa`;
  const loft = `demo-${run}-loft`;
  let n = 0;
  type Envelope = Partial<Omit<BookingCommand, 'command'>> & { property_id: string; booking_ref: string };
  const cmd = (over: Envelope, command: BookingCommand['command']): BookingCommand => ({
    ...samples['booking.commands.v2']({ id: `${run}-${++n}`, propertyId: over.property_id, at }),
    ...over,
    command,
  });
  const d = epochDay;
  const create = (over: Envelope, checkIn: string, checkOut: string, price: Pick<CreateBooking, 'price' | 'pms_quote'> = { price: null, pms_quote: null }) =>
    cmd(over, { kind: 'CREATE_BOOKING', status: 'CONFIRMED', check_in: d(checkIn), check_out: d(checkOut), ...price, rate_plan: null, guest: null, property_currency: 'EUR', guest_count: 2, reason: null });
  return [
    // The seed's race: two channels, overlapping nights, milliseconds apart.
    create({ property_id: villa, source: 'AIRBNB', booking_ref: 'HMVILLA1' }, '2026-12-20', '2026-12-25'),
    create({ property_id: villa, source: 'BOOKING_COM', booking_ref: 'BDC-77' }, '2026-12-22', '2026-12-27'),
    // A direct booking, then a Vrbo guest on one of its nights.
    create({ property_id: loft, source: 'PMS', booking_ref: 'D-100' }, '2027-01-03', '2027-01-06'),
    create({ property_id: loft, source: 'VRBO', booking_ref: 'V-9' }, '2027-01-05', '2027-01-08'),
    // The host blocks nights; an Airbnb booking onto them loses.
    cmd({ property_id: loft, source: 'PMS', booking_ref: 'BLOCK-1' }, { kind: 'BLOCK_NIGHTS', check_in: d('2027-01-10'), check_out: d('2027-01-12'), reason: 'painting' }),
    create({ property_id: loft, source: 'AIRBNB', booking_ref: 'HMLOFT2' }, '2027-01-11', '2027-01-13'),
    // A guest moves their stay (free nights: accepted), then cancels.
    create({ property_id: loft, source: 'AIRBNB', booking_ref: 'HMLOFT3' }, '2027-01-20', '2027-01-22'),
    cmd({ property_id: loft, source: 'AIRBNB', booking_ref: 'HMLOFT3', source_version: 2 }, { kind: 'MODIFY_DATES', check_in: d('2027-01-21'), check_out: d('2027-01-24'), alteration_request: false }),
    cmd({ property_id: loft, source: 'AIRBNB', booking_ref: 'HMLOFT3', source_version: 3 }, { kind: 'CHANGE_STATUS', status: 'CANCELLED', keeps: null, reason: null }),
    // A channel price 20% over the PMS quote: accepted, and a human looks (5.2.1).
    create({ property_id: loft, source: 'BOOKING_COM', booking_ref: 'BDC-88' }, '2027-02-01', '2027-02-04', { price: { amount_minor: 120_000, currency: 'EUR' }, pms_quote: { amount_minor: 100_000, currency: 'EUR' } }),
  ];
}
