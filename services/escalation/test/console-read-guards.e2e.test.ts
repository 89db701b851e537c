import { freePort } from '@cm/test-harness';
import { escalationWorld, type EscalationWorld } from './world';

/**
 * The console's read pages over plain HTTP, with their sources missing: ingest configured but not
 * listening, the dispatcher and the reconciler not configured. Each page still answers, with a
 * panel per source saying why; bad input is a 400 with the reason; another tenant's property a
 * 404. The pages with their sources running are console-calendar.browser.e2e.test.ts's.
 */
let world: EscalationWorld;
let consoleUrl: string;
let ingestPort: number;

beforeAll(async () => {
  world = await escalationWorld();
  const port = await freePort();
  ingestPort = await freePort();
  await world.startEscalation({ CONSOLE_PORT: String(port), CONSOLE_SECURE_COOKIES: 'false', CONSOLE_INGEST_URL: `http://127.0.0.1:${ingestPort}`, CONSOLE_READ_TIMEOUT_MS: '1000' });
  consoleUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => world?.close());

/** A signed-in browser: its cookies carried by hand (fetch keeps no jar). */
async function signIn(tenant = world.tenants[0]): Promise<(path: string) => Promise<{ status: number; location: string | null; text: string }>> {
  const cookies = new Map<string, string>();
  const send = async (path: string, init: RequestInit = {}) => {
    const response = await fetch(`${consoleUrl}${path}`, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const cookie of response.headers.getSetCookie()) {
      const pair = cookie.split(';')[0]!;
      cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    return { status: response.status, location: response.headers.get('location'), text: await response.text() };
  };
  const form = await send('/sign-in');
  const csrf = /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!;
  const signed = await send('/sign-in', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ _csrf: csrf, api_key: tenant.apiKey, operator: 'Li Operator' }).toString() });
  expect(signed.status).toBe(303);
  return (path) => send(path);
}

test('without a session, each read page sends the browser to sign in', async () => {
  for (const path of ['/calendar', '/bookings', '/bookings/p/PMS%3Ax', '/pushes/p/VRBO/l/2027-01-01', '/channel-health']) {
    const response = await fetch(`${consoleUrl}${path}`, { redirect: 'manual' });
    expect({ path, status: response.status, location: response.headers.get('location') }).toEqual({ path, status: 303, location: '/sign-in' });
  }
});

test('a source not listening and two not configured: each page says which and why, and still shows its form', async () => {
  const get = await signIn();
  const [tenant] = world.tenants;
  const calendar = await get(`/calendar?property_id=${encodeURIComponent(tenant.propertyId)}&from=2027-01-01&to=2027-01-08`);
  expect(calendar.status).toBe(200);
  expect(calendar.text).toContain('The ledger (ingest) could not be read: the connection was refused: the service is not listening');
  expect(calendar.text).toContain('This console is not configured to read the channel side (sync-dispatcher), so the channel rows cannot be shown here.');
  expect(calendar.text).toContain('This console is not configured to read the reconciler, so drift found by the reconciler cannot be shown here.');
  expect(calendar.text).toContain('<label for="c-from">');
  expect(calendar.text).not.toContain('data-testid="row-');

  const health = await get('/channel-health');
  expect(health.status).toBe(200);
  expect(health.text.match(/data-testid="source-panel"/g)).toHaveLength(2);
  expect(health.text).toContain('Nothing to show yet.');

  const booking = await get(`/bookings/${encodeURIComponent(tenant.propertyId)}/PMS%3Ar-1`);
  expect(booking.status).toBe(200);
  expect(booking.text).toContain('The ledger (ingest) could not be read');
  expect(booking.text).toContain('without the ledger&#39;s answer it cannot be read');

  const pushes = await get(`/pushes/${encodeURIComponent(tenant.propertyId)}/VRBO/any/2027-01-02`);
  expect(pushes.status).toBe(200);
  expect(pushes.text).toContain("This console is not configured to read the channel side (sync-dispatcher), so this night&#39;s push history cannot be shown here.");
});

test("bad input is a 400 with the reason; another tenant's property and booking are 404s", async () => {
  const get = await signIn();
  const [tenant, other] = world.tenants;
  const mine = encodeURIComponent(tenant.propertyId);
  const cases: [string, number, string][] = [
    [`/calendar?property_id=${mine}&from=2027-01-01&to=2027-04-01`, 400, 'at most 62 nights at once'],
    [`/calendar?property_id=${mine}&from=tomorrow`, 400, 'from and to are YYYY-MM-DD dates'],
    [`/calendar?property_id=${mine}&colour=red`, 400, 'Unrecognized key'],
    // A query the console cannot read is its 400 page; it once ended the whole process.
    [`/calendar?property_id=%ED%A0%80`, 400, 'the form is not valid UTF-8 url-encoding'],
    [`/queue?property_id=%ED%A0%80`, 400, 'the form is not valid UTF-8 url-encoding'],
    [`/channel-health?property_id=a&property_id=b`, 400, 'is given twice'],
    [`/bookings/%ED%A0%80/PMS%3Ax`, 400, 'is not a valid url component'],
    [`/bookings/${mine}/PMS%3A%E2%80%AEx`, 400, 'path: stayKey'],
    [`/bookings/${mine}/no-source`, 400, 'a booking is named &#39;&lt;source&gt;:&lt;reference&gt;&#39;'],
    [`/bookings?property_id=${mine}&stay_key=nothing`, 400, 'a booking is named &#39;&lt;source&gt;:&lt;reference&gt;&#39;'],
    [`/pushes/${mine}/MYSPACE/l/2027-01-01`, 400, 'a channel is one of AIRBNB, BOOKING_COM, VRBO, EXPEDIA'],
    [`/pushes/${mine}/VRBO/l/2027-02-30`, 400, 'a night is a YYYY-MM-DD calendar day'],
    [`/channel-health?property_id=${mine}&days=3`, 400, 'Unrecognized key'],
    [`/calendar?property_id=${encodeURIComponent(other.propertyId)}`, 404, `no property &#39;${other.propertyId}&#39; for this tenant`],
    [`/bookings/${encodeURIComponent(other.propertyId)}/PMS%3Ar-1`, 404, `no property &#39;${other.propertyId}&#39; for this tenant`],
    [`/bookings?property_id=${encodeURIComponent(other.propertyId)}&stay_key=PMS%3Ar-1`, 404, `no property &#39;${other.propertyId}&#39; for this tenant`],
    [`/pushes/${encodeURIComponent(other.propertyId)}/VRBO/l/2027-01-01`, 404, `no property &#39;${other.propertyId}&#39; for this tenant`],
    [`/channel-health?property_id=${encodeURIComponent(other.propertyId)}`, 404, `no property &#39;${other.propertyId}&#39; for this tenant`],
  ];
  for (const [path, status, says] of cases) {
    const answer = await get(path);
    expect({ path, status: answer.status, says: answer.text.includes(says) }).toEqual({ path, status, says: true });
  }
  // Naming a booking of one's own property leads to its page.
  expect(await get(`/bookings?property_id=${mine}&stay_key=PMS%3Ar-1`)).toMatchObject({ status: 303, location: `/bookings/${mine}/PMS%3Ar-1` });
});

test('a session that keeps no API key (opened before the key was kept) is asked to sign in again on a read page, and still works the queue', async () => {
  const get = await signIn(world.tenants[1]);
  await world.db('escalation.console_sessions').where({ tenant_id: world.tenants[1].tenantId }).update({ sealed_api_key: null });
  const calendar = await get('/calendar');
  expect(calendar.status).toBe(401);
  expect(calendar.text).toContain('this session keeps no API key to read the calendar and channels with: sign out and sign in again');
  expect((await get('/queue')).status).toBe(200);
});
