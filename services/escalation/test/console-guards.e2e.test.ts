import { issueApiKey, revokeApiKey } from '@cm/ingest';
import { freePort, uniqueName } from '@cm/test-harness';
import { conflictOf } from './records';
import { escalationWorld, type EscalationProcess, type EscalationWorld } from './world';

/**
 * The console's guards over plain HTTP, as a browser's requests reach them: sessions and their
 * cookie, CSRF tokens, bad input, expiry and another tenant's task. The page flows themselves are
 * console.browser.e2e.test.ts's.
 */
let world: EscalationWorld;
let consoleUrl: string;
let service: EscalationProcess;

beforeAll(async () => {
  world = await escalationWorld();
  const port = await freePort();
  // Cookies left Secure, as deployed: fetch keeps no jar, so the test carries them itself. The
  // test stands where the operators' proxy would: its X-Forwarded-For names the client.
  service = await world.startEscalation({ CONSOLE_PORT: String(port), CONSOLE_TRUSTED_PROXIES: '127.0.0.1' });
  consoleUrl = `http://127.0.0.1:${port}`;
});
afterAll(async () => world?.close());

/** A browser's cookies and the last page's CSRF token, kept by hand. */
class Visitor {
  private readonly cookies = new Map<string, string>();
  csrf = '';

  /** `forwardedFor`: the client's address as the operators' proxy would pass it on. */
  constructor(private readonly forwardedFor?: string) {}

  async get(path: string): Promise<{ status: number; headers: Headers; text: string }> {
    return this.send('GET', path);
  }

  async post(path: string, form: Record<string, string> | string): Promise<{ status: number; headers: Headers; text: string }> {
    return this.send('POST', path, typeof form === 'string' ? form : new URLSearchParams(form).toString());
  }

  forget(name: string): void {
    this.cookies.delete(name);
  }

  private async send(method: string, path: string, body?: string) {
    const headers: Record<string, string> = { cookie: [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ') };
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    if (this.forwardedFor) headers['x-forwarded-for'] = this.forwardedFor;
    const response = await fetch(`${consoleUrl}${path}`, { method, headers, body, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const [name, value] = [pair!.slice(0, pair!.indexOf('=')), pair!.slice(pair!.indexOf('=') + 1)];
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(cookie)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    const text = await response.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text);
    if (token) this.csrf = token[1]!;
    return { status: response.status, headers: response.headers, text };
  }
}

async function signedIn(tenant = world.tenants[0], operator = 'Li Operator'): Promise<Visitor> {
  const visitor = new Visitor();
  await visitor.get('/sign-in');
  const answer = await visitor.post('/sign-in', { _csrf: visitor.csrf, api_key: tenant.apiKey, operator });
  expect(answer).toMatchObject({ status: 303 });
  expect(answer.headers.get('location')).toBe('/queue');
  await visitor.get('/queue');
  return visitor;
}

test('a session cookie is HttpOnly, SameSite=Strict, Secure and expires; the CSRF secret too; pages forbid framing and foreign scripts', async () => {
  const visitor = new Visitor();
  const page = await visitor.get('/sign-in');
  expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  expect(page.headers.get('cache-control')).toBe('no-store');
  const csrfCookie = page.headers.getSetCookie().find((c) => c.startsWith('cm_console_csrf='))!;
  expect(csrfCookie).toMatch(/HttpOnly/);
  expect(csrfCookie).toMatch(/SameSite=Strict/);
  expect(csrfCookie).toMatch(/Secure/);

  const answer = await visitor.post('/sign-in', { _csrf: visitor.csrf, api_key: world.tenants[0].apiKey, operator: 'Li Operator' });
  const session = answer.headers.getSetCookie().find((c) => c.startsWith('cm_console_session='))!;
  expect(session).toMatch(/; Path=\/;/);
  expect(session).toMatch(/HttpOnly/);
  expect(session).toMatch(/SameSite=Strict/);
  expect(session).toMatch(/Secure/);
  expect(session).toMatch(/Expires=/);
  // Only the token's hash is stored: the table cannot be replayed as a cookie.
  const token = session.slice('cm_console_session='.length, session.indexOf(';'));
  const rows = await world.db('escalation.console_sessions').where({ tenant_id: world.tenants[0].tenantId }).select('token_hash', 'operator');
  expect(rows).toContainEqual({ token_hash: expect.stringMatching(/^[0-9a-f]{64}$/), operator: 'Li Operator' });
  expect(rows.map((r) => r.token_hash)).not.toContain(token);
});

test('without a session a page sends the browser to sign in, and an action is refused', async () => {
  const visitor = new Visitor();
  for (const path of ['/', '/queue', `/tasks/${crypto.randomUUID()}`]) {
    const page = await visitor.get(path);
    expect({ path, status: page.status, location: page.headers.get('location') }).toEqual({ path, status: 303, location: '/sign-in' });
  }
  await visitor.get('/sign-in');
  const action = await visitor.post(`/tasks/${crypto.randomUUID()}/acknowledge`, { _csrf: visitor.csrf });
  expect(action.status).toBe(401);
  expect(action.text).toContain('sign in with your API key first');
});

test('a sign-in without a name, with a name of control characters, with an unknown key or without the CSRF token is refused with the reason', async () => {
  const visitor = new Visitor();
  await visitor.get('/sign-in');
  const key = world.tenants[0].apiKey;
  const noName = await visitor.post('/sign-in', { _csrf: visitor.csrf, api_key: key, operator: ' ' });
  expect(noName.status).toBe(400);
  expect(noName.text).toContain('your name is needed');
  const bidi = await visitor.post('/sign-in', { _csrf: visitor.csrf, api_key: key, operator: 'ad\u202Emin' });
  expect(bidi.status).toBe(400);
  expect(bidi.text).toContain('a bidirectional control character');
  const unknown = await visitor.post('/sign-in', { _csrf: visitor.csrf, api_key: 'cmk_nope', operator: 'Li' });
  expect(unknown.status).toBe(401);
  expect(unknown.text).toContain('the API key is unknown or revoked');
  const forged = await visitor.post('/sign-in', { api_key: key, operator: 'Li' });
  expect(forged.status).toBe(403);
  const stranger = new Visitor();
  const crossSite = await stranger.post('/sign-in', { _csrf: visitor.csrf, api_key: key, operator: 'Li' });
  expect(crossSite.status).toBe(403);
  expect(crossSite.text).toContain('did not come from this console');
  // Counted by outcome; a form refused for its CSRF token never reached the sign-in.
  const metrics = await service.metrics();
  expect(metrics).toMatch(/escalation_console_sign_ins_total\{outcome="invalid_form"[^}]*\} 2\n/);
  expect(metrics).toMatch(/escalation_console_sign_ins_total\{outcome="refused_key"[^}]*\} 1\n/);
});

test('ill-formed form text, a repeated field and a task id that is not a UUID are 400s that say why', async () => {
  const visitor = await signedIn();
  const notUtf8 = await visitor.post(`/tasks/${crypto.randomUUID()}/resolve`, `_csrf=${encodeURIComponent(visitor.csrf)}&action=dismiss&note=%FF`);
  expect(notUtf8.status).toBe(400);
  expect(notUtf8.text).toContain('not valid UTF-8');
  const twice = await visitor.post(`/tasks/${crypto.randomUUID()}/resolve`, `_csrf=${encodeURIComponent(visitor.csrf)}&action=dismiss&action=repush_availability`);
  expect(twice.status).toBe(400);
  expect(twice.text).toContain('the form field &#39;action&#39; is given twice');
  const badId = await visitor.get('/tasks/not-a-uuid');
  expect(badId.status).toBe(400);
  expect(badId.text).toContain('a task id is a UUID');
  const nowhere = await visitor.get('/nowhere');
  expect(nowhere.status).toBe(404);
  expect(nowhere.text).toContain('Status 404 · page_not_found');
  const badFilter = await visitor.get('/queue?severity=URGENT');
  expect(badFilter.status).toBe(400);
  expect(badFilter.text).toContain('severity');
});

test("another tenant's task is absent to a signed-in operator: the page, the confirm step and the actions all answer 404, and the task is untouched", async () => {
  const other = world.tenants[1];
  const record = conflictOf({ type: 'GUEST_DISPUTE', channel: 'AIRBNB', key: `AIRBNB:${uniqueName('r')}` as never, reason: 'noise' }, { property_id: other.propertyId });
  await world.sendConflicts([record]);
  const [task] = await world.waitForTasks(other.propertyId, (t) => t.length > 0, "the other tenant's task");
  const visitor = await signedIn();
  expect((await visitor.get(`/tasks/${task!.task_id}`)).status).toBe(404);
  expect((await visitor.get(`/tasks/${task!.task_id}/confirm?action=acknowledge`)).status).toBe(404);
  expect((await visitor.post(`/tasks/${task!.task_id}/acknowledge`, { _csrf: visitor.csrf })).status).toBe(404);
  expect((await visitor.post(`/tasks/${task!.task_id}/resolve`, { _csrf: visitor.csrf, action: 'dismiss', note: 'not mine' })).status).toBe(404);
  expect((await visitor.get(`/queue?property_id=${other.propertyId}`)).status).toBe(404);
  expect(await world.db('escalation.review_tasks').where({ task_id: task!.task_id }).first('status', 'acknowledged_by')).toEqual({ status: 'open', acknowledged_by: null });

  // Its own operator acknowledges it through the console, and is recorded by the session's name.
  const owner = await signedIn(other, 'Sam Owner');
  const done = await owner.post(`/tasks/${task!.task_id}/acknowledge`, { _csrf: owner.csrf });
  expect(done.status).toBe(200);
  expect(done.text).toContain('Acknowledged by Sam Owner.');
  expect(done.headers.get('hx-push-url')).toBe(`/tasks/${task!.task_id}`);
  // The POST's address asked again (a reload without htmx) leads to the task, acting on nothing.
  expect(await owner.get(`/tasks/${task!.task_id}/acknowledge`)).toMatchObject({ status: 303 });
  expect(await world.db('escalation.task_history').where({ task_id: task!.task_id, action: 'acknowledged' }).first('actor')).toEqual({ actor: 'Sam Owner' });
});

test('an expired session, one whose API key was revoked, or one signed out, is over: the browser is sent to sign in again', async () => {
  const visitor = await signedIn(world.tenants[0], 'Expiring Operator');
  expect((await visitor.get('/queue')).status).toBe(200);
  await world.db('escalation.console_sessions').where({ operator: 'Expiring Operator' }).update({ expires_at_ms: Date.now() - 1 });
  expect((await visitor.get('/queue')).headers.get('location')).toBe('/sign-in');

  // Revoking the API key a session was opened with ends the session.
  const key = await issueApiKey(world.db, world.tenants[0].tenantId, 'console-revoked');
  const revoked = await signedIn({ ...world.tenants[0], apiKey: key }, 'Revoked Operator');
  expect((await revoked.get('/queue')).status).toBe(200);
  await revokeApiKey(world.db, key);
  expect((await revoked.get('/queue')).headers.get('location')).toBe('/sign-in');

  const leaving = await signedIn(world.tenants[0], 'Leaving Operator');
  const out = await leaving.post('/sign-out', { _csrf: leaving.csrf });
  expect(out).toMatchObject({ status: 303 });
  expect(await world.db('escalation.console_sessions').where({ operator: 'Leaving Operator' }).first()).toBeUndefined();
  expect((await leaving.get('/queue')).headers.get('location')).toBe('/sign-in');
});

test('sign-in tries are limited per client behind the trusted proxy: one client guessing keys does not lock out another', async () => {
  const guesser = new Visitor('203.0.113.7');
  await guesser.get('/sign-in');
  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await guesser.post('/sign-in', { _csrf: guesser.csrf, api_key: `cmk_guess_${i}`, operator: 'Guesser' })).status);
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(statuses.at(-1)).toBe(429);
  // Another operator behind the same proxy signs in at once.
  const colleague = new Visitor('203.0.113.8');
  await colleague.get('/sign-in');
  const answer = await colleague.post('/sign-in', { _csrf: colleague.csrf, api_key: world.tenants[0].apiKey, operator: 'Li Operator' });
  expect({ status: answer.status, location: answer.headers.get('location') }).toEqual({ status: 303, location: '/queue' });
});
