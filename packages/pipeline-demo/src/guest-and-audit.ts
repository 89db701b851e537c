import { waitFor } from '@cm/service-runtime';
import type { DemoProperty, Portfolio, Simulator } from './channels';

export interface GuestAndAuditReport {
  readonly reservationId: string;
  readonly address: string;
  readonly language: string | null;
  readonly guestCount: number | null;
  readonly auditRows: readonly { action: string; entity: string; decidedBy: string; rule: string | null }[];
}

interface StayBody {
  readonly guest: { readonly address: { line1: string; city: string | null; country: string | null } | null; readonly language: string | null } | null;
  readonly guest_count: number | null;
}

interface AuditBody {
  readonly entries: readonly { action: string; entity_type: string; entity_id: string; decided_by: string; rule: string | null }[];
}

/**
 * A guest books on Airbnb with their address and language, then changes their phone there: the
 * PMS API shows the address and language the channel gave (seed 3.3), and the tenant's audit
 * trail tells that booking's story, as a property manager reads them.
 */
export async function guestAndAudit(input: { simulator: Simulator; portfolio: Portfolio; property: DemoProperty; ingestUrl: string; checkIn: string; checkOut: string }): Promise<GuestAndAuditReport> {
  const { simulator, portfolio, property, ingestUrl } = input;
  const listing = simulator.listing('AIRBNB', property.listings.AIRBNB);
  const booked = await simulator.call<{ reservation: { id: string } }>('POST', `${listing}/bookings`, {
    check_in: input.checkIn,
    check_out: input.checkOut,
    guests: 3,
    guest: { name: 'Inês Duarte', email: 'ines.duarte@guest.example', address: { line1: 'Rua Augusta 10', city: 'Lisboa', postal_code: '1100-053', country: 'PT' }, language: 'pt-PT' },
  });
  if (booked.status !== 201) throw new Error(`the Airbnb booking with guest details was refused by the platform: ${booked.status}`);
  const reservationId = booked.body.reservation.id;
  const pms = async <T>(path: string) => {
    const answer = await fetch(`${ingestUrl}${path}`, { headers: { authorization: `Bearer ${portfolio.apiKey}` } });
    return { status: answer.status, body: (await answer.json()) as T };
  };
  const stayPath = `/v1/properties/${encodeURIComponent(property.propertyId)}/bookings/${encodeURIComponent(reservationId)}?source=AIRBNB`;
  await waitFor('the booking in the ledger', async () => (await pms<StayBody>(stayPath)).status === 200, { timeoutMs: 30_000, intervalMs: 100 });
  const guestUpdate = await simulator.call('PATCH', `${listing}/bookings/${encodeURIComponent(reservationId)}/guest`, { phone: '+351 912 345 678' });
  if (guestUpdate.status !== 200) throw new Error(`the guest's phone change was refused by the platform: ${guestUpdate.status}`);

  const auditPath = `/v1/audit?booking=${encodeURIComponent(`AIRBNB:${reservationId}`)}`;
  const audit = await waitFor('the guest update in the audit trail', async () => {
    const answer = await pms<AuditBody>(auditPath);
    return answer.status === 200 && answer.body.entries.some((e) => e.entity_type === 'guest') ? answer.body : undefined;
  }, { timeoutMs: 30_000, intervalMs: 100 });
  const stay = (await pms<StayBody>(stayPath)).body;
  const address = stay.guest?.address;
  return {
    reservationId,
    address: address ? [address.line1, address.city, address.country].filter(Boolean).join(', ') : '(none)',
    language: stay.guest?.language ?? null,
    guestCount: stay.guest_count,
    auditRows: [...audit.entries].reverse().map((e) => ({ action: e.action, entity: e.entity_type, decidedBy: e.decided_by, rule: e.rule })),
  };
}

export function printGuestAndAudit(report: GuestAndAuditReport, say: (line: string) => void): void {
  say('');
  say(`a guest's details from a channel (Airbnb ${report.reservationId}): address ${report.address}; language ${report.language ?? '(none)'}; ${report.guestCount ?? '?'} guests`);
  say(`its audit trail (GET /v1/audit?booking=AIRBNB:${report.reservationId}), oldest first:`);
  for (const row of report.auditRows) say(`  ${row.action.padEnd(20)} ${row.entity.padEnd(12)} by ${row.decidedBy}${row.rule ? ` (${row.rule})` : ''}`);
}
