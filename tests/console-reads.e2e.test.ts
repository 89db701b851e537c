import { requireOk } from '@cm/channel-simulator';
import { mergeMultiCalendar, type LedgerNight, type ListingLastPass, type ListingPushes, type LocalDate, type MultiCalendar } from '@cm/domain';
import type { Channel } from '@cm/schemas';
import { waitFor } from '@cm/service-runtime';
import { freePort } from '@cm/test-harness';
import { startPipeline, syncResults, type Pipeline } from '@cm/test-harness/worlds/dispatch-pipeline';
import type { TestTenant } from '@cm/test-harness/worlds/ingest-world';

interface Answer {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/**
 * The operator console's reads (issue 23.3 to 23.5, docs/console-reads.md) on the real stack:
 * a booking made on a simulated Airbnb is read back from the ledger (ingest), the channel side
 * (sync-dispatcher) and the reconciler, and merged into the multi-calendar; drift a channel
 * refuses to have corrected shows night by night; each read is the tenant's only, and bad input
 * is a 400 with a reason.
 */
describe('console reads: multi-calendar, a booking\'s history, channel health', () => {
  let pipeline: Pipeline;
  let a: TestTenant;
  let b: TestTenant;
  const urls = { ingest: '', sync: '', reconciler: '' };
  let stayKey = '';

  beforeAll(async () => {
    const consolePort = await freePort();
    pipeline = await startPipeline({ CONSOLE_API_PORT: String(consolePort), CHANNEL_CALLS_PER_MINUTE: '100000', RETRY_MAX_ATTEMPTS: '2', RETRY_MAX_MS: '200', AFTER_FAILURE_MS: '60000', BREAKER_FAILURES: '2', BREAKER_COOL_DOWN_MS: '60000' });
    [a, b] = pipeline.world.tenants;
    const reconcilerPort = await freePort();
    await pipeline.world.startReconciler({ HTTP_PORT: String(reconcilerPort), CHANNEL_API_BASE_URL: `${pipeline.simulator.url}/{channel}/api`, RECONCILE_EVERY_MINUTES: '0', CHANNEL_READS_PER_MINUTE: '100000', API_RATE_PER_SECOND: '1000' });
    urls.ingest = pipeline.ingest.url;
    urls.sync = `http://127.0.0.1:${consolePort}`;
    urls.reconciler = `http://127.0.0.1:${reconcilerPort}`;
  });
  afterAll(async () => pipeline?.close());

  async function get(service: keyof typeof urls, path: string, key: string | null = a.apiKey): Promise<Answer> {
    const response = await fetch(`${urls[service]}${path}`, { headers: key === null ? {} : { authorization: `Bearer ${key}` } });
    return { status: response.status, contentType: response.headers.get('content-type'), body: await response.json() };
  }
  const ok = async (service: keyof typeof urls, path: string) => {
    const answer = await get(service, path);
    if (answer.status !== 200) throw new Error(`GET ${service} ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
    return answer.body;
  };
  const property = () => encodeURIComponent(a.propertyId);
  const listingOf = (channel: Channel) => a.connections[channel].listingId;

  /** The three reads of a calendar, merged as the console does. */
  async function calendar(from: string, to: string): Promise<MultiCalendar> {
    const [ledger, channels, drift] = await Promise.all([
      ok('ingest', `/v1/properties/${property()}/ledger-nights?from=${from}&to=${to}`),
      ok('sync', `/v1/properties/${property()}/channel-nights?from=${from}&to=${to}`),
      ok('reconciler', `/v1/properties/${property()}/drift?from=${from}&to=${to}`),
    ]);
    return mergeMultiCalendar({
      from: from as LocalDate,
      to: to as LocalDate,
      ledger: ledger.nights.map((n: any): LedgerNight => ({ date: n.date, holder: n.holder && { stayKey: n.holder.stay_key, kind: n.holder.kind, source: n.holder.source, reference: n.holder.reference, status: n.holder.status, guestName: n.holder.guest_name } })),
      listings: channels.listings.map((l: any): ListingPushes => ({ channel: l.channel, listingId: l.listing_id, nights: l.nights.map((n: any) => ({ date: n.date, available: n.available, pushState: n.push_state })) })),
      lastPasses: drift.listings.map((l: any): ListingLastPass => ({ channel: l.channel, listingId: l.listing_id, passId: l.pass_id, checkedAtMs: Date.parse(l.checked_at), outcome: l.outcome, drift: l.drift.map((d: any) => ({ checkIn: d.check_in, checkOut: d.check_out, kind: d.kind })) })),
    });
  }
  const rowOf = (cal: MultiCalendar, channel: Channel) => cal.channels.find((r) => r.channel === channel)!;
  const agreements = (cal: MultiCalendar, channel: Channel) => Object.fromEntries(rowOf(cal, channel).cells.map((c) => [c.date, c.agreement]));

  it('a booking on Airbnb: the ledger row names its guest, every other channel agrees once pushed, and a cell leads to the booking and to its pushes', async () => {
    const { client } = pipeline;
    requireOk(await client.createBooking('AIRBNB', listingOf('AIRBNB'), { check_in: '2026-12-10', check_out: '2026-12-13', guest: { name: 'Ines Duarte' } }));
    await syncResults(pipeline, (rs) => ['BOOKING_COM', 'VRBO', 'EXPEDIA'].every((c) => rs.some((r) => r.channel === c && r.outcome === 'ACKNOWLEDGED')));

    const cal = await waitFor('every channel to agree on the booked nights', async () => {
      const c = await calendar('2026-12-09', '2026-12-14');
      return (['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'] as const).every((ch) => ['2026-12-10', '2026-12-11', '2026-12-12'].every((d) => agreements(c, ch)[d] === 'in_sync')) ? c : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(cal.ledger.map((n) => n.holder?.guestName ?? null)).toEqual([null, 'Ines Duarte', 'Ines Duarte', 'Ines Duarte', null]);
    expect(cal.ledger[1]!.holder).toMatchObject({ kind: 'booking', source: 'AIRBNB', status: 'CONFIRMED' });
    expect(cal.channels.map((r) => r.channel)).toEqual(['AIRBNB', 'BOOKING_COM', 'EXPEDIA', 'VRBO']);
    // Nights nothing ever changed: no push to vouch for them, and no pass has looked yet.
    expect(agreements(cal, 'VRBO')['2026-12-09']).toBe('unknown');
    stayKey = cal.ledger[1]!.holder!.stayKey;

    // A cell of the Vrbo row: the call that closed the night there.
    const pushes = await ok('sync', `/v1/properties/${property()}/listings/VRBO/${encodeURIComponent(listingOf('VRBO'))}/nights/2026-12-11/pushes`);
    expect(pushes.pushes.length).toBeGreaterThanOrEqual(1);
    expect(pushes.pushes[0]).toMatchObject({ channel: 'VRBO', outcome: 'ok', ranges: expect.arrayContaining([{ from: '2026-12-10', to: '2026-12-13', available: false }]) });

    // A cell of the ledger row: the booking's history, then what was done for it on the channels.
    const history = await ok('ingest', `/v1/properties/${property()}/stays/${encodeURIComponent(stayKey)}/history`);
    expect(history.stay).toMatchObject({ stay_key: stayKey, status: 'CONFIRMED', check_in: '2026-12-10', check_out: '2026-12-13' });
    expect(history.audit.length).toBeGreaterThanOrEqual(1);
    expect(history.audit[0]).toMatchObject({ entity_id: stayKey, decided_by: 'system', source: 'AIRBNB' });
    expect(history.decisions).toEqual(expect.arrayContaining([expect.objectContaining({ outcome: 'applied', command_id: history.audit[0].command_id })]));
    expect(history.revisions).toEqual(expect.arrayContaining([expect.objectContaining({ stay_key: stayKey, event_type: 'BOOKING_ACCEPTED' })]));
    expect(history.correlation_ids.length).toBeGreaterThanOrEqual(1);

    const activity = await waitFor('the reservation to be acknowledged on Airbnb', async () => {
      const body = await ok('sync', `/v1/properties/${property()}/stays/${encodeURIComponent(stayKey)}/channel-activity?correlation_ids=${history.correlation_ids.map(encodeURIComponent).join(',')}`);
      return body.reservation_actions.some((r: any) => r.status === 'done') ? body : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(activity.reservation_actions[0]).toMatchObject({ channel: 'AIRBNB', action: 'ACKNOWLEDGE', status: 'done' });
    expect(new Set(activity.pushes.filter((p: any) => p.outcome === 'ok').map((p: any) => p.channel))).toEqual(new Set(['BOOKING_COM', 'VRBO', 'EXPEDIA']));
  });

  it("a PMS block: the ledger row shows a block with no guest, every channel is pushed it, and its history holds the PMS's command and decision", async () => {
    const blocked = await pipeline.world.pms(pipeline.ingest, 'POST', `/v1/properties/${property()}/blocks`, { reference: 'owner-week', check_in: '2026-12-28', check_out: '2026-12-30', reason: 'owner stay' });
    expect(blocked.status).toBe(201);
    const cal = await waitFor('every channel to agree on the blocked nights', async () => {
      const c = await calendar('2026-12-27', '2026-12-31');
      return (['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA'] as const).every((ch) => agreements(c, ch)['2026-12-28'] === 'in_sync' && agreements(c, ch)['2026-12-29'] === 'in_sync') ? c : undefined;
    }, { timeoutMs: 30_000, intervalMs: 250 });
    expect(cal.ledger[1]!.holder).toEqual({ stayKey: 'PMS:owner-week', kind: 'block', source: 'PMS', reference: 'owner-week', status: null, guestName: null });
    expect(agreements(cal, 'AIRBNB')).toEqual({ '2026-12-27': 'unknown', '2026-12-28': 'in_sync', '2026-12-29': 'in_sync', '2026-12-30': 'unknown' });

    const history = await ok('ingest', `/v1/properties/${property()}/stays/${encodeURIComponent('PMS:owner-week')}/history`);
    expect(history.stay).toMatchObject({ kind: 'block', active: true });
    expect(history.audit[0]).toMatchObject({ entity_type: 'availability', source: 'PMS' });
    expect(history.decisions[0]).toMatchObject({ outcome: 'applied' });
    const activity = await ok('sync', `/v1/properties/${property()}/stays/${encodeURIComponent('PMS:owner-week')}/channel-activity?correlation_ids=${history.correlation_ids.map(encodeURIComponent).join(',')}`);
    expect(activity.reservation_actions).toEqual([]);
    expect(new Set(activity.pushes.filter((p: any) => p.outcome === 'ok').map((p: any) => p.channel))).toEqual(new Set(['AIRBNB', 'BOOKING_COM', 'VRBO', 'EXPEDIA']));
  });

  it('drift Expedia refuses to have corrected shows on its nights, failed, with the pass that found it; health counts the failures, the breaker and the drift', async () => {
    const { client } = pipeline;
    // Someone closes two free nights on Expedia's extranet, and Expedia then refuses every push.
    requireOk(await client.pushAvailability('EXPEDIA', listingOf('EXPEDIA'), { request_id: 'extranet-console', updates: [{ from: '2026-12-20', to: '2026-12-22', available: false }] }));
    requireOk(await client.setFaults('EXPEDIA', { server_errors: { rate: 1, status: 503, endpoints: ['availability', 'rates'] } }));
    const started = await fetch(`${urls.reconciler}/v1/reconciliations`, { method: 'POST', headers: { authorization: `Bearer ${a.apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ property_id: a.propertyId }) });
    expect(started.status).toBe(202);
    const { pass_id: passId } = (await started.json()) as { pass_id: string };
    await waitFor('the correction to fail', async () => (await ok('reconciler', `/v1/reconciliations/${passId}`)).failed === 1, { timeoutMs: 60_000, intervalMs: 250 });

    const drift = await ok('reconciler', `/v1/properties/${property()}/drift?from=2026-12-18&to=2026-12-24`);
    expect(drift.listings.find((l: any) => l.channel === 'EXPEDIA')).toMatchObject({ pass_id: passId, outcome: 'failed', drift_nights: 2, drift: [{ check_in: '2026-12-20', check_out: '2026-12-22', kind: 'closed_while_free' }] });
    expect(drift.listings.find((l: any) => l.channel === 'VRBO')).toMatchObject({ pass_id: passId, outcome: 'in_sync', drift: [] });

    const cal = await calendar('2026-12-18', '2026-12-24');
    expect(agreements(cal, 'EXPEDIA')).toMatchObject({ '2026-12-19': 'unknown', '2026-12-20': 'failed', '2026-12-21': 'failed', '2026-12-22': 'unknown' });
    expect(rowOf(cal, 'EXPEDIA').cells.find((c) => c.date === '2026-12-20')).toMatchObject({ shouldBeAvailable: true, drift: { passId, kind: 'closed_while_free' } });
    expect(rowOf(cal, 'EXPEDIA').lastPass).toMatchObject({ passId, outcome: 'failed' });
    expect(Object.values(agreements(cal, 'VRBO')).every((v) => v === 'unknown')).toBe(true);

    const health = await ok('sync', `/v1/channel-health?property_id=${property()}`);
    const expedia = health.channels.find((c: any) => c.channel === 'EXPEDIA');
    expect(expedia).toMatchObject({ property_id: a.propertyId, listings: 1, last_successful_push_at: expect.any(String), last_error: expect.stringContaining('503'), pending_nights: 2 });
    expect(expedia.failures_24h).toBeGreaterThanOrEqual(2);
    expect(expedia.circuit).toEqual([expect.objectContaining({ state: 'open' })]);
    expect(health.channels.find((c: any) => c.channel === 'VRBO')).toMatchObject({ failures_24h: 0, pending_nights: 0, circuit: [] });

    const reconciliation = await ok('reconciler', `/v1/reconciliation-health?property_id=${property()}`);
    expect(reconciliation.channels.find((c: any) => c.channel === 'EXPEDIA')).toMatchObject({ checks: 1, drift_found: 1, drift_nights: 2, corrected: 0, correction_failed: 1 });
    expect(reconciliation.channels.find((c: any) => c.channel === 'VRBO')).toMatchObject({ checks: 1, drift_found: 0 });
    // A tenant's health lists only its own properties.
    expect((await ok('reconciler', '/v1/reconciliation-health')).channels.every((c: any) => c.property_id === a.propertyId)).toBe(true);
    expect((await ok('sync', '/v1/channel-health')).channels.every((c: any) => c.property_id === a.propertyId)).toBe(true);
  });

  it("another tenant's property, stay or listing is a 404, as a missing one is; no key is a 401", async () => {
    const reads: [keyof typeof urls, string][] = [
      ['ingest', `/v1/properties/${property()}/ledger-nights?from=2026-12-09&to=2026-12-14`],
      ['ingest', `/v1/properties/${property()}/stays/${encodeURIComponent(stayKey)}/history`],
      ['sync', `/v1/properties/${property()}/channel-nights?from=2026-12-09&to=2026-12-14`],
      ['sync', `/v1/properties/${property()}/listings/VRBO/${encodeURIComponent(listingOf('VRBO'))}/nights/2026-12-11/pushes`],
      ['sync', `/v1/properties/${property()}/stays/${encodeURIComponent(stayKey)}/channel-activity`],
      ['sync', `/v1/channel-health?property_id=${property()}`],
      ['reconciler', `/v1/properties/${property()}/drift?from=2026-12-09&to=2026-12-14`],
      ['reconciler', `/v1/reconciliation-health?property_id=${property()}`],
    ];
    for (const [service, path] of reads) {
      const other = await get(service, path, b.apiKey);
      expect([service, path, other.status]).toEqual([service, path, 404]);
      expect(other.contentType).toContain('application/problem+json');
      const missing = await get(service, path.replace(property(), 'no-such-property'));
      expect([service, path, missing.status, missing.body.code]).toEqual([service, path, 404, other.body.code]);
      expect((await get(service, path, null)).status).toBe(401);
    }
    // Tenant b's own listing read through tenant a's property.
    expect((await get('sync', `/v1/properties/${property()}/listings/VRBO/${encodeURIComponent(b.connections.VRBO.listingId)}/nights/2026-12-11/pushes`)).body).toMatchObject({ status: 404, code: 'listing_not_found' });
    expect((await get('ingest', `/v1/properties/${property()}/stays/AIRBNB:never-booked/history`)).body).toMatchObject({ status: 404, code: 'stay_not_found' });

    // An audit row of this stay written while the property was another tenant's (it moved since)
    // is not this tenant's to read; its own rows are.
    const [own] = (await get('ingest', `/v1/properties/${property()}/stays/${encodeURIComponent(stayKey)}/history`)).body.audit;
    await pipeline.world.db('audit_log').insert({ ...(await pipeline.world.db('audit_log').where({ id: own.id }).first()), id: undefined, tenant_id: b.tenantId, resolved_by: 'previous-owner-operator' });
    const history = (await get('ingest', `/v1/properties/${property()}/stays/${encodeURIComponent(stayKey)}/history`)).body;
    expect(history.audit.map((e: any) => e.resolved_by ?? e.decided_by)).not.toContain('previous-owner-operator');
    expect(JSON.stringify(history)).not.toContain('previous-owner-operator');
    expect(history.audit_truncated).toBe(false);
    // A parameter given twice is a 400, not a crash of the read.
    expect((await get('sync', `/v1/properties/${property()}/stays/${encodeURIComponent(stayKey)}/channel-activity?correlation_ids=a&correlation_ids=b`)).body).toMatchObject({ status: 400, code: 'invalid_id' });
  });

  it('bad ranges, dates, ids and ill-formed Unicode are 400s with a reason', async () => {
    const ranges = ['from=2026-12-01&to=2027-02-02', 'from=2026-12-10&to=2026-12-10', 'from=2026-12-10&to=2026-12-01', 'from=2026-02-30&to=2026-03-02', 'from=tomorrow&to=2026-12-10', 'to=2026-12-10'];
    for (const query of ranges) {
      for (const [service, path] of [['ingest', 'ledger-nights'], ['sync', 'channel-nights'], ['reconciler', 'drift']] as const) {
        const answer = await get(service, `/v1/properties/${property()}/${path}?${query}`);
        expect([service, query, answer.status]).toEqual([service, query, 400]);
        expect(answer.contentType).toContain('application/problem+json');
        expect(answer.body.detail.length).toBeGreaterThan(0);
      }
    }
    expect((await get('sync', `/v1/properties/${property()}/channel-nights?from=2026-12-01&to=2027-02-02`)).body).toMatchObject({ code: 'invalid_range', detail: 'at most 62 nights at once; [from, to) has 63' });
    expect((await get('reconciler', `/v1/properties/${property()}/drift?from=2026-12-01&to=2026-12-03&extra=1`)).body).toMatchObject({ status: 400, code: 'unknown_parameter' });
    expect((await get('sync', `/v1/channel-health?property=${property()}`)).body).toMatchObject({ status: 400, code: 'unknown_parameter' });
    expect((await get('reconciler', `/v1/reconciliation-health?days=365`)).body).toMatchObject({ status: 400, code: 'invalid_days' });
    expect((await get('sync', `/v1/properties/${property()}/listings/VRBO/${encodeURIComponent(listingOf('VRBO'))}/nights/2026-13-01/pushes`)).body).toMatchObject({ status: 400, code: 'invalid_night' });
    expect((await get('sync', `/v1/properties/${property()}/listings/TRIVAGO/x/nights/2026-12-01/pushes`)).body).toMatchObject({ status: 400, code: 'invalid_channel' });
    expect((await get('sync', `/v1/properties/${property()}/stays/no-source/channel-activity`)).body).toMatchObject({ status: 400, code: 'invalid_stay_key' });
    expect((await get('ingest', `/v1/properties/${property()}/stays/no-source/history`)).status).toBe(400);
    expect((await get('ingest', `/v1/properties/${property()}/stays/${encodeURIComponent(stayKey)}/history?limit=5`)).body).toMatchObject({ status: 400, code: 'invalid_request' });
    expect((await get('ingest', `/v1/properties/${property()}/ledger-nights?from=2026-12-01&to=2026-12-03&extra=1`)).body).toMatchObject({ status: 400, code: 'invalid_request' });

    // An escaped lone surrogate, bytes that are not UTF-8, and a control character, in a path and in a query.
    for (const bad of ['%ED%A0%80', '%FF', '%00']) {
      for (const [service, path] of [
        ['ingest', `/v1/properties/${property()}/stays/AIRBNB:${bad}/history`],
        ['sync', `/v1/properties/${property()}/stays/AIRBNB:${bad}/channel-activity`],
        ['sync', `/v1/channel-health?property_id=x${bad}`],
        ['reconciler', `/v1/reconciliation-health?property_id=x${bad}`],
        ['reconciler', `/v1/properties/x${bad}/drift?from=2026-12-01&to=2026-12-03`],
      ] as const) {
        const answer = await get(service, path);
        expect([service, path, answer.status, answer.contentType]).toEqual([service, path, 400, expect.stringContaining('application/problem+json')]);
      }
    }
  });
});
