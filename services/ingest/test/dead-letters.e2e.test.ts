import type { BookingCommand, ChannelInboundEvent, DeadLetter } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { addProperty, mapListing } from '@cm/directory';
import { stack, uniqueName } from '@cm/test-harness';
import { ingestWorld, type IngestProcess, type IngestWorld } from '@cm/test-harness/worlds/ingest-world';
import { EXIT_NOT_FOUND, runDeadLetters } from '../src/cli/dead-letters';
import { REPLAYED_FROM_HEADER } from '../src/dead-letters/dead-letter-log';

const day = (iso: string) => Date.parse(iso) / 86_400_000;

/**
 * The dead-letter tool on the real Kafka, against a real ingest: an event for a listing nobody
 * mapped is dead-lettered; once the operator maps it, a replay makes its command, and a second
 * replay of the same letter makes none (ingest's seen events, keyed by the channel's event id).
 */
describe('dead-letters: list, show and replay channel.dlq through ingest', () => {
  let world: IngestWorld;
  let ingest: IngestProcess;

  beforeAll(async () => {
    world = await ingestWorld();
    ingest = await world.startIngest();
  });
  afterAll(async () => world?.close());

  const tool = async (...args: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const env = { KAFKA_BROKERS: stack.KAFKA_BROKERS.join(','), SCHEMA_REGISTRY_URL: stack.SCHEMA_REGISTRY_URL, TOPIC_NAMESPACE: world.namespace, LOG_LEVEL: 'fatal' };
    const code = await runDeadLetters(args, { out: (l) => out.push(l), err: (l) => err.push(l) }, env);
    return { code, out, err: err.join('\n') };
  };

  const event = (listingId: string): ChannelInboundEvent => ({
    event_id: uniqueName('ci'),
    channel: 'AIRBNB',
    listing_id: listingId,
    external_event_id: uniqueName('ext'),
    event_type: 'RESERVATION_CREATED',
    external_reservation_id: uniqueName('HM'),
    source_version: 1,
    reservation_status: 'CONFIRMED',
    check_in: day('2027-05-01'),
    check_out: day('2027-05-03'),
    total_price: { amount_minor: 30_000, currency: 'EUR' },
    rate_plan: 'STD',
    guest: null,
    nights: [],
    dispute_reason: null,
    occurred_at: Date.now(),
    correlation_id: uniqueName('corr'),
    guest_count: null,
    alteration_request: false,
  });

  it('--help and bad arguments touch nothing: 0 with the usage, 64 with the reason', async () => {
    const help = await tool('--help');
    expect(help).toMatchObject({ code: 0, err: '' });
    expect(help.out.join('\n')).toContain('Usage: dead-letters');
    expect(help.out.join('\n')).toContain('TOPIC_NAMESPACE');
    expect((await tool('replay')).code).toBe(64);
    expect((await tool('replay', 'x', '--all')).code).toBe(64);
    expect((await tool('list', '--reason', 'BORED')).code).toBe(64);
    expect((await tool('frobnicate')).code).toBe(64);
  });

  it('an unmapped listing\'s event: listed, shown whole, replayed once mapped into one command; a second replay makes none', async () => {
    const tenant = world.tenants[0];
    const listingId = uniqueName('unmapped');
    const lost = event(listingId);
    await world.sendInbound([{ key: listingId, value: await world.encodeInbound(lost), headers: { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } }]);
    const [dead] = (await world.read<DeadLetter>(world.topics.channelDlq, (rs) => rs.some((r) => r.value.detail.includes(listingId)))).filter((r) => r.value.detail.includes(listingId));
    const eventId = dead!.value.event_id;

    const listed = await tool('list', '--reason', 'UNKNOWN_LISTING');
    expect(listed.code).toBe(0);
    expect(listed.out.find((l) => l.startsWith(`${eventId}\t`))).toMatch(new RegExp(`\\tUNKNOWN_LISTING\\t${world.topics.channelInbound}/\\d+/\\d+\\tdlq=\\d+/\\d+\\tno property is mapped to AIRBNB listing '${listingId}'$`));
    expect((await tool('list', '--reason', 'MALFORMED_RECORD')).out.some((l) => l.startsWith(eventId))).toBe(false);

    const shown = await tool('show', eventId);
    expect(shown.code).toBe(0);
    expect(shown.out).toEqual(expect.arrayContaining(['reason UNKNOWN_LISTING', `key ${JSON.stringify(listingId)}`, 'replayable yes', 'header traceparent "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"']));
    expect(JSON.parse(shown.out.find((l) => l.startsWith('record '))!.slice('record '.length))).toMatchObject({ listing_id: listingId, external_event_id: lost.external_event_id });

    // The operator maps the listing, then replays the letter: ingest makes its command now.
    const propertyId = uniqueName('villa');
    const connectionId = tenant.connections.AIRBNB.connectionId;
    await addProperty(world.db, { propertyId, tenantId: tenant.tenantId, timeZone: 'Europe/Lisbon', currency: 'EUR' });
    await mapListing(world.db, { channel: 'AIRBNB', listingId, propertyId, connectionId });
    expect(await tool('replay', eventId)).toMatchObject({ code: 0, out: [`replayed ${eventId}`] });
    const commandId = `AIRBNB:${connectionId}:${lost.external_event_id}`;
    await world.read<BookingCommand>(world.topics.bookingCommands, (rs) => rs.some((r) => r.value.command_id === commandId));

    // Replayed again, by id and by --all: dropped as a duplicate each time. A later event of the
    // same listing (same partitions, so read after them) marks where to stop reading.
    const duplicatesBefore = duplicates(await ingest.metrics());
    expect((await tool('replay', eventId)).code).toBe(0);
    expect((await tool('replay', '--all', '--reason', 'UNKNOWN_LISTING')).out).toContain(`replayed ${eventId}`);
    await waitFor('both replays dropped as duplicates', async () => duplicates(await ingest.metrics()) >= duplicatesBefore + 2, { timeoutMs: 30_000, intervalMs: 100 });
    const marker = event(listingId);
    await world.sendInbound([{ key: listingId, value: await world.encodeInbound(marker) }]);
    const markerId = `AIRBNB:${connectionId}:${marker.external_event_id}`;
    const commands = await world.read<BookingCommand>(world.topics.bookingCommands, (rs) => rs.some((r) => r.value.command_id === markerId));
    const made = commands.filter((r) => r.value.command_id === commandId);
    expect(made).toHaveLength(1);
    expect(made[0]!.value).toMatchObject({ property_id: propertyId });

    const replayed = (await world.read<ChannelInboundEvent>(world.topics.channelInbound, (rs) => rs.filter((r) => r.record.headers[REPLAYED_FROM_HEADER] !== undefined).length >= 3)).filter((r) => r.value.external_event_id === lost.external_event_id);
    expect(replayed.map((r) => r.record.headers[REPLAYED_FROM_HEADER]?.toString())).toEqual([undefined, ...Array(3).fill(`${world.topics.channelDlq}/${dead!.record.partition}/${dead!.record.offset}`)]);
  });

  it('a letter that is not there is refused by name, and nothing is replayed', async () => {
    const missing = await tool('replay', 'no-such-letter');
    expect(missing.code).toBe(EXIT_NOT_FOUND);
    expect(missing.err).toContain('unknown_dead_letter');
    expect((await tool('show', 'no-such-letter')).code).toBe(EXIT_NOT_FOUND);
  });
});

function duplicates(metrics: string): number {
  const match = /cm_ingest_events_total\{path="kafka",channel="AIRBNB",outcome="duplicate",service="ingest"\} (\d+)/.exec(metrics);
  return match ? Number(match[1]) : 0;
}
