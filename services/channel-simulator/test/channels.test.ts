import { channelStatus, channelWebhookPayload } from '@cm/channel-webhooks';
import { ChannelSymbols } from '@cm/schemas';
import { requireOk } from '../src/client';
import { STATUS_WORDS } from '../src/status-words';
import { registerListing, useTestSimulator } from './support/simulator';
import { WebhookReceiver } from '@cm/test-harness';

describe('several channels in one process', () => {
  const ingest = new WebhookReceiver();
  const t = useTestSimulator(ingest);

  it.each(ChannelSymbols.map((channel) => [channel]))('%s: its status words are in its STATUS_VOCABULARY with the meaning intended', (channel) => {
    const words = STATUS_WORDS[channel];
    expect([channelStatus(channel, words.created), channelStatus(channel, words.modified), channelStatus(channel, words.cancelled)]).toEqual(['CONFIRMED', 'CONFIRMED', 'CANCELLED']);
  });

  it.each([
    ['AIRBNB', '/webhooks/airbnb', /^HM[A-Z0-9]{8}$/, 'accepted'],
    ['BOOKING_COM', '/webhooks/booking_com', /^[1-9]\d{9}$/, 'new'],
    ['VRBO', '/webhooks/vrbo', /^HA-[A-Z0-9]{7}$/, 'booked'],
    ['EXPEDIA', '/webhooks/expedia', /^[1-9]\d{8}$/, 'booked'],
  ] as const)('%s: a booking is announced at %s with its own id shape and status word', async (channel, path, idShape, word) => {
    await registerListing(t.client, channel, 'L1');
    requireOk(await t.client.createBooking(channel, 'L1', { check_in: '2026-07-10', check_out: '2026-07-11' }));
    const payload = channelWebhookPayload.parse(ingest.received[0]!.json);
    expect(ingest.received[0]!.path).toBe(path);
    expect(payload.reservation?.id).toMatch(idShape);
    expect(payload.reservation?.status).toBe(word);
  });

  it('the same listing id on two channels keeps two calendars, two fault plans and two sets of counters', async () => {
    await registerListing(t.client, 'airbnb', 'shared');
    requireOk(await t.client.registerListing('expedia', 'shared', { connection_id: 'exp', secret: 's', currency: 'USD' }));

    requireOk(await t.client.pushAvailability('airbnb', 'shared', { request_id: 'same-id', updates: [{ from: '2026-07-01', to: '2026-07-03', available: false }] }));
    // The same request_id on another channel is another platform's: applied, not a duplicate.
    const expediaAck = requireOk(await t.client.pushRates('expedia', 'shared', { request_id: 'same-id', updates: [{ from: '2026-07-01', to: '2026-07-02', price: { amount_minor: 5_000, currency: 'USD' } }] }));
    expect(expediaAck.nights_changed).toBe(1);
    requireOk(await t.client.createBooking('expedia', 'shared', { check_in: '2026-07-05', check_out: '2026-07-06' }));

    const airbnb = requireOk(await t.client.trueCalendar('airbnb', 'shared', '2026-07-01', '2026-07-06')).nights;
    const expedia = requireOk(await t.client.trueCalendar('expedia', 'shared', '2026-07-01', '2026-07-06')).nights;
    expect(airbnb.map((n) => n.available)).toEqual([false, false, true, true, true]);
    expect(expedia.map((n) => n.available)).toEqual([true, true, true, true, false]);
    expect(airbnb[0]!.price).toBeNull();
    expect(expedia[0]!.price).toEqual({ amount_minor: 5_000, currency: 'USD' });

    requireOk(await t.client.setFaults('airbnb', { outage: { for_seconds: 60 } }));
    expect((await t.client.readCalendar('airbnb', 'shared', '2026-07-01', '2026-07-02')).status).toBe(503);
    expect((await t.client.readCalendar('expedia', 'shared', '2026-07-01', '2026-07-02')).status).toBe(200);

    const [airbnbStats, expediaStats, vrboStats] = await Promise.all([t.client.stats('airbnb'), t.client.stats('expedia'), t.client.stats('vrbo')]);
    expect(requireOk(airbnbStats).calls).toMatchObject({ availability: { ok: 1 }, rates: { ok: 0 }, calendar: { failed: 1, ok: 0 } });
    expect(requireOk(expediaStats).calls).toMatchObject({ availability: { ok: 0 }, rates: { ok: 1 }, calendar: { ok: 1, failed: 0 } });
    expect(requireOk(expediaStats).webhooks.delivered).toBe(1);
    expect(requireOk(vrboStats).calls.availability.ok).toBe(0);
  });

  it('the client takes a channel as the schemas spell it or as the routes do', async () => {
    await registerListing(t.client, 'BOOKING_COM', 'L1');
    expect(requireOk(await t.client.getListing('booking_com', 'L1')).channel).toBe('booking_com');
  });
});
