import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { LocalDate } from '@cm/domain';
import { freePort } from '@cm/test-harness';
import { Eta } from 'eta';
import { bookingView, type StayHistoryBody } from '../src/console/booking-view';
import { agreementDisplay, calendarRequestOf, calendarView, type ChannelNightsBody, type DriftBody, type LedgerNightsBody } from '../src/console/calendar-view';
import { healthView, type ChannelHealthBody, type ReconciliationHealthBody } from '../src/console/health-view';
import { ConsoleSources, type SourceAnswer } from '../src/console/sources';
import { whenText } from '../src/console/time-text';

const VIEWS = join(__dirname, '..', 'console', 'views');
const eta = new Eta({ autoEscape: true, views: VIEWS });
const TODAY = '2027-01-10' as LocalDate;
const REQUEST = { propertyId: 'villa/1', from: '2027-02-01' as LocalDate, to: '2027-02-04' as LocalDate };
const ok = <T>(body: T): SourceAnswer<T> => ({ kind: 'ok', body });

const ledger: LedgerNightsBody = {
  nights: [
    { date: '2027-02-01', holder: null },
    { date: '2027-02-02', holder: { stay_key: 'AIRBNB:HM1', kind: 'booking', source: 'AIRBNB', reference: 'HM1', status: 'CONFIRMED', guest_name: '<script>alert(1)</script>' } },
    { date: '2027-02-03', holder: { stay_key: 'AIRBNB:HM1', kind: 'booking', source: 'AIRBNB', reference: 'HM1', status: 'CONFIRMED', guest_name: '<script>alert(1)</script>' } },
  ],
};
const channels: ChannelNightsBody = {
  listings: [
    { channel: 'VRBO', listing_id: 'v 1', nights: [{ date: '2027-02-02', available: false, push_state: 'in_sync' }, { date: '2027-02-03', available: false, push_state: 'failed' }] },
    { channel: 'AIRBNB', listing_id: 'a1', nights: [] },
    { channel: 'EXPEDIA', listing_id: 'e1', nights: [{ date: '2027-02-02', available: true, push_state: 'pending_push' }] },
  ],
};
const drift: DriftBody = {
  listings: [{ channel: 'AIRBNB', listing_id: 'a1', pass_id: 'p1', checked_at: '2027-01-10T08:00:00.000Z', outcome: 'pending', drift: [{ check_in: '2027-02-01', check_out: '2027-02-02', kind: 'closed_while_free' }] }],
};

describe('the calendar form', () => {
  test('left out, it shows the first property from today for thirty nights', () => {
    expect(calendarRequestOf({}, ['villa', 'loft'], TODAY)).toEqual({ request: { propertyId: 'villa', from: '2027-01-10', to: '2027-02-09' } });
    expect(calendarRequestOf({ from: '2027-03-01' }, ['villa'], TODAY)).toEqual({ request: { propertyId: 'villa', from: '2027-03-01', to: '2027-03-31' } });
  });
  test('more than 62 nights, a day that does not exist, or to before from: refused with the reason, the form kept', () => {
    expect(calendarRequestOf({ property_id: 'villa', from: '2027-01-01', to: '2027-03-05' }, ['villa'], TODAY)).toEqual({ problem: 'at most 62 nights at once; [from, to) has 63', form: { propertyId: 'villa', from: '2027-01-01', to: '2027-03-05' } });
    expect(calendarRequestOf({ from: '2027-02-30', to: '2027-03-02' }, ['villa'], TODAY)).toMatchObject({ problem: 'from or to is no such calendar day' });
    expect(calendarRequestOf({ from: '2027-02-03', to: '2027-02-01' }, ['villa'], TODAY)).toMatchObject({ problem: 'to must be after from: the nights are [from, to)' });
    expect(calendarRequestOf({ from: 'soon' }, ['villa'], TODAY)).toMatchObject({ problem: 'from and to are YYYY-MM-DD dates', form: { from: 'soon', to: 'soon' } });
  });
});

describe('the multi-calendar page', () => {
  test('every agreement has a symbol and words of its own: nothing is said by colour alone', () => {
    const shown = (['in_sync', 'pending_push', 'failed', 'drift_found', 'unknown'] as const).map(agreementDisplay);
    expect(new Set(shown.map((s) => s.symbol)).size).toBe(5);
    expect(shown.map((s) => s.words)).toEqual(['in sync', 'pending push', 'push failed', 'drift found', 'free, nothing pushed yet']);
  });

  test('the ledger row and a row per listing (by channel), each cell saying whether the channel agrees and leading to the booking or the pushes', () => {
    const view = calendarView(REQUEST, ok(ledger), ok(channels), ok(drift));
    expect(view.panels).toEqual([]);
    expect(view.dates.map((d) => `${d.weekday} ${d.day}`)).toEqual(['Mo 01', 'Tu 02', 'We 03']);
    expect(view.ledger!.map((c) => [c.text, c.href])).toEqual([
      ['', null],
      ['AIR', '/bookings/villa%2F1/AIRBNB%3AHM1'],
      ['AIR', '/bookings/villa%2F1/AIRBNB%3AHM1'],
    ]);
    expect(view.ledger![1]!.label).toBe('2027-02-02: held by AIRBNB:HM1, <script>alert(1)</script>, confirmed. Open the booking.');
    expect(view.channels!.map((r) => [r.channel, r.cells.map((c) => c.agreement)])).toEqual([
      ['AIRBNB', ['drift_found', 'in_sync', 'in_sync']],
      ['EXPEDIA', ['unknown', 'pending_push', 'pending_push']],
      ['VRBO', ['unknown', 'in_sync', 'failed']],
    ]);
    const airbnb = view.channels![0]!;
    expect(airbnb.lastPass).toBe('last checked 2027-01-10 08:00 UTC (pending)');
    expect(airbnb.cells[0]).toEqual({ date: '2027-02-01', agreement: 'drift_found', symbol: '≠', label: 'AIRBNB 2027-02-01: drift found (should be open; closed while free). Open its push history.', href: '/pushes/villa%2F1/AIRBNB/a1/2027-02-01' });
    expect(view.channels![2]!.cells[2]!.href).toBe('/pushes/villa%2F1/VRBO/v%201/2027-02-03');
  });

  test('the reconciler failing: its panel says why, the rows show the pushes, and no cell claims drift', () => {
    const view = calendarView(REQUEST, ok(ledger), ok(channels), { kind: 'failed', source: 'reconciler', reason: 'no answer within 5000 ms' });
    expect(view.panels).toEqual([{ kind: 'failed', what: 'drift found by the reconciler', text: 'The reconciler could not be read: no answer within 5000 ms' }]);
    expect(view.notes).toEqual(['Without the reconciler, no cell can say "drift found": the channel rows show the pushes only.']);
    expect(view.channels!.flatMap((r) => r.cells.map((c) => c.agreement))).not.toContain('drift_found');
  });

  test('the dispatcher not configured: said so, and no channel row is made up; the ledger failing: no agreement is shown', () => {
    const unconfigured = calendarView(REQUEST, ok(ledger), { kind: 'unconfigured', source: 'dispatcher' }, ok(drift));
    expect(unconfigured.panels).toEqual([{ kind: 'unconfigured', what: 'the channel rows', text: 'This console is not configured to read the channel side (sync-dispatcher), so the channel rows cannot be shown here.' }]);
    expect(unconfigured.channels).toBeNull();
    expect(unconfigured.ledger).toHaveLength(3);
    const noLedger = calendarView(REQUEST, { kind: 'failed', source: 'ingest', reason: 'it answered 503: the ledger is not ready' }, ok(channels), ok(drift));
    expect(noLedger.ledger).toBeNull();
    expect(noLedger.channels).toBeNull();
    expect(noLedger.panels[0]!.text).toBe('The ledger (ingest) could not be read: it answered 503: the ledger is not ready');
  });

  test('rendered: labelled form fields, each cell a link with its words for a screen reader, guest names escaped', () => {
    const html = eta.render('calendar.eta', { properties: ['villa/1'], form: REQUEST, problem: null, view: calendarView(REQUEST, ok(ledger), ok(channels), { kind: 'unconfigured', source: 'reconciler' }) });
    for (const id of ['c-property', 'c-from', 'c-to']) expect(html).toContain(`<label for="${id}">`);
    expect(html).toContain('<a class="cal-cell agree-failed" href="/pushes/villa%2F1/VRBO/v%201/2027-02-03" aria-label="VRBO 2027-02-03: push failed (should be closed). Open its push history."');
    expect(html).toContain('aria-label="2027-02-02: held by AIRBNB:HM1, &lt;script&gt;alert(1)&lt;/script&gt;, confirmed. Open the booking."');
    expect(html).not.toContain('<script>');
    expect(html).toContain('This console is not configured to read the reconciler, so drift found by the reconciler cannot be shown here.');
  });

  test('a refused range: the form again, with the reason, and no calendar', () => {
    const html = eta.render('calendar.eta', { properties: ['villa'], form: { propertyId: 'villa', from: '2027-01-01', to: '2027-06-01' }, problem: 'at most 62 nights at once; [from, to) has 151', view: null });
    expect(html).toContain('role="alert"><p>at most 62 nights at once; [from, to) has 151</p>');
    expect(html).toContain('value="2027-06-01"');
    expect(html).not.toContain('data-testid="calendar"');
  });
});

describe("a booking's page", () => {
  const history: StayHistoryBody = {
    stay: { stay_key: 'AIRBNB:HM1', kind: 'booking', source: 'AIRBNB', reference: 'HM1', status: 'CONFIRMED', active: true, check_in: '2027-02-02', check_out: '2027-02-04', guest: { name: 'Ines' }, guest_count: 2 },
    revisions: [],
    decisions: [{ command_id: 'c1', outcome: 'applied', reason: null, version: 3, event_type: 'booking_reinstated', decided_by: 'arbiter-1', decided_at: '2027-01-10T08:00:00.000Z' }],
    audit: [
      { id: '1', at: '2027-01-10T07:00:00.000Z', entity_type: 'booking', entity_id: 'AIRBNB:HM1', action: 'conflict_resolved', rule: '5.1 double booking', conflict_type: 'OVERBOOKING', resolution: 'REJECTED_INCOMING', decided_by: 'system', operator: null, source: 'AIRBNB', command_id: 'c0', version: 2, details: null },
      { id: '2', at: '2027-01-10T08:00:00.000Z', entity_type: 'booking', entity_id: 'AIRBNB:HM1', action: 'booking_status_changed', rule: null, conflict_type: null, resolution: null, decided_by: 'Maria', operator: 'Maria', source: 'PMS', command_id: 'c1', version: 3, details: { outcome: 'applied' } },
    ],
    conflicts: [],
    correlation_ids: ['k1'],
  };

  test('who did what and why: the operator where one acted, the rule and the resolution', () => {
    const view = bookingView(ok(history), ok({ reservation_actions: [], pushes: [] }));
    expect(view.panels).toEqual([]);
    expect(view.history!.audit.map((a) => [a.who, a.why])).toEqual([
      ['system', 'rule 5.1 double booking; OVERBOOKING resolved as REJECTED_INCOMING'],
      ['Maria', 'applied'],
    ]);
    const html = eta.render('booking.eta', { when: whenText, view, propertyId: 'villa', stayKey: 'AIRBNB:HM1', calendarHref: '/calendar?property_id=villa&from=2027-02-02' });
    expect(html).toContain('<td>2027-01-10 08:00:00 UTC</td><td>booking_status_changed<br><small>booking</small></td><td>Maria</td><td>applied</td>');
    expect(html).toContain('No push was made for it.');
  });

  test('the ledger failing: its panel, and one for the channel activity, which is found by the flows only the ledger names', () => {
    const view = bookingView({ kind: 'failed', source: 'ingest', reason: 'the connection was refused: the service is not listening' }, null);
    expect(view.history).toBeNull();
    expect(view.panels.map((p) => p.what)).toEqual(["the booking's revisions, decisions, conflicts and audit trail", 'the channel activity']);
  });
});

describe('the channel health page', () => {
  const pushes: ChannelHealthBody = {
    at: '2027-01-10T12:00:00.000Z',
    channels: [
      { channel: 'VRBO', property_id: 'villa', listings: 1, last_successful_push_at: '2027-01-10T11:00:00.000Z', last_failed_push_at: '2027-01-10T11:30:00.000Z', last_error: '503', calls_24h: 10, failures_24h: 2, channel_rate_limited_24h: 1, pending_nights: 3, oldest_pending_change_at: null, rate_limit_waits: 4, circuit_waits: 1, last_wait_at: null, circuit: [{ instance: 'a', state: 'closed', since: 't1' }, { instance: 'b', state: 'open', since: 't2' }] },
      { channel: 'AIRBNB', property_id: 'villa', listings: 1, last_successful_push_at: null, last_failed_push_at: null, last_error: null, calls_24h: 0, failures_24h: 0, channel_rate_limited_24h: 0, pending_nights: 0, oldest_pending_change_at: null, rate_limit_waits: 0, circuit_waits: 0, last_wait_at: null, circuit: [] },
    ],
  };
  const passes: ReconciliationHealthBody = {
    since: '2027-01-03T12:00:00.000Z',
    channels: [{ channel: 'VRBO', property_id: 'villa', checks: 5, unread: 0, last_checked_at: 't', drift_found: 2, drift_nights: 3, last_drift_found_at: 't', corrected: 1, correction_failed: 1, correction_pending: 0 }],
  };

  test('one row per channel and property, the worst breaker first, the passes beside the pushes', () => {
    const view = healthView(ok(pushes), ok(passes));
    expect(view.rows.map((r) => [r.channel, r.pushes?.circuitWorst, r.passes?.drift_found ?? null])).toEqual([
      ['AIRBNB', 'closed', null],
      ['VRBO', 'open', 2],
    ]);
    expect(view.rows[1]!.pushes!.circuitText).toBe('a: closed since t1; b: open since t2');
    const html = eta.render('health.eta', { when: whenText, view, properties: ['villa'], propertyId: '' });
    expect(html).toContain('2 of 10 calls, 1 refused by its rate limit');
    expect(html).toContain('4 by our rate, 1 by the breaker');
    expect(html).toContain('1 corrected, 1 failed');
    expect(html).toContain('no pass record');
  });

  test('the dispatcher failing: the passes still show, and its panel says what is missing and why', () => {
    const view = healthView({ kind: 'failed', source: 'dispatcher', reason: 'it answered 500: the read failed; see the service log' }, ok(passes));
    expect(view.rows).toHaveLength(1);
    expect(view.rows[0]!.pushes).toBeNull();
    expect(view.panels).toEqual([{ kind: 'failed', what: 'pushes, failures, circuits and rate-limit waits', text: 'The channel side (sync-dispatcher) could not be read: it answered 500: the read failed; see the service log' }]);
  });
});

describe('reading a source as the tenant', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(`${request.url} ${request.headers.authorization}`);
      const send = (status: number, body: unknown, type = 'application/json') => response.writeHead(status, { 'content-type': type }).end(typeof body === 'string' ? body : JSON.stringify(body));
      if (request.url === '/ok') return send(200, { nights: [] });
      if (request.url === '/missing') return send(404, { code: 'property_not_found', detail: "no property 'x' for this API key" });
      if (request.url === '/broken') return send(500, { code: 'internal_error', detail: 'the read failed; see the service log' });
      if (request.url === '/html') return send(502, '<html>bad gateway</html>', 'text/html');
      // /slow: never answers within the test's timeout.
      setTimeout(() => send(200, {}), 2_000).unref();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  test("with the tenant's key as a bearer token: 200 is the body, 404 is absent, another status or no answer is a failure with its reason", async () => {
    const sources = new ConsoleSources({ ingest: `${base}/`, dispatcher: `http://127.0.0.1:${await freePort()}` }, 300);
    expect(await sources.read('ingest', '/ok', 'key-1')).toEqual({ kind: 'ok', body: { nights: [] } });
    expect(seen).toContain('/ok Bearer key-1');
    expect(await sources.read('ingest', '/missing', 'key-1')).toEqual({ kind: 'absent', source: 'ingest', detail: "no property 'x' for this API key" });
    expect(await sources.read('ingest', '/broken', 'key-1')).toEqual({ kind: 'failed', source: 'ingest', reason: 'it answered 500: the read failed; see the service log' });
    expect(await sources.read('ingest', '/html', 'key-1')).toEqual({ kind: 'failed', source: 'ingest', reason: 'it answered 502 without a problem document' });
    expect(await sources.read('ingest', '/slow', 'key-1')).toEqual({ kind: 'failed', source: 'ingest', reason: 'no answer within 300 ms' });
    expect(await sources.read('dispatcher', '/ok', 'key-1')).toEqual({ kind: 'failed', source: 'dispatcher', reason: 'the connection was refused: the service is not listening' });
    expect(await sources.read('reconciler', '/ok', 'key-1')).toEqual({ kind: 'unconfigured', source: 'reconciler' });
    expect(sources.configured('reconciler')).toBe(false);
    // A base with a path (a proxy's prefix) keeps it.
    expect(await new ConsoleSources({ ingest: `${base}/prefixed` }, 300).read('ingest', '/ok', 'key-2')).toMatchObject({ kind: 'failed' });
    expect(seen).toContain('/prefixed/ok Bearer key-2');
  });
});
