import { waitFor } from '@cm/service-runtime';
import type { DemoProperty, Simulator } from './channels';

export interface CalendarReportResult {
  readonly night: string;
  readonly reopenedInMs: number;
}

/**
 * Someone closes a free night on Booking.com's extranet; later Booking.com reports its calendar
 * to us, as a platform may on its own: the reconciler compares the report with the ledger as it
 * arrives and reopens the night there, without waiting for the daily pass.
 */
export async function calendarReportCorrectsDrift(input: { simulator: Simulator; property: DemoProperty; night: string }): Promise<CalendarReportResult> {
  const { simulator, property, night } = input;
  const listing = property.listings.BOOKING_COM;
  const next = new Date(Date.parse(`${night}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  const closed = await simulator.call('POST', `/booking_com/api/listings/${encodeURIComponent(listing)}/availability`, { request_id: `extranet-report-${property.propertyId}`, updates: [{ from: night, to: next, available: false }] });
  if (closed.status !== 200) throw new Error(`closing ${night} on Booking.com's extranet: ${closed.status}`);
  const from = new Date(Date.parse(`${night}T00:00:00Z`) - 3 * 86_400_000).toISOString().slice(0, 10);
  const to = new Date(Date.parse(`${night}T00:00:00Z`) + 4 * 86_400_000).toISOString().slice(0, 10);
  const reported = Date.now();
  const sent = await simulator.call<{ webhook: { outcome: string } }>('POST', `${simulator.listing('BOOKING_COM', listing)}/calendar-report`, { from, to });
  if (sent.status !== 200 || sent.body.webhook.outcome !== 'delivered') throw new Error(`Booking.com's calendar report was not delivered: ${sent.status} ${sent.body.webhook.outcome}`);
  await waitFor('the night reopened on Booking.com', async () => (await simulator.calendar('BOOKING_COM', listing, night, next))[0]?.available === true, { timeoutMs: 30_000, intervalMs: 100 });
  return { night, reopenedInMs: Date.now() - reported };
}
